// Each fault the fault proxy can inject, in front of a REAL Orthanc: the upload recovers and Orthanc ends
// holding exactly the manifest's instances, once each, byte-identical; retries re-send only what was not
// confirmed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Transform } from 'node:stream';
import { parseJournal, type JournalEntry } from '../../../main/core/upload/journal';
import type { Receipt } from '../../../main/core/upload/receipt';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy';
import { startOrthanc, type OrthancServer } from '../../support/orthanc';
import { expectServerHolds, readJournalText, run, testClient, without } from './helpers';
import { CT_SMALL, generated, rm, writeJob, type BuiltJob } from './job-fixture';

jest.setTimeout(30_000);

let server: OrthancServer;
let proxy: FaultProxy;
let j: BuiltJob;

beforeAll(async () => {
  server = await startOrthanc();
});
afterAll(async () => {
  await server?.stop();
});
beforeEach(async () => {
  await server.reset();
  proxy = await startFaultProxy(server.restUrl);
  // 1 real file + 5 generated ones of ~200 KB, so a reset can land mid-body.
  j = writeJob([
    { data: fs.readFileSync(CT_SMALL) },
    ...[1, 2, 3, 4, 5].map((n) => ({ data: generated(30, 1, n, 200) })),
  ]);
});
afterEach(async () => {
  await proxy.stop();
  rm(j.dir);
});

const sops = () => j.manifest.instances.map((i) => i.sopInstanceUID);
/** The journal lines of one instance, without their times. */
const journalOf = (sop: string): Array<Omit<JournalEntry, 't'>> =>
  parseJournal(readJournalText(j))
    .entries.filter((e) => e.sop === sop)
    .map(({ t: _t, ...rest }) => rest);
const sentCount = () => {
  const counts = new Map<string, number>();
  for (const r of proxy.seen('stow'))
    for (const s of r.forwardedSops) counts.set(s, (counts.get(s) ?? 0) + 1);
  return counts;
};

