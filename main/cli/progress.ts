// Progress on stderr for long commands: on a terminal one line that updates in place, with a bar; otherwise
// (a log file, a pipe, a clinic's scheduler) a plain line every few seconds and at each change of stage.
import type { CliIO } from './io';

export interface ProgressOptions {
  clock?: () => number;
  /** Least time between two updates of the same stage; defaults to 200 ms on a terminal, 5 s otherwise. */
  everyMs?: number;
}

export interface Progress {
  /**
   * Shows `line` for `stage`; `fraction` (0..1) draws the bar on a terminal. A new stage is always shown, on a
   * new line; the same stage rewrites its line at most once per `everyMs` unless `final` (which also ends the
   * terminal line) or `now`.
   */
  update(stage: string, line: string, fraction?: number, final?: boolean, now?: boolean): void;
  /** Ends a terminal line left open, so what comes next starts on its own line. */
  end(): void;
}

const BAR_WIDTH = 20;

/** `[########------------]  40%`: ASCII, so every terminal and font shows it. */
export function bar(fraction: number): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(f * BAR_WIDTH);
  return `[${'#'.repeat(full)}${'-'.repeat(BAR_WIDTH - full)}] ${String(Math.floor(f * 100)).padStart(3)}%`;
}

export function createProgress(io: CliIO, o: ProgressOptions = {}): Progress {
  const clock = o.clock ?? (() => performance.now());
  const every = o.everyMs ?? (io.isTTY ? 200 : 5000);
  let lastPrint = -Infinity;
  let lastStage: string | undefined;
  let open = false;
  return {
    update(stage, line, fraction, final = false, now = false) {
      const t = clock();
      if (stage === lastStage && !final && !now && t - lastPrint < every) return;
      if (io.isTTY && open && stage !== lastStage) io.err('\n'); // keep the finished stage's last line
      lastPrint = t;
      lastStage = stage;
      if (io.isTTY) {
        const shown = fraction === undefined ? line : `${bar(fraction)} ${line}`;
        io.err(`\r${shown}\x1b[K${final ? '\n' : ''}`);
        open = !final;
      } else io.err(line + '\n');
    },
    end() {
      if (open) io.err('\n');
      open = false;
    },
  };
}

/** "about 2 min 5 s left" style durations. */
export function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const t = Math.max(0, Math.round(s));
  if (t < 60) return `${t} s`;
  if (t < 3600) return `${Math.floor(t / 60)} min ${t % 60} s`;
  return `${Math.floor(t / 3600)} h ${Math.floor((t % 3600) / 60)} min`;
}
