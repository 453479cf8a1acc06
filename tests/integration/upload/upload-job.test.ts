// uploadJob against a REAL Orthanc (DICOMweb plugin), through the fault proxy where requests are counted.
// Every test checks what Orthanc finally holds: the manifest's SOP Instance UIDs, once each, byte-identical.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readJournal, replayJournal } from '../../../main/core/upload/journal';
import { UploadInputError } from '../../../main/core/upload/manifest';
import { StowFatalError } from '../../../main/core/upload/stow-client';
import { uploadJob } from '../../../main/core/upload/upload-job';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy';
import { httpRequest, startOrthanc, type OrthancServer } from '../../support/orthanc';
import type { VerifyFn } from '../../../main/core/upload/types';
import { allowAll, expectServerHolds, run, testClient, without } from './helpers';
import {
  CT_SMALL,
  MR_SMALL,
  describeDicom,
  generated,
  rm,
  sha256,
  writeJob,
  type BuiltJob,
} from './job-fixture';

jest.setTimeout(30_000);

let server: OrthancServer;
let proxy: FaultProxy;
const jobs: BuiltJob[] = [];
const job = (...args: Parameters<typeof writeJob>) => {
  const j = writeJob(...args);
  jobs.push(j);
  return j;
};

/** SOP Instance UIDs of every STOW request the proxy saw after its first `before` requests. */
const stowedSince = (before: number) =>
  proxy
    .seen('stow')
    .slice(before)
    .flatMap((r) => r.sops);

beforeAll(async () => {
  server = await startOrthanc();
});
afterAll(async () => {
  await server?.stop();
});
beforeEach(async () => {
  await server.reset();
  proxy = await startFaultProxy(server.restUrl);
});
afterEach(async () => {
  await proxy.stop();
  for (const j of jobs.splice(0)) rm(j.dir);
});

/** Three studies: two real files (CT_small, MR_small) and a generated study of 2 series x 6 instances. */
function threeStudies(kb = 24): BuiltJob {
  const files: Buffer[] = [fs.readFileSync(CT_SMALL), fs.readFileSync(MR_SMALL)];
  for (let s = 1; s <= 2; s++) for (let n = 1; n <= 6; n++) files.push(generated(7, s, n, kb));
  return job(files.map((data) => ({ data })));
}