describe('fault recovery (real Orthanc behind the fault proxy)', () => {
  it('connection reset mid-request-body: the batch is sent again', async () => {
    proxy.setRules([{ on: 'stow', index: 0, fault: { kind: 'reset-mid-body', afterBytes: 100_000 } }]);
    const out = await run(j, testClient(server, proxy.dicomWebUrl), { batchMaxFiles: 3, parallel: 1 });
    expect(out).toMatchObject({ complete: true, stored: 6, failed: [] });
    const stows = proxy.seen('stow');
    expect(stows[0].fault).toBe('reset-mid-body');
    expect(stows[1].sops).toEqual(sops().slice(0, 3)); // the same batch again
    expect(stows).toHaveLength(3);
    await expectServerHolds(server, j.hashes);
  });

  it('503 Service Unavailable: retried with backoff', async () => {
    proxy.setRules([{ on: 'stow', index: [0, 1], fault: { kind: 'status', status: 503 } }]);
    const out = await run(j, testClient(server, proxy.dicomWebUrl), { parallel: 1 });
    expect(out.complete).toBe(true);
    expect(proxy.seen('stow').map((r) => r.status)).toEqual([503, 503, 200]);
    expect(proxy.seen('stow').every((r) => r.sops.length === 6)).toBe(true);
    await expectServerHolds(server, j.hashes);
  });

  it('429 Too Many Requests with Retry-After: 1 waits about a second, then succeeds', async () => {
    proxy.setRules([{ on: 'stow', index: 0, fault: { kind: 'status', status: 429, retryAfter: '1' } }]);
    const slept: number[] = [];
    const client = testClient(server, proxy.dicomWebUrl, {
      sleep: (ms) => {
        slept.push(ms);
        return new Promise((r) => setTimeout(r, ms));
      },
    });
    const t0 = Date.now();
    const out = await run(j, client, { parallel: 1 });
    expect(out.complete).toBe(true);
    expect(slept).toEqual([1000]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(proxy.seen('stow').map((r) => r.status)).toEqual([429, 200]);
    await expectServerHolds(server, j.hashes);
  });

  it('a stall longer than the idle timeout: the request is abandoned and sent again', async () => {
    proxy.setRules([{ on: 'stow', index: 0, fault: { kind: 'stall', ms: 10_000 } }]);
    const t0 = Date.now();
    const out = await run(j, testClient(server, proxy.dicomWebUrl, { idleTimeoutMs: 300 }), { parallel: 1 });
    const took = Date.now() - t0;
    expect(out.complete).toBe(true);
    expect(took).toBeGreaterThanOrEqual(300);
    expect(took).toBeLessThan(5_000);
    expect(proxy.seen('stow').map((r) => r.fault ?? 'ok')).toEqual(['stall', 'ok']);
    await expectServerHolds(server, j.hashes);
  });

  it('the idle timeout is not a whole-request timeout: a slow but moving upload is not cut', async () => {
    // 6 files of ~200 KB at a throttled pace: longer in total than the idle timeout, never idle that long.
    const client = testClient(server, proxy.dicomWebUrl, {
      idleTimeoutMs: 300,
      transport: {
        createReadStream: (file, o) => {
          const src = fs.createReadStream(file, { ...o, highWaterMark: 64 * 1024 });
          const slow = new Transform({
            transform(chunk, _enc, cb) {
              setTimeout(() => cb(null, chunk), 50);
            },
          });
          return src.pipe(slow);
        },
      },
    });
    const t0 = Date.now();
    // Files streamed from disk (none kept in memory after their check), so the throttled reads pace the body.
    const out = await run(j, client, { parallel: 1, memoryForCheckedBytes: 0 });
    expect(Date.now() - t0).toBeGreaterThan(600);
    expect(out.complete).toBe(true);
    expect(proxy.seen('stow')).toHaveLength(1);
    await expectServerHolds(server, j.hashes);
  });

  it('200 rewritten to 202 with instances in the Failed SOP Sequence (out of resources): only those are re-sent', async () => {
    proxy.setRules([
      { on: 'stow', index: 0, fault: { kind: 'fail-parts', parts: [1, 4], failureReason: 0xa700 } },
    ]);
    const out = await run(j, testClient(server, proxy.dicomWebUrl), { parallel: 1 });
    expect(out.complete).toBe(true);
    const [first, second] = proxy.seen('stow');
    expect(first.status).toBe(202);
    expect(second.sops).toEqual([first.sops[1], first.sops[4]]);
    expect(proxy.seen('stow')).toHaveLength(2);
    expect([...sentCount().values()].every((n) => n === 1)).toBe(true);
    await expectServerHolds(server, j.hashes);
  });

  it('202 that reports instances failed although the server stored them: re-sent, still once on Orthanc', async () => {
    proxy.setRules([{ on: 'stow', index: 0, fault: { kind: 'fail-parts', parts: [0], forward: true } }]);
    const out = await run(j, testClient(server, proxy.dicomWebUrl), { parallel: 1 });
    expect(out.complete).toBe(true);
    expect(proxy.seen('stow')[1].sops).toEqual([proxy.seen('stow')[0].sops[0]]);
    await expectServerHolds(server, j.hashes);
  });

  it('202 with a permanent failure reason (0xC000): failed with the server reason, not retried', async () => {
    proxy.setRules([
      { on: 'stow', index: 0, fault: { kind: 'fail-parts', parts: [2], failureReason: 0xc000 } },
    ]);
    const out = await run(j, testClient(server, proxy.dicomWebUrl), { parallel: 1 });
    const failedSop = proxy.seen('stow')[0].sops[2];
    expect(out.complete).toBe(false);
    expect(out.failed).toEqual([
      {
        sopInstanceUID: failedSop,
        reason: 'server-rejected',
        detail: 'HTTP 202 Accepted, failure reason 0xC000 cannot understand',
      },
    ]);
    expect(proxy.seen('stow')).toHaveLength(1);
    await expectServerHolds(server, new Map([...j.hashes].filter(([s]) => s !== failedSop)));
  });

  it('409 Conflict whose DICOM JSON fails one instance (0xA900): that one failed with the reason, not retried; the rest stored', async () => {
    proxy.setRules([
      { on: 'stow', index: 0, fault: { kind: 'fail-parts', parts: [2], failureReason: 0xa900, status: 409 } },
    ]);
    const out = await run(j, testClient(server, proxy.dicomWebUrl), { parallel: 1 });
    const stows = proxy.seen('stow');
    const failedSop = stows[0].sops[2];
    expect(stows[0].status).toBe(409);
    // Not retried: one request only, and the failed instance went out exactly once.
    expect(stows).toHaveLength(1);
    expect(stows.flatMap((r) => r.sops).filter((s) => s === failedSop)).toHaveLength(1);
    const detail = 'HTTP 409 Conflict, failure reason 0xA900 data set does not match SOP class';
    expect(out).toMatchObject({ complete: false, stored: 5, sentThisRun: 5 });
    expect(out.failed).toEqual([{ sopInstanceUID: failedSop, reason: 'server-rejected', detail }]);
    expect(journalOf(failedSop)).toEqual([
      { sop: failedSop, state: 'sending', attempt: 1 },
      { sop: failedSop, state: 'failed', reason: 'server-rejected', attempt: 1, detail },
    ]);
    // The others are stored (journal and server); the failed one is not on Orthanc.
    for (const s of sops().filter((x) => x !== failedSop))
      expect(journalOf(s).map((e) => e.state)).toEqual(['sending', 'stored']);
    await expectServerHolds(server, without(j.hashes, failedSop));
  });

  it.each([200, 202])(
    'HTTP %i with a Warning Reason (0xB000) on one instance: stored once, the warning in journal and receipt',
    async (status) => {
      proxy.setRules([
        { on: 'stow', index: 0, fault: { kind: 'warn-parts', parts: [3], warningReason: 0xb000, status } },
      ]);
      const out = await run(j, testClient(server, proxy.dicomWebUrl), { parallel: 1 });
      const stows = proxy.seen('stow');
      const warnedSop = stows[0].sops[3];
      expect(stows.map((r) => r.status)).toEqual([status]);
      expect(out).toMatchObject({ complete: true, stored: 6, failed: [] });
      // Journal: the stored line carries the warning; no other instance has one.
      expect(journalOf(warnedSop)).toEqual([
        { sop: warnedSop, state: 'sending', attempt: 1 },
        expect.objectContaining({ sop: warnedSop, state: 'stored', attempt: 1, warnings: [0xb000] }),
      ]);
      for (const s of sops().filter((x) => x !== warnedSop))
        expect(journalOf(s).find((e) => e.state === 'stored')).not.toHaveProperty('warnings');
      // Receipt: the acknowledgement of that instance names the warning, the others none.
      expect(out.receipt).toBeDefined();
      const receipt = JSON.parse(fs.readFileSync(out.receipt!.json, 'utf8')) as Receipt;
      const acks = new Map(receipt.instances.map((i) => [i.sopInstanceUID, i.acknowledgement]));
      expect(acks.get(warnedSop)).toMatchObject({
        status: 'stored',
        warnings: ['0xB000 coercion of data elements'],
        confirmedBy: 'QIDO-RS',
      });
      for (const s of sops().filter((x) => x !== warnedSop))
        expect(acks.get(s)).not.toHaveProperty('warnings');
      expect(fs.readFileSync(path.join(j.dir, 'receipt.html'), 'utf8')).toContain(
        'warning 0xB000 coercion of data elements',
      );
      await expectServerHolds(server, j.hashes);
    },
  );

  it('parts dropped on the way (200 that does not mention them): the unmentioned ones are re-sent', async () => {
    proxy.setRules([{ on: 'stow', index: 0, fault: { kind: 'drop-parts', parts: [0, 5] } }]);
    const out = await run(j, testClient(server, proxy.dicomWebUrl), { parallel: 1 });
    expect(out.complete).toBe(true);
    const [first, second] = proxy.seen('stow');
    expect(first.status).toBe(200);
    expect(second.sops).toEqual([first.sops[0], first.sops[5]]);
    expect([...sentCount().values()].every((n) => n === 1)).toBe(true);
    await expectServerHolds(server, j.hashes);
  });

  it('QIDO-RS 503 once: the confirmation is retried', async () => {
    proxy.setRules([{ on: 'qido', index: 0, fault: { kind: 'status', status: 503 } }]);
    const out = await run(j, testClient(server, proxy.dicomWebUrl));
    expect(out.complete).toBe(true);
    expect(proxy.seen('qido')[0].status).toBe(503);
    await expectServerHolds(server, j.hashes);
  });

  it('gives up after maxAttempts on a server that keeps failing, marking the instances network-failed', async () => {
    proxy.setRules([{ on: 'stow', index: 'all', fault: { kind: 'status', status: 502 } }]);
    const out = await run(j, testClient(server, proxy.dicomWebUrl, { maxAttempts: 3 }), { parallel: 1 });
    expect(out.complete).toBe(false);
    expect(proxy.seen('stow')).toHaveLength(3);
    expect(out.failed.map((f) => f.reason)).toEqual(sops().map(() => 'network-failed'));
    expect(out.failed[0].detail).toMatch(/HTTP 502 .*gave up after 3 attempts/);
    expect(await server.instanceCount()).toBe(0);
    // The next run (service back) sends them all.
    proxy.setRules([]);
    expect((await run(j, testClient(server, proxy.dicomWebUrl))).complete).toBe(true);
    await expectServerHolds(server, j.hashes);
  });

  it('every fault at once, 2 in parallel, small batches: still exactly the manifest, once each', async () => {
    proxy.setRules([
      { on: 'stow', index: 0, fault: { kind: 'reset-mid-body', afterBytes: 50_000 } },
      { on: 'stow', index: 1, fault: { kind: 'status', status: 503 } },
      { on: 'stow', index: 2, fault: { kind: 'stall', ms: 5_000 } },
      { on: 'stow', index: 3, fault: { kind: 'fail-parts', parts: [0] } },
      { on: 'stow', index: 4, fault: { kind: 'drop-parts', parts: [0] } },
      { on: 'stow', index: 5, fault: { kind: 'status', status: 429, retryAfter: '0' } },
    ]);
    const out = await run(j, testClient(server, proxy.dicomWebUrl, { idleTimeoutMs: 300 }), {
      batchMaxFiles: 2,
      parallel: 2,
    });
    expect(out).toMatchObject({ complete: true, stored: 6, failed: [] });
    expect(proxy.seen('stow').length).toBeGreaterThanOrEqual(7);
    await expectServerHolds(server, j.hashes);
  });
});
