import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  Journal,
  JOURNAL_FILE,
  parseJournal,
  readJournal,
  replayJournal,
} from '../../../main/core/upload/journal';
import { nodeUploadFs, type UploadFs } from '../../../main/core/upload/types';

describe('upload journal', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-journal-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('appends NDJSON lines and fsyncs once per append, keeping one fd open', async () => {
    const calls: string[] = [];
    const fsSpy: UploadFs = {
      ...nodeUploadFs,
      async openAppend(f) {
        calls.push('open');
        const h = await nodeUploadFs.openAppend(f);
        return {
          write: (t) => (calls.push('write'), h.write(t)),
          sync: () => (calls.push('sync'), h.sync()),
          close: () => (calls.push('close'), h.close()),
        };
      },
    };
    const j = await Journal.open(dir, { fs: fsSpy, now: () => new Date('2025-01-01T00:00:00Z') });
    await j.append([
      { sop: '1.2.3', state: 'sending', attempt: 1 },
      { sop: '1.2.4', state: 'sending', attempt: 1 },
    ]);
    await j.append([{ sop: '1.2.3', state: 'stored', attempt: 1, url: 'http://x/1.2.3' }]);
    await j.append([{ sop: '1.2.4', state: 'failed', reason: 'server-rejected', detail: 'HTTP 400' }]);
    await j.close();
    expect(calls).toEqual(['open', 'write', 'sync', 'write', 'sync', 'write', 'sync', 'close']);
    const text = fs.readFileSync(path.join(dir, JOURNAL_FILE), 'utf8');
    expect(text.split('\n')[0]).toBe(
      '{"t":"2025-01-01T00:00:00.000Z","sop":"1.2.3","state":"sending","attempt":1}',
    );
    const { entries, skipped, torn } = await readJournal(dir);
    expect([skipped, torn, entries.length]).toEqual([0, false, 4]);
    const states = replayJournal(entries);
    expect(states.get('1.2.3')).toMatchObject({ state: 'stored', url: 'http://x/1.2.3' });
    expect(states.get('1.2.4')).toMatchObject({
      state: 'failed',
      reason: 'server-rejected',
      detail: 'HTTP 400',
    });
  });

  it('tolerates a torn last line and starts the next write on a fresh line', async () => {
    const file = path.join(dir, JOURNAL_FILE);
    fs.writeFileSync(file, '{"t":"x","sop":"1.1","state":"stored"}\n{"t":"x","sop":"1.2","state":"sto');
    const before = await readJournal(dir);
    expect(before).toMatchObject({ skipped: 1, torn: true });
    expect(replayJournal(before.entries).get('1.2')).toBeUndefined();
    const j = await Journal.open(dir);
    await j.append([{ sop: '1.2', state: 'stored' }]);
    await j.close();
    const after = await readJournal(dir);
    expect(after).toMatchObject({ skipped: 1, torn: false });
    expect([...replayJournal(after.entries).keys()]).toEqual(['1.1', '1.2']);
  });

  it('lets the last line win, ignores unknown reasons and treats a missing journal as empty', async () => {
    const p = parseJournal(
      [
        '{"t":"a","sop":"1","state":"sending"}',
        '{"t":"b","sop":"1","state":"stored"}',
        '{"t":"c","sop":"1","state":"failed","reason":"network-failed"}',
        '{"t":"d","sop":"2","state":"failed","reason":"made-up"}',
        '[1,2]',
        '',
      ].join('\n'),
    );
    expect(p.skipped).toBe(2);
    expect(replayJournal(p.entries).get('1')).toMatchObject({
      state: 'failed',
      reason: 'network-failed',
      t: 'c',
    });
    expect(await readJournal(dir)).toEqual({ entries: [], skipped: 0, torn: false });
  });

  it('serialises concurrent appends so lines never interleave', async () => {
    const j = await Journal.open(dir);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        j.append(Array.from({ length: 10 }, (_, k) => ({ sop: `1.${i}.${k}`, state: 'sending' as const }))),
      ),
    );
    await j.close();
    const { entries, skipped } = await readJournal(dir);
    expect(skipped).toBe(0);
    expect(entries).toHaveLength(200);
  });
});