describe('uploadJob (real Orthanc)', () => {
  it('uploads several studies in batches by count and by bytes, 2 in parallel, and confirms with QIDO-RS', async () => {
    const j = threeStudies(24);
    const client = testClient(server, proxy.dicomWebUrl);
    // A clock that advances 20 ms per reading: the rate and ETA shown do not depend on how loaded the machine is.
    let now = 0;
    const out = await run(j, client, {
      batchMaxFiles: 4,
      batchMaxBytes: 80 * 1024,
      parallel: 2,
      clock: () => (now += 20),
    });

    expect(out).toMatchObject({
      complete: true,
      total: 14,
      stored: 14,
      sentThisRun: 14,
      failed: [],
      missingOnServer: [],
    });
    expect(out.studies.map((s) => [s.expected, s.confirmed])).toEqual([
      [1, 1],
      [1, 1],
      [12, 12],
    ]);
    await expectServerHolds(server, j.hashes);

    const stows = proxy.seen('stow');
    // Every manifest instance sent exactly once, in requests of at most 4 files and ~80 KB of files.
    expect(stows.flatMap((r) => r.sops).sort()).toEqual([...j.hashes.keys()].sort());
    for (const r of stows) {
      expect(r.sops.length).toBeLessThanOrEqual(4);
      const bytes = r.sops.reduce(
        (a, s) => a + j.manifest.instances.find((i) => i.sopInstanceUID === s)!.bytes,
        0,
      );
      expect(bytes <= 80 * 1024 || r.sops.length === 1).toBe(true);
      expect(r.chunked).toBe(false);
      expect(r.contentLength).toBeGreaterThan(bytes);
    }
    expect(stows.length).toBeGreaterThanOrEqual(5);
    expect(proxy.maxConcurrent('stow')).toBe(2);
    // Confirmation: one series-level QIDO-RS per study, whose counts match the manifest, so no instance is listed.
    const qido = proxy.seen('qido').map((r) => r.path.split('?')[0].split('/'));
    expect(qido.map((p) => p[4])).toEqual(['series', 'series', 'series']);
    expect(qido.map((p) => p[3]).sort()).toEqual(
      [...new Set(j.manifest.instances.map((i) => i.studyInstanceUID))].sort(),
    );

    // Progress: files and bytes only grow, end at the totals, phases in order.
    const p = out.progress;
    for (let i = 1; i < p.length; i++) {
      expect(p[i].filesDone).toBeGreaterThanOrEqual(p[i - 1].filesDone);
      expect(p[i].bytesDone).toBeGreaterThanOrEqual(p[i - 1].bytesDone);
    }
    const last = p[p.length - 1];
    expect(last).toMatchObject({
      phase: 'done',
      filesDone: 14,
      filesTotal: 14,
      bytesTotal: last.bytesDone,
      etaSeconds: 0,
    });
    expect(p.some((x) => x.phase === 'confirming')).toBe(true);
    expect(p.some((x) => x.phase === 'sending' && x.bytesPerSecond > 0 && x.etaSeconds !== undefined)).toBe(
      true,
    );

    // Journal: sending then stored for each instance, with Orthanc's Retrieve URL.
    const states = replayJournal((await readJournal(j.dir)).entries);
    expect(
      [...states.values()].every(
        (s) => s.state === 'stored' && s.url?.startsWith(server.dicomWebUrl.replace('/dicom-web', '')),
      ),
    ).toBe(true);
    expect(states.size).toBe(14);
    expect(fs.existsSync(out.receipt!.json) && fs.existsSync(out.receipt!.html)).toBe(true);
  });

  it('a second run of a completed job sends nothing and confirms again', async () => {
    const j = job([{ data: fs.readFileSync(CT_SMALL) }, { data: generated(8, 1, 1) }]);
    const client = testClient(server, proxy.dicomWebUrl);
    expect((await run(j, client)).complete).toBe(true);
    const before = proxy.seen('qido').length;
    const again = await run(j, client);
    expect(again).toMatchObject({ complete: true, stored: 2, sentThisRun: 0 });
    expect(proxy.seen('stow')).toHaveLength(1);
    // Nothing was acknowledged in this run: series counts are not trusted, each study's instances are listed.
    const qido = proxy.seen('qido').slice(before);
    expect(qido.map((r) => r.path.split('?')[0].split('/').pop())).toEqual(['instances', 'instances']);
    await expectServerHolds(server, j.hashes);
  });

  it('refuses a manifest whose de-identification did not finish, before any request', async () => {
    const j = job([{ data: fs.readFileSync(CT_SMALL) }], { complete: false });
    await expect(run(j, testClient(server, proxy.dicomWebUrl))).rejects.toThrow(UploadInputError);
    await expect(run(j, testClient(server, proxy.dicomWebUrl))).rejects.toThrow(/complete: false/);
    expect(proxy.requests).toHaveLength(0);
    expect(fs.existsSync(path.join(j.dir, 'upload-journal.ndjson'))).toBe(false);
  });

  it('does not send a file whose SHA-256 or size no longer matches the manifest', async () => {
    const j = job([{ data: generated(9, 1, 1) }, { data: generated(9, 1, 2) }, { data: generated(9, 1, 3) }]);
    const [a, b, c] = j.manifest.instances;
    // Same size, one byte changed; and a file grown by one byte.
    const pa = path.join(j.dir, a.file);
    const buf = fs.readFileSync(pa);
    buf[buf.length - 1] ^= 0xff;
    fs.writeFileSync(pa, buf);
    fs.appendFileSync(path.join(j.dir, b.file), Buffer.from([0]));
    const out = await run(j, testClient(server, proxy.dicomWebUrl));
    expect(out.complete).toBe(false);
    expect(out.failed).toEqual([
      {
        sopInstanceUID: a.sopInstanceUID,
        reason: 'verify-failed',
        detail: expect.stringContaining('SHA-256 differs'),
      },
      {
        sopInstanceUID: b.sopInstanceUID,
        reason: 'verify-failed',
        detail: expect.stringContaining('size differs'),
      },
    ]);
    expect(proxy.seen('stow').flatMap((r) => r.sops)).toEqual([c.sopInstanceUID]);
    await expectServerHolds(server, without(j.hashes, a.sopInstanceUID, b.sopInstanceUID));
    expect(out.receipt).toBeUndefined();
  });

  it('sends the bytes it checked, even if the file changes on disk between its check and its request', async () => {
    const files = [1, 2, 3].map((n) => ({ data: generated(22, 1, n) }));
    // The check itself is the last moment the file is read: it is changed on disk right after (same size).
    const changeAfterCheck: VerifyFn = async (file, bytes) => {
      expect(bytes).toBeDefined();
      const changed = Buffer.from(bytes!);
      changed[changed.length - 1] ^= 0xff;
      fs.writeFileSync(file, changed);
      return { ok: true };
    };
    const j = job(files);
    const out = await run(j, testClient(server, proxy.dicomWebUrl), { verify: changeAfterCheck });
    expect(out).toMatchObject({ complete: true, stored: 3, failed: [] });
    await expectServerHolds(server, j.hashes);

    // With no memory to keep checked files in, each is read again as it is sent, hashed on the way, and a
    // changed one is never completed: nothing reaches the server.
    await server.reset();
    const k = job(files);
    const streamed = await run(k, testClient(server, proxy.dicomWebUrl), {
      verify: changeAfterCheck,
      memoryForCheckedBytes: 0,
    });
    expect(streamed.complete).toBe(false);
    expect(streamed.failed.map((f) => [f.sopInstanceUID, f.reason])).toEqual(
      k.manifest.instances.map((i) => [i.sopInstanceUID, 'verify-failed']),
    );
    expect(await server.instanceCount()).toBe(0);
  });

  it('never sends a file that is not in the manifest (extra file, path outside the folder, symlink out)', async () => {
    const j = job([{ data: generated(10, 1, 1) }]);
    const extra = generated(10, 1, 2);
    fs.writeFileSync(path.join(j.dir, 'study-01', 'series-001', 'extra.dcm'), extra);
    fs.mkdirSync(path.join(j.dir, 'quarantine'));
    fs.writeFileSync(path.join(j.dir, 'quarantine', '00001.dcm'), generated(10, 1, 3));
    // A manifest entry pointing outside the folder, and one through a symlink leading out.
    const outside = path.join(path.dirname(j.dir), `${path.basename(j.dir)}-outside.dcm`);
    const escaping = generated(10, 1, 4);
    fs.writeFileSync(outside, escaping);
    fs.symlinkSync(outside, path.join(j.dir, 'link.dcm'));
    const esc = { ...describeDicom(escaping), bytes: escaping.length, sha256: sha256(escaping) };
    delete (esc as { studyDescription?: string }).studyDescription;
    const linked = { ...esc, sopInstanceUID: esc.sopInstanceUID + '.1', file: 'link.dcm' };
    j.manifest.instances.push({ ...esc, file: `../${path.basename(outside)}` }, linked);
    j.rewriteManifest(j.manifest);
    try {
      const out = await run(j, testClient(server, proxy.dicomWebUrl));
      expect(out.notInManifest).toEqual(['study-01/series-001/extra.dcm']);
      expect(out.failed.map((f) => [f.sopInstanceUID, f.reason])).toEqual([
        [esc.sopInstanceUID, 'outside-root'],
        [linked.sopInstanceUID, 'outside-root'],
      ]);
      const sent = proxy.seen('stow').flatMap((r) => r.sops);
      expect(sent).toEqual([j.manifest.instances[0].sopInstanceUID]);
      expect(sent).not.toContain(describeDicom(extra).sopInstanceUID);
      await expectServerHolds(
        server,
        new Map([
          [j.manifest.instances[0].sopInstanceUID, j.hashes.get(j.manifest.instances[0].sopInstanceUID)!],
        ]),
      );
    } finally {
      fs.rmSync(outside, { force: true });
    }
  });

  it('holds back a file the pre-send identity check rejects (verify is called right before sending)', async () => {
    const j = job([
      { data: generated(11, 1, 1) },
      { data: generated(11, 1, 2) },
      { data: generated(11, 1, 3) },
    ]);
    const bad = j.manifest.instances[1];
    const checked: string[] = [];
    const out = await run(j, testClient(server, proxy.dicomWebUrl), {
      verify: async (file) => {
        checked.push(path.relative(j.dir, file));
        return { ok: !file.endsWith(bad.file) };
      },
    });
    expect(checked.sort()).toEqual(j.manifest.instances.map((i) => i.file).sort());
    expect(out.failed).toEqual([
      { sopInstanceUID: bad.sopInstanceUID, reason: 'identity-found', detail: expect.any(String) },
    ]);
    expect(proxy.seen('stow').flatMap((r) => r.sops)).not.toContain(bad.sopInstanceUID);
    await expectServerHolds(server, without(j.hashes, bad.sopInstanceUID));
    expect(out.complete).toBe(false);
    // A verify that throws is 'verify-failed', also never sent.
    const out2 = await run(j, testClient(server, proxy.dicomWebUrl), {
      verify: async () => {
        throw new Error('boom');
      },
    });
    expect(out2.failed).toEqual([
      { sopInstanceUID: bad.sopInstanceUID, reason: 'verify-failed', detail: expect.any(String) },
    ]);
    expect(proxy.seen('stow').flatMap((r) => r.sops)).not.toContain(bad.sopInstanceUID);
  });

  it('does not retry a 400 and marks the batch failed with the server’s reason', async () => {
    const j = job([
      { data: generated(12, 1, 1) },
      { data: generated(12, 1, 2) },
      { data: generated(12, 1, 3) },
    ]);
    proxy.setRules([
      {
        on: 'stow',
        index: 0,
        fault: {
          kind: 'status',
          status: 400,
          body: '{"Message":"Bad Request","Details":"Cannot parse part"}',
        },
      },
    ]);
    const [a, b, c] = j.manifest.instances;
    const out = await run(j, testClient(server, proxy.dicomWebUrl), { batchMaxFiles: 2, parallel: 1 });
    expect(out.failed).toEqual([
      {
        sopInstanceUID: a.sopInstanceUID,
        reason: 'server-rejected',
        detail: 'HTTP 400 Bad Request: Bad Request: Cannot parse part',
      },
      {
        sopInstanceUID: b.sopInstanceUID,
        reason: 'server-rejected',
        detail: 'HTTP 400 Bad Request: Bad Request: Cannot parse part',
      },
    ]);
    expect(proxy.seen('stow').map((r) => r.sops)).toEqual([
      [a.sopInstanceUID, b.sopInstanceUID],
      [c.sopInstanceUID],
    ]);
    await expectServerHolds(server, without(j.hashes, a.sopInstanceUID, b.sopInstanceUID));
  });

  it('real Orthanc 400 on a damaged file: the good parts of the batch count as stored, the bad one fails, no retry', async () => {
    const good = generated(13, 1, 1);
    const mr = fs.readFileSync(MR_SMALL);
    const j = job([{ data: good }, { data: mr }]);
    // Truncate MR_small after the manifest was written, and re-write the manifest to match: a file the
    // de-identification wrote badly, which Orthanc cannot parse.
    const damaged = mr.subarray(0, 1000);
    const mrEntry = j.manifest.instances[1];
    fs.writeFileSync(path.join(j.dir, mrEntry.file), damaged);
    mrEntry.bytes = damaged.length;
    mrEntry.sha256 = sha256(damaged);
    j.rewriteManifest(j.manifest);
    const out = await run(j, testClient(server, proxy.dicomWebUrl));
    expect(proxy.seen('stow')).toHaveLength(1);
    expect(proxy.seen('stow')[0].status).toBe(400);
    expect(out.failed).toEqual([
      { sopInstanceUID: mrEntry.sopInstanceUID, reason: 'server-rejected', detail: 'HTTP 400 Bad Request' },
    ]);
    await expectServerHolds(server, without(j.hashes, mrEntry.sopInstanceUID));
  });

  it('stops the whole job on 401 (wrong credentials) and leaves the rest pending for a resume', async () => {
    const j = job([1, 2, 3, 4].map((n) => ({ data: generated(14, 1, n) })));
    const bad = testClient(server, proxy.dicomWebUrl, {
      auth: { kind: 'basic', user: server.user, password: 'wrong' },
    });
    await expect(run(j, bad, { batchMaxFiles: 2, parallel: 1 })).rejects.toThrow(StowFatalError);
    expect(proxy.seen('stow')).toHaveLength(1); // no retry, no second batch
    expect(await server.instanceCount()).toBe(0);
    const states = replayJournal((await readJournal(j.dir)).entries);
    expect([...states.values()].map((s) => s.state)).toEqual(['sending', 'sending']);
    const out = await run(j, testClient(server, proxy.dicomWebUrl), { batchMaxFiles: 2, parallel: 1 });
    expect(out.complete).toBe(true);
    await expectServerHolds(server, j.hashes);
  });

  it('does not follow a redirect (credentials would go along): stops with the address to use', async () => {
    const j = job([{ data: generated(21, 1, 1) }]);
    proxy.setRules([
      {
        on: 'stow',
        index: 0,
        fault: {
          kind: 'status',
          status: 301,
          headers: { location: 'https://other.example/dicom-web/studies?x=1' },
        },
      },
    ]);
    await expect(run(j, testClient(server, proxy.dicomWebUrl))).rejects.toThrow(
      'The review service redirected (HTTP 301) to https://other.example/dicom-web/studies; give that address with --to instead.',
    );
    expect(proxy.seen('stow')).toHaveLength(1);
  });

  it('refuses a manifest with no instances (everything was left out)', async () => {
    const j = job([{ data: generated(22, 1, 1) }]);
    j.rewriteManifest({ ...j.manifest, instances: [] });
    await expect(run(j, testClient(server, proxy.dicomWebUrl))).rejects.toThrow(/no images to send/);
  });

  it('can be cancelled between batches (AbortSignal); a later run completes the rest', async () => {
    const j = job([1, 2, 3, 4].map((n) => ({ data: generated(23, 1, n) })));
    const ac = new AbortController();
    const err = await run(j, testClient(server, proxy.dicomWebUrl), {
      batchMaxFiles: 1,
      parallel: 1,
      signal: ac.signal,
      onInstance: () => ac.abort(),
    }).catch((e: Error) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(proxy.seen('stow')).toHaveLength(1);
    const out = await run(j, testClient(server, proxy.dicomWebUrl));
    expect(out).toMatchObject({ complete: true, sentThisRun: 3 });
    await expectServerHolds(server, j.hashes);
  });

  it('resumes: instances journaled as stored are not sent again, only the rest', async () => {
    const j = job([1, 2, 3, 4, 5, 6].map((n) => ({ data: generated(15, 1, n) })));
    // First run dies after its first batch (a 401 on the second request stops the job).
    proxy.setRules([{ on: 'stow', index: 1, fault: { kind: 'status', status: 401 } }]);
    await expect(
      run(j, testClient(server, proxy.dicomWebUrl), { batchMaxFiles: 2, parallel: 1 }),
    ).rejects.toThrow(StowFatalError);
    const firstBatch = proxy.seen('stow')[0].sops;
    expect(firstBatch).toHaveLength(2);
    expect(await server.instanceCount()).toBe(2);
    proxy.setRules([]);
    const before = proxy.seen('stow').length;
    const out = await run(j, testClient(server, proxy.dicomWebUrl), { batchMaxFiles: 2, parallel: 1 });
    expect(out).toMatchObject({ complete: true, stored: 6, sentThisRun: 4 });
    const resent = stowedSince(before);
    expect(resent.sort()).toEqual([...j.hashes.keys()].filter((s) => !firstBatch.includes(s)).sort());
    expect(proxy.seen('stow').length - before).toBe(2);
    await expectServerHolds(server, j.hashes);
  });

  it('a crash after the server stored a batch but before "stored" was journaled: re-sent once, no duplicate', async () => {
    const j = job([1, 2, 3].map((n) => ({ data: generated(16, 1, n) })));
    // The server already holds the first two (sent by a run that crashed), the journal only says "sending".
    const direct = testClient(server, server.dicomWebUrl);
    const first = j.manifest.instances.slice(0, 2);
    const res = await direct.storeBatch(first.map((i) => ({ ...i, path: path.join(j.dir, i.file) })));
    expect(res.map((r) => r.state)).toEqual(['stored', 'stored']);
    fs.writeFileSync(
      path.join(j.dir, 'upload-journal.ndjson'),
      first
        .map(
          (i) =>
            JSON.stringify({
              t: '2025-01-01T00:00:00Z',
              sop: i.sopInstanceUID,
              state: 'sending',
              attempt: 1,
            }) + '\n',
        )
        .join(''),
    );
    const out = await run(j, testClient(server, proxy.dicomWebUrl));
    expect(out).toMatchObject({ complete: true, stored: 3, sentThisRun: 3 });
    // Orthanc answers the re-sent ones with a plain 200 (no warning, no 409) and keeps one copy.
    expect(proxy.seen('stow').map((r) => r.status)).toEqual([200]);
    await expectServerHolds(server, j.hashes);
  });

  it('tolerates a torn last journal line (crash mid-write)', async () => {
    const j = job([1, 2, 3].map((n) => ({ data: generated(17, 1, n) })));
    expect((await run(j, testClient(server, proxy.dicomWebUrl))).complete).toBe(true);
    const journal = path.join(j.dir, 'upload-journal.ndjson');
    // Keep only the lines of the first instance, then a torn line for the second.
    const lines = fs.readFileSync(journal, 'utf8').split('\n').filter(Boolean);
    const firstSop = j.manifest.instances[0].sopInstanceUID;
    const kept = lines.filter((l) => l.includes(firstSop)).join('\n') + '\n';
    fs.writeFileSync(
      journal,
      kept + `{"t":"2025-01-01T00:00:00Z","sop":"${j.manifest.instances[1].sopInstanceUID}","state":"sto`,
    );
    const before = proxy.seen('stow').length;
    const out = await run(j, testClient(server, proxy.dicomWebUrl));
    expect(out).toMatchObject({ complete: true, journalSkippedLines: 1, sentThisRun: 2 });
    expect(stowedSince(before).sort()).toEqual(
      j.manifest.instances
        .slice(1)
        .map((i) => i.sopInstanceUID)
        .sort(),
    );
    const after = await readJournal(j.dir);
    expect(after).toMatchObject({ skipped: 1, torn: false });
    await expectServerHolds(server, j.hashes);
  });

  it('is not complete when the server does not hold an instance it acknowledged (QIDO-RS), and repairs on the next run', async () => {
    const j = job([1, 2, 3].map((n) => ({ data: generated(18, 1, n) })));
    expect((await run(j, testClient(server, proxy.dicomWebUrl))).complete).toBe(true);
    fs.rmSync(path.join(j.dir, 'receipt.json'));
    fs.rmSync(path.join(j.dir, 'receipt.html'));
    // The server loses one instance.
    const lost = j.manifest.instances[1].sopInstanceUID;
    const id = (await server.listInstances()).find((i) => i.sopInstanceUID === lost)!.id;
    expect(
      (
        await httpRequest(`${server.restUrl}/instances/${id}`, {
          method: 'DELETE',
          headers: { Authorization: server.authHeader },
        })
      ).status,
    ).toBe(200);

    const out = await run(j, testClient(server, proxy.dicomWebUrl));
    expect(out).toMatchObject({ complete: false, stored: 2, sentThisRun: 0, missingOnServer: [lost] });
    // Stored by the first run, gone since: nobody refused it, and the message says so.
    expect(out.failed).toEqual([
      { sopInstanceUID: lost, reason: 'missing-on-server', detail: expect.stringContaining('QIDO-RS') },
    ]);
    expect(out.receipt).toBeUndefined();
    expect(fs.existsSync(path.join(j.dir, 'receipt.json'))).toBe(false);

    const before = proxy.seen('stow').length;
    const repaired = await run(j, testClient(server, proxy.dicomWebUrl));
    expect(repaired).toMatchObject({ complete: true, stored: 3, sentThisRun: 1 });
    expect(stowedSince(before)).toEqual([lost]);
    await expectServerHolds(server, j.hashes);
  });

  it('sent before to another service, a job is sent whole to this one in one run', async () => {
    const j = job([1, 2, 3].map((n) => ({ data: generated(19, 1, n) })));
    expect((await run(j, testClient(server, proxy.dicomWebUrl))).complete).toBe(true);
    await server.reset(); // as a second, empty service would be
    const elsewhere = proxy.dicomWebUrl.replace('127.0.0.1', 'localhost');
    expect(elsewhere).not.toBe(proxy.dicomWebUrl);
    const before = proxy.seen('stow').length;
    // Before: nothing was sent, and every image was reported as refused by the service.
    const out = await run(j, testClient(server, elsewhere));
    expect(out).toMatchObject({ complete: true, stored: 3, sentThisRun: 3, failed: [] });
    expect(stowedSince(before).sort()).toEqual(j.manifest.instances.map((i) => i.sopInstanceUID).sort());
    await expectServerHolds(server, j.hashes);
  });

  it('lists the instances, paging with limit/offset, when the server gives no series counts', async () => {
    const j = job([1, 2, 3, 4, 5, 6, 7].map((n) => ({ data: generated(19, 1, n, 2) })));
    proxy.setRules([{ on: 'qido', index: 0, fault: { kind: 'no-counts' } }]);
    const out = await run(j, testClient(server, proxy.dicomWebUrl, { qidoPageSize: 3 }));
    expect(out).toMatchObject({ complete: true, stored: 7 });
    const qido = proxy.seen('qido').map((r) => new URL(r.path, 'http://x'));
    expect(qido.map((u) => u.pathname.split('/').pop())).toEqual([
      'series',
      'instances',
      'instances',
      'instances',
    ]);
    // Pages of 3 at offsets 0, 3, 6 (one left): then every instance sent has been seen, and paging stops.
    const pages = qido.slice(1).map((u) => u.searchParams);
    expect(pages.map((q) => q.get('offset'))).toEqual(['0', '3', '6']);
    expect(pages.every((q) => q.get('limit') === '3')).toBe(true);
  });

  it('lists the instances when the server cannot answer the series query (HTTP 400)', async () => {
    const j = job([1, 2].map((n) => ({ data: generated(23, 1, n, 2) })));
    proxy.setRules([{ on: 'qido', index: 0, fault: { kind: 'status', status: 400 } }]);
    const out = await run(j, testClient(server, proxy.dicomWebUrl));
    expect(out).toMatchObject({ complete: true, stored: 2, failed: [] });
    expect(proxy.seen('qido').map((r) => [r.path.split('?')[0].split('/').pop(), r.status])).toEqual([
      ['series', 400],
      ['instances', 200],
    ]);
    await expectServerHolds(server, j.hashes);
  });

  it('lists the instances when a series on the server holds more than this job sent (another job of the case)', async () => {
    const files = [1, 2, 3].map((n) => ({ data: generated(21, 1, n, 2) }));
    expect((await run(job(files), testClient(server, proxy.dicomWebUrl))).complete).toBe(true);
    const before = proxy.seen('qido').length;
    const two = job(files.slice(0, 2));
    const out = await run(two, testClient(server, proxy.dicomWebUrl));
    expect(out).toMatchObject({ complete: true, stored: 2, failed: [] });
    expect(out.studies.map((s) => [s.expected, s.confirmed])).toEqual([[2, 2]]);
    expect(
      proxy
        .seen('qido')
        .slice(before)
        .map((r) => r.path.split('?')[0].split('/').pop()),
    ).toEqual(['series', 'instances']);
  });

  it('is not complete when the QIDO-RS answer lacks an instance the server acknowledged', async () => {
    const j = job([1, 2, 3].map((n) => ({ data: generated(19, 2, n, 2) })));
    const hidden = j.manifest.instances[1].sopInstanceUID;
    proxy.setRules([{ on: 'qido', index: 'all', fault: { kind: 'hide-instances', sops: [hidden] } }]);
    const out = await run(j, testClient(server, proxy.dicomWebUrl));
    expect(out).toMatchObject({ complete: false, stored: 2, missingOnServer: [hidden] });
    expect(out.receipt).toBeUndefined();
  });

  it('Orthanc answers a duplicate STOW (same SOP Instance UID again) with 200 and keeps one copy', async () => {
    const j = job([{ data: fs.readFileSync(CT_SMALL) }]);
    const client = testClient(server, proxy.dicomWebUrl);
    const inst = { ...j.manifest.instances[0], path: path.join(j.dir, j.manifest.instances[0].file) };
    const first = await client.storeBatch([inst]);
    const second = await client.storeBatch([inst]);
    expect(proxy.seen('stow').map((r) => r.status)).toEqual([200, 200]);
    expect(first[0]).toMatchObject({
      state: 'stored',
      retrieveUrl: expect.stringContaining(inst.sopInstanceUID),
    });
    expect(second[0]).toEqual({ ...first[0] }); // identical answer: no warning reason, not in a Failed SOP Sequence
    await expectServerHolds(server, j.hashes);
  });
});

describe('uploadJob upload rate', () => {
  it('~50 MB on loopback: measured rate', async () => {
    const pixels = randomBytes(724 * 724 * 2); // generated(…, 1024 KB) is 724 x 724 x 16 bits
    const files = Array.from({ length: 50 }, (_, n) => {
      const px = Buffer.from(pixels);
      px.writeUInt32LE(n, 0);
      return { data: generated(20, 1 + (n % 2), n + 1, 1024, { pixels: px }) };
    });
    const j = job(files);
    const total = j.manifest.instances.reduce((a, i) => a + i.bytes, 0);
    const client = testClient(server, server.dicomWebUrl, { idleTimeoutMs: 60_000 });
    const t0 = performance.now();
    let wire = 0;
    const out = await uploadJob(j.dir, {
      client,
      verify: allowAll,
      onProgress: (p) => (wire = p.bytesPerSecond || wire),
    });
    const seconds = (performance.now() - t0) / 1000;
    expect(out.complete).toBe(true);
    expect(await server.instanceCount()).toBe(50);
    const rate = total / 1024 / 1024 / seconds;
    process.stdout.write(
      `upload rate: ${(total / 1024 / 1024).toFixed(1)} MiB in ${seconds.toFixed(2)} s = ${rate.toFixed(1)} MiB/s (end to end, incl. pre-send SHA-256 and QIDO-RS); wire rate while sending ${(wire / 1024 / 1024).toFixed(1)} MiB/s\n`,
    );
    expect(rate).toBeGreaterThan(5);
  });
});
