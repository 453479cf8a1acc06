/**
 * One fixed block of memory lent out in slices, in a ring: the checked bytes of files waiting to be sent.
 * A single allocation for the whole upload keeps memory flat and spares the garbage collector hundreds of
 * short-lived large buffers. Slices may be released in any order; their space is reused once every slice
 * lent before them is released too.
 */
export class ByteRing {
  private readonly mem: Buffer;
  /** Lent slices, oldest first. */
  private readonly live: Array<{ start: number; end: number; released: boolean }> = [];

  constructor(readonly size: number) {
    this.mem = Buffer.allocUnsafeSlow(size);
  }

  /** A slice of `n` bytes, or undefined when that much is not free right now (the caller does without). */
  take(n: number): Buffer | undefined {
    if (n <= 0 || n > this.size) return undefined;
    let start: number | undefined;
    if (this.live.length === 0) start = 0;
    else {
      const oldest = this.live[0].start;
      const head = this.live[this.live.length - 1].end;
      const wrapped = this.live[this.live.length - 1].start < oldest;
      if (wrapped) {
        if (head + n <= oldest) start = head;
      } else if (head + n <= this.size) start = head;
      else if (n <= oldest) start = 0;
    }
    if (start === undefined) return undefined;
    this.live.push({ start, end: start + n, released: false });
    return this.mem.subarray(start, start + n);
  }

  /** Gives a slice back; it must not be used afterwards. */
  release(slice: Uint8Array): void {
    const start = slice.byteOffset - this.mem.byteOffset;
    const entry = this.live.find((e) => e.start === start && !e.released);
    if (!entry || slice.buffer !== this.mem.buffer)
      throw new Error('ByteRing.release: not a live slice of this ring');
    entry.released = true;
    while (this.live.length && this.live[0].released) this.live.shift();
  }

  /** Bytes lent and not yet reusable (for tests and diagnostics). */
  get inUse(): number {
    return this.live.reduce((n, e) => n + (e.end - e.start), 0);
  }
}
