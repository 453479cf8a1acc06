import { REASONS, type ReasonCode } from '../../shared/reasons';

/**
 * A failure with a reason code and a plain-language message. `detail` is for engineers and must never
 * contain patient identity (no names, IDs or dates from a file; offsets and tags are fine).
 */
export class ClearDiscError extends Error {
  constructor(
    readonly code: ReasonCode,
    readonly detail?: string,
  ) {
    super(detail ? `${REASONS[code]} (${detail})` : REASONS[code]);
    this.name = 'ClearDiscError';
  }
}

/** The parser ran past the bytes it was given; `needed` is the absolute offset it wanted to reach. */
export class NeedMoreData extends Error {
  constructor(readonly needed: number) {
    super(`need data up to offset ${needed}`);
    this.name = 'NeedMoreData';
  }
}

export function reasonOf(err: unknown): ReasonCode {
  if (err instanceof ClearDiscError) return err.code;
  if (err instanceof NeedMoreData) return 'truncated';
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EIO' || code === 'EISDIR') return 'unreadable';
  return 'corrupt';
}
