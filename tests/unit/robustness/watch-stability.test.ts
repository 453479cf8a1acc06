// watchFolder with a fake clock over a real drop folder: an export still being copied — including one whose
// folder exists before any file has arrived (the copy program is still reading the disc) — is not sent until it
// has content and has stopped changing for stableMs; then it is sent exactly once.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { keyOf, watchFolder, type WatchState } from '../../../main/core/jobs/watch';

describe('watch: an export still being copied is not sent', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-watch-stable-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('waits through an empty folder and a growing file, then sends once', async () => {
    const drop = path.join(tmp, 'drop');
    const exp = path.join(drop, 'EXPORT-1');
    fs.mkdirSync(exp, { recursive: true });
    let state: WatchState = { folders: {} };
    let clock = 0;
    const sent: string[] = [];
    const ac = new AbortController();
    // The copy, poll by poll: nothing for a long while (disc spinning up), then a file that grows, then done.
    const script: Array<() => void> = [
      ...Array.from({ length: 8 }, () => () => undefined),
      () => fs.mkdirSync(path.join(exp, 'DICOM'), { recursive: true }),
      ...Array.from({ length: 4 }, () => () => undefined),
      () => fs.writeFileSync(path.join(exp, 'DICOM', 'IM1'), Buffer.alloc(1000, 1)),
      () => fs.appendFileSync(path.join(exp, 'DICOM', 'IM1'), Buffer.alloc(1000, 2)),
      () => fs.writeFileSync(path.join(exp, 'DICOM', 'IM2'), Buffer.alloc(500, 3)),
    ];
    let copyDone = -1;
    let poll = 0;
    await watchFolder(drop, {
      store: { load: async () => state, save: async (s) => void (state = JSON.parse(JSON.stringify(s))) },
      send: async (folder) => {
        sent.push(`${path.basename(folder)}@${poll}`);
        return true;
      },
      caseCodeFor: () => 'CASE-1',
      now: () => clock,
      sleep: async () => {
        clock += 1000;
        const step = script[poll++];
        if (step) step();
        else if (copyDone < 0) copyDone = poll;
        if (poll > 40) ac.abort();
      },
      stableMs: 3000,
      pollMs: 1000,
      retryMs: 60_000,
      signal: ac.signal,
    });
    expect(copyDone).toBeGreaterThan(0);
    // Sent once, only after the copy finished and the folder then stayed the same for stableMs.
    expect(sent).toHaveLength(1);
    const at = Number(sent[0].split('@')[1]);
    expect(at).toBeGreaterThanOrEqual(copyDone + 2);
    expect(Object.values(state.folders)).toEqual([expect.objectContaining({ done: true, attempts: 1 })]);
  });

  it('--once over a drop folder holding only an empty export folder ends without sending anything', async () => {
    const drop = path.join(tmp, 'drop');
    fs.mkdirSync(path.join(drop, 'EMPTY', 'DICOM'), { recursive: true });
    const sent: string[] = [];
    let polls = 0;
    await watchFolder(
      drop,
      {
        store: { load: async () => ({ folders: {} }), save: async () => undefined },
        send: async (folder) => (sent.push(folder), true),
        caseCodeFor: () => 'CASE-2',
        now: () => polls * 1000,
        sleep: async () => {
          if (++polls > 50) throw new Error('the one-shot run never ended');
        },
        stableMs: 3000,
        pollMs: 1000,
        retryMs: 60_000,
      },
      { once: true },
    );
    expect(sent).toEqual([]);
  });

  // A restart 10 s after the last attempt, retryMs 5 min: a failed folder waits, a cut-short one carries on.
  const restart = async (previous: { sending?: boolean }) => {
    const drop = path.join(tmp, 'drop');
    fs.mkdirSync(path.join(drop, 'EXPORT-9'), { recursive: true });
    fs.writeFileSync(path.join(drop, 'EXPORT-9', 'IM1'), Buffer.alloc(100, 1));
    const key = keyOf('EXPORT-9');
    let state: WatchState = {
      folders: { [key]: { caseCode: 'CASE-9', done: false, attempts: 1, lastAttempt: 0, ...previous } },
    };
    const sent: string[] = [];
    let clock = 10_000;
    await watchFolder(
      drop,
      {
        store: { load: async () => state, save: async (s) => void (state = JSON.parse(JSON.stringify(s))) },
        send: async (_folder, caseCode) => (sent.push(caseCode), true),
        caseCodeFor: () => 'NEW-CODE',
        now: () => clock,
        sleep: async () => void (clock += 1000),
        stableMs: 2000,
        pollMs: 1000,
        retryMs: 5 * 60_000,
      },
      { once: true },
    );
    return { sent, entry: state.folders[key] };
  };

  it('after a crash mid-send, the cut-short folder is sent again at once, as the same case', async () => {
    const { sent, entry } = await restart({ sending: true });
    expect(sent).toEqual(['CASE-9']);
    expect(entry).toEqual(expect.objectContaining({ done: true, attempts: 2, sending: false }));
  });

  it('a folder whose last attempt failed waits for the retry time', async () => {
    const { sent, entry } = await restart({ sending: false });
    expect(sent).toEqual([]);
    expect(entry).toEqual(expect.objectContaining({ done: false, attempts: 1 }));
  });

  it('marks a folder as sending while its send runs, and clears the mark when it ends', async () => {
    const drop = path.join(tmp, 'drop');
    fs.mkdirSync(path.join(drop, 'EXPORT-7'), { recursive: true });
    fs.writeFileSync(path.join(drop, 'EXPORT-7', 'IM1'), Buffer.alloc(100, 1));
    const saved: Array<boolean | undefined> = [];
    let clock = 0;
    await watchFolder(
      drop,
      {
        store: {
          load: async () => ({ folders: {} }),
          save: async (s) => void saved.push(Object.values(s.folders)[0]?.sending),
        },
        send: async () => {
          throw new Error('connection refused');
        },
        caseCodeFor: () => 'CASE-7',
        now: () => clock,
        sleep: async () => void (clock += 1000),
        stableMs: 2000,
        pollMs: 1000,
        retryMs: 60_000,
      },
      { once: true },
    );
    expect(saved).toEqual([true, false]);
  });
});
