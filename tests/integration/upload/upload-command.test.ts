// `cleardisc upload` end to end against a REAL Orthanc: arguments, credentials from the environment only,
// progress on stderr, one JSON document on stdout, exit codes, and the real second lock as pre-send check.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError, type CliIO } from '../../../main/cli/io';
import {
  uploadCommand,
  type UploadCommandOverrides,
  type UploadJson,
} from '../../../main/cli/upload-command';
import { StowFatalError } from '../../../main/core/upload/stow-client';
import { startFaultProxy, type FaultProxy, type SeenRequest } from '../../support/fault-proxy';
import { startOrthanc, type OrthancServer } from '../../support/orthanc';
import { expectServerHolds, FAST, without } from './helpers';
import { generated, rm, tempDir, writeJob, type BuiltJob } from './job-fixture';

jest.setTimeout(30_000);

const MiB = 1024 * 1024;

interface Captured extends CliIO {
  stdout: string;
  stderr: string;
}
function io(env: Record<string, string | undefined>, isTTY = false): Captured {
  const c: Captured = {
    stdout: '',
    stderr: '',
    env,
    isTTY,
    out: (t) => void (c.stdout += t),
    err: (t) => void (c.stderr += t),
  };
  return c;
}

let server: OrthancServer;
let proxy: FaultProxy;
let home: string;
const cleanup: string[] = [];
const fast: UploadCommandOverrides = { client: FAST, progressEveryMs: 0 };

beforeAll(async () => {
  server = await startOrthanc();
});
afterAll(async () => {
  await server?.stop();
});
beforeEach(async () => {
  await server.reset();
  proxy = await startFaultProxy(server.restUrl);
  home = tempDir('cleardisc-home-');
  cleanup.push(home);
});
afterEach(async () => {
  await proxy.stop();
  for (const d of cleanup.splice(0)) rm(d);
});

function job(n = 3, extra: Array<{ data: Buffer }> = []): BuiltJob {
  const j = writeJob(
    [...Array.from({ length: n }, (_, i) => ({ data: generated(50, 1, i + 1) })), ...extra],
    { caseCode: 'CD-CLI-0001' },
  );
  cleanup.push(j.dir);
  return j;
}

/** The private case record the de-identification leaves in CLEARDISC_HOME: identity tokens for the second lock. */
function caseRecord(identity: { names: string[]; ids: string[] }) {
  const dir = path.join(home, 'cases', 'CD-CLI-0001');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'record.json'),
    JSON.stringify({
      caseCode: 'CD-CLI-0001',
      secret: '00',
      dateOffsetDays: -400,
      createdAt: '2025-01-01T00:00:00Z',
      patients: [],
      uidMap: {},
      identity: { ...identity, dates: [], texts: [], uids: [] },
    }),
  );
}

const basicEnv = () => ({
  CLEARDISC_USER: server.user,
  CLEARDISC_PASSWORD: server.password,
  CLEARDISC_HOME: home,
});

