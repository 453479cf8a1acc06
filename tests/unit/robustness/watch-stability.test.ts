// watchFolder with a fake clock over a real drop folder: an export still being copied — including one whose
// folder exists before any file has arrived (the copy program is still reading the disc) — is not sent until it
// has content and has stopped changing for stableMs; then it is sent exactly once.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { keyOf, watchFolder, type WatchOwner, type WatchState } from '../../../main/core/jobs/watch';

/** This process as the watcher sees it; no other process is alive unless a test says so. */
const ME = { self: { pid: 4242, host: 'clinic-pc', bootedAt: 1_700_000_000_000 }, isAlive: () => false };

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
      ...ME,
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
        ...ME,
      },
      { once: true },
    );
    expect(sent).toEqual([]);
  });

  // A restart 10 s after the last attempt, retryMs 5 min: a failed folder waits, a cut-short one carries on.
  const restart = async (
    previous: { sending?: WatchOwner | boolean; attempts?: number },
    alive: number[] = [],
  ) => {
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
        ...ME,
        isAlive: (pid: number) => alive.includes(pid),
      },
      { once: true },
    );
    return { sent, entry: state.folders[key] };
  };

  it('after a crash mid-send, the cut-short folder is sent again at once, as the same case', async () => {
    // The process that was sending (pid 77 on this computer) is gone.
    const { sent, entry } = await restart({ sending: { pid: 77, host: 'clinic-pc' } });
    expect(sent).toEqual(['CASE-9']);
    expect(entry).toEqual(expect.objectContaining({ done: true, attempts: 2 }));
    expect(entry.sending).toBeUndefined();
  });

  it('leaves a folder alone while another live watcher is sending it', async () => {
    expect((await restart({ sending: { pid: 77, host: 'clinic-pc' } }, [77])).sent).toEqual([]);
    // On another computer sharing the drop folder: cannot be checked, so assumed busy.
    expect((await restart({ sending: { pid: 77, host: 'other-pc' } })).sent).toEqual([]);
    // Pid 77 alive now, but the computer has restarted since it was recorded: another program, not a watcher.
    const before = { pid: 77, host: 'clinic-pc', bootedAt: ME.self.bootedAt - 3_600_000 };
    expect((await restart({ sending: before }, [77])).sent).toEqual(['CASE-9']);
  });

  it('a folder whose send keeps killing the process is not resumed at once forever', async () => {
    const { sent } = await restart({ sending: { pid: 77, host: 'clinic-pc' }, attempts: 4 });
    expect(sent).toEqual([]);
  });

  it('a folder whose last attempt failed waits for the retry time', async () => {
    const { sent, entry } = await restart({});
    expect(sent).toEqual([]);
    expect(entry).toEqual(expect.objectContaining({ done: false, attempts: 1 }));
  });

  it('marks a folder as sending while its send runs, and clears the mark when it ends', async () => {
    const drop = path.join(tmp, 'drop');
    fs.mkdirSync(path.join(drop, 'EXPORT-7'), { recursive: true });
    fs.writeFileSync(path.join(drop, 'EXPORT-7', 'IM1'), Buffer.alloc(100, 1));
    const saved: unknown[] = [];
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
        ...ME,
      },
      { once: true },
    );
    expect(saved).toEqual([ME.self, undefined]);
  });
});