describe('cleardisc upload', () => {
  it('uploads, prints one JSON document, progress on stderr, exit 0; credentials never printed', async () => {
    const j = job(3);
    caseRecord({ names: ['Doe^Jane'], ids: ['PID0001'] });
    const c = io(basicEnv());
    const code = await uploadCommand(
      [j.dir, '--to', proxy.dicomWebUrl, '--json', '--batch-mb', '1', '--parallel', '2'],
      c,
      fast,
    );
    expect(code).toBe(0);
    const doc = JSON.parse(c.stdout) as UploadJson;
    expect(doc).toEqual({
      job: j.dir,
      complete: true,
      total: 3,
      stored: 3,
      failed: [],
      studies: [{ studyInstanceUID: j.manifest.instances[0].studyInstanceUID, instances: 3, expected: 3 }],
      notInManifest: [],
      receipt: path.join(j.dir, 'receipt.json'),
      receiptHtml: path.join(j.dir, 'receipt.html'),
    });
    expect(c.stderr).toMatch(/^Sending 0\/3 images/m);
    expect(c.stderr).toMatch(/^Checking that the review service holds all 3 images/m);
    expect(c.stderr).not.toContain('\r');
    for (const secret of [server.password, server.authHeader.split(' ')[1]]) {
      expect(c.stdout + c.stderr).not.toContain(secret);
      for (const f of ['receipt.json', 'receipt.html', 'upload-journal.ndjson'])
        expect(fs.readFileSync(path.join(j.dir, f), 'utf8')).not.toContain(secret);
    }
    expect(proxy.seen('stow').every((r) => r.authorization === server.authHeader)).toBe(true);
    await expectServerHolds(server, j.hashes);
  });

  it('--batch-mb and --parallel take effect: requests of at most 1 MiB, 2 at once (1 with --parallel 1)', async () => {
    // 6 files of ~400 KB: any 3 exceed 1 MiB, so a 1 MiB limit means 3 requests of 2 files each.
    const j = writeJob(
      Array.from({ length: 6 }, (_, i) => ({ data: generated(51, 1, i + 1, 400) })),
      { caseCode: 'CD-CLI-0001' },
    );
    cleanup.push(j.dir);
    caseRecord({ names: ['Doe^Jane'], ids: ['PID0001'] });
    const sizes = j.manifest.instances.map((i) => i.bytes);
    expect(Math.min(...sizes) * 3).toBeGreaterThan(MiB);
    expect(Math.max(...sizes) * 2).toBeLessThan(MiB - 1024);
    // Each STOW answer held back 300 ms, so two requests in flight must overlap at the proxy.
    proxy.setRules([{ on: 'stow', index: 'all', fault: { kind: 'delay', ms: 300 } }]);
    const slow: UploadCommandOverrides = { ...fast, client: { ...FAST, idleTimeoutMs: 10_000 } };
    const upload = async (parallel: string) => {
      const c = io(basicEnv());
      const argv = [j.dir, '--to', proxy.dicomWebUrl, '--json', '--batch-mb', '1', '--parallel', parallel];
      expect(await uploadCommand(argv, c, slow)).toBe(0);
      expect(JSON.parse(c.stdout)).toMatchObject({ complete: true, stored: 6, failed: [] });
    };
    const bySop = new Map(j.manifest.instances.map((i) => [i.sopInstanceUID, i.bytes]));
    const checkRequests = (stows: SeenRequest[]) => {
      expect(stows.length).toBeGreaterThan(1);
      for (const r of stows) {
        expect(r.chunked).toBe(false);
        expect(r.contentLength).toBeLessThanOrEqual(MiB);
        expect(r.sops.reduce((a, s) => a + bySop.get(s)!, 0)).toBeLessThanOrEqual(MiB);
      }
      // Every instance went exactly once.
      expect(stows.flatMap((r) => r.sops).sort()).toEqual([...bySop.keys()].sort());
    };

    await upload('2');
    checkRequests(proxy.seen('stow'));
    expect(proxy.seen('stow')).toHaveLength(3);
    expect(proxy.maxConcurrent('stow')).toBe(2);
    await expectServerHolds(server, j.hashes);

    // The same folder again from scratch with --parallel 1: never two at once (the default is 2, so this
    // fails if --parallel is ignored).
    await server.reset();
    for (const f of ['upload-journal.ndjson', 'receipt.json', 'receipt.html']) fs.rmSync(path.join(j.dir, f));
    await proxy.stop();
    proxy = await startFaultProxy(server.restUrl, [
      { on: 'stow', index: 'all', fault: { kind: 'delay', ms: 300 } },
    ]);
    await upload('1');
    checkRequests(proxy.seen('stow'));
    expect(proxy.maxConcurrent('stow')).toBe(1);
    await expectServerHolds(server, j.hashes);
  });

  it('on a terminal: one updating progress line; plain text summary on stdout', async () => {
    const j = job(2);
    caseRecord({ names: ['Doe^Jane'], ids: [] });
    const c = io(basicEnv(), true);
    expect(await uploadCommand([j.dir, '--to', server.dicomWebUrl], c, fast)).toBe(0);
    expect(c.stderr.startsWith(`\r[${'-'.repeat(20)}]   0% Sending 0/2 images`)).toBe(true);
    expect(c.stderr.split('\n').filter(Boolean).length).toBe(1); // one line, rewritten with \r
    expect(c.stderr).toContain('\x1b[K');
    expect(c.stdout).toContain('All 2 images of 1 study are with the review service');
    expect(c.stdout).toContain('Case code: CD-CLI-0001');
    expect(c.stdout).toContain(`Receipt: ${path.join(j.dir, 'receipt.html')}`);
  });

  it('wires the real second lock: a file still carrying the patient name is held back, exit 1', async () => {
    const leaky = generated(50, 1, 9, 8, { patientName: 'Doe^Jane' });
    const j = job(2, [{ data: leaky }]);
    caseRecord({ names: ['Doe^Jane'], ids: ['PID0001'] });
    const c = io(basicEnv());
    const code = await uploadCommand([j.dir, '--to', proxy.dicomWebUrl, '--json'], c, fast);
    expect(code).toBe(1);
    const doc = JSON.parse(c.stdout) as UploadJson;
    const leakySop = j.manifest.instances[2].sopInstanceUID;
    expect(doc).toMatchObject({
      complete: false,
      stored: 2,
      receipt: null,
      failed: [{ sopInstanceUID: leakySop, reason: 'identity-found' }],
    });
    expect(proxy.seen('stow').flatMap((r) => r.sops)).not.toContain(leakySop);
    await expectServerHolds(server, without(j.hashes, leakySop));
    expect(c.stdout + c.stderr).not.toMatch(/Doe|Jane/);
  });

  it('refuses to upload when the case record (identity tokens) is not on this computer', async () => {
    const j = job(1);
    await expect(uploadCommand([j.dir, '--to', proxy.dicomWebUrl], io(basicEnv()), fast)).rejects.toThrow(
      UsageError,
    );
    await expect(uploadCommand([j.dir, '--to', proxy.dicomWebUrl], io(basicEnv()), fast)).rejects.toThrow(
      /private record of case CD-CLI-0001/,
    );
    expect(proxy.requests).toHaveLength(0);
  });

  it('exits non-zero when the service does not confirm an instance (QIDO-RS)', async () => {
    const j = job(3);
    caseRecord({ names: ['Doe^Jane'], ids: [] });
    proxy.setRules([
      {
        on: 'qido',
        index: 'all',
        fault: { kind: 'hide-instances', sops: [j.manifest.instances[0].sopInstanceUID] },
      },
    ]);
    const c = io(basicEnv());
    expect(await uploadCommand([j.dir, '--to', proxy.dicomWebUrl], c, fast)).toBe(1);
    expect(c.stdout).toContain(
      '2 of 3 images are confirmed at the review service; the upload is NOT complete.',
    );
    expect(c.stdout).toContain(j.manifest.instances[0].sopInstanceUID);
    expect(fs.existsSync(path.join(j.dir, 'receipt.json'))).toBe(false);
  });

  it('sends a Bearer token from --token-file or CLEARDISC_TOKEN, never printing it', async () => {
    const j = job(1);
    caseRecord({ names: ['Doe^Jane'], ids: [] });
    const tokenFile = path.join(home, 'token');
    fs.writeFileSync(tokenFile, 'tok-SECRET-123\n', { mode: 0o600 });
    const c = io({ CLEARDISC_HOME: home });
    // Orthanc takes Basic only: the token is refused with 401, which stops the upload with a clear message.
    const err = await uploadCommand(
      [j.dir, '--to', proxy.dicomWebUrl, '--token-file', tokenFile],
      c,
      fast,
    ).catch((e: Error) => e);
    expect(err).toBeInstanceOf(StowFatalError);
    expect((err as Error).message).toMatch(/did not accept the credentials \(HTTP 401\)/);
    expect((err as Error).message + c.stdout + c.stderr).not.toContain('tok-SECRET-123');
    expect(proxy.seen('stow')[0].authorization).toBe('Bearer tok-SECRET-123');
    const c2 = io({ CLEARDISC_HOME: home, CLEARDISC_TOKEN: 'env-TOKEN-9' });
    await expect(uploadCommand([j.dir, '--to', proxy.dicomWebUrl], c2, fast)).rejects.toThrow(StowFatalError);
    expect(proxy.seen('stow')[1].authorization).toBe('Bearer env-TOKEN-9');
  });

  it('rejects bad arguments and unsafe settings with a UsageError before any request', async () => {
    const j = job(1);
    const env = basicEnv();
    const cases: Array<[string[], Record<string, string | undefined>, RegExp]> = [
      [[], env, /usage: cleardisc upload/],
      [[j.dir], env, /usage: cleardisc upload/],
      [[j.dir, '--to', 'http://review.example.org/dicom-web'], env, /unencrypted http:\/\//],
      [[j.dir, '--to', `http://u:p@127.0.0.1:1/dicom-web`], env, /must not contain a user name or password/],
      [[j.dir, '--to', proxy.dicomWebUrl, '--parallel', '0'], env, /--parallel must be a whole number/],
      [[j.dir, '--to', proxy.dicomWebUrl, '--parallel', '1.5'], env, /--parallel/],
      [[j.dir, '--to', proxy.dicomWebUrl, '--batch-mb', 'lots'], env, /--batch-mb/],
      [[j.dir, '--to', proxy.dicomWebUrl], { ...env, CLEARDISC_TOKEN: 't' }, /not both/],
      [
        [j.dir, '--to', proxy.dicomWebUrl],
        { CLEARDISC_USER: 'u' },
        /set both CLEARDISC_USER and CLEARDISC_PASSWORD/,
      ],
      [
        [j.dir, '--to', proxy.dicomWebUrl, '--token-file', path.join(home, 'missing')],
        {},
        /cannot read the token file \(ENOENT\)/,
      ],
      [[path.join(home, 'nope'), '--to', proxy.dicomWebUrl], env, /no manifest\.json/],
    ];
    for (const [argv, e, message] of cases) {
      const c = io(e);
      const err = await uploadCommand(argv, c, fast).catch((x: Error) => x);
      expect([argv.join(' '), err instanceof UsageError, (err as Error).message]).toEqual([
        argv.join(' '),
        true,
        expect.stringMatching(message),
      ]);
    }
    // Unknown options are parseArgs errors (main.ts maps ERR_PARSE_ARGS_* to exit 2); a password flag does not exist.
    await expect(
      uploadCommand([j.dir, '--to', proxy.dicomWebUrl, '--password', 'x'], io(env), fast),
    ).rejects.toMatchObject({
      code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION',
    });
    expect(proxy.requests).toHaveLength(0);
  });
});
