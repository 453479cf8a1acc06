import { ByteRing } from '../../../main/core/upload/byte-ring';

describe('ByteRing (memory for checked files waiting to be sent)', () => {
  it('lends slices of one block in order, and refuses what does not fit now', () => {
    const ring = new ByteRing(100);
    const a = ring.take(40)!;
    const b = ring.take(40)!;
    expect(a.length).toBe(40);
    expect(b.byteOffset - a.byteOffset).toBe(40);
    expect(b.buffer).toBe(a.buffer);
    expect(ring.take(30)).toBeUndefined(); // 20 left at the end, nothing free at the start
    expect(ring.take(101)).toBeUndefined();
    expect(ring.take(0)).toBeUndefined();
    expect(ring.inUse).toBe(80);
  });

  it('reuses space only once every slice lent before it is released, in whatever order they come back', () => {
    const ring = new ByteRing(100);
    const a = ring.take(40)!;
    const b = ring.take(40)!;
    ring.release(b); // the newer one first: its space stays taken until the older one is back
    expect(ring.inUse).toBe(80);
    expect(ring.take(30)).toBeUndefined();
    ring.release(a);
    expect(ring.inUse).toBe(0);
    expect(ring.take(100)!.byteOffset).toBe(a.byteOffset);
  });

  it('wraps around to the start while the end is still lent, without overlapping a live slice', () => {
    const ring = new ByteRing(100);
    const a = ring.take(50)!;
    const b = ring.take(30)!;
    ring.release(a);
    const c = ring.take(40)!; // does not fit after b (20 left): wraps to the start, before b
    expect(c.byteOffset).toBe(a.byteOffset);
    expect(ring.take(20)).toBeUndefined(); // 10 left between c and b
    const d = ring.take(10)!;
    expect(d.byteOffset - c.byteOffset).toBe(40);
    c.fill(1);
    d.fill(2);
    b.fill(3);
    expect([...new Set(c)]).toEqual([1]);
    expect([...new Set(d)]).toEqual([2]);
    expect([...new Set(b)]).toEqual([3]);
    ring.release(b);
    ring.release(c);
    ring.release(d);
    expect(ring.inUse).toBe(0);
  });

  it('refuses to take back what it did not lend, or a slice twice', () => {
    const ring = new ByteRing(10);
    const a = ring.take(5)!;
    expect(() => ring.release(Buffer.alloc(5))).toThrow('not a live slice');
    ring.release(a);
    expect(() => ring.release(a)).toThrow('not a live slice');
  });

  it('with no memory it lends nothing', () => {
    expect(new ByteRing(0).take(1)).toBeUndefined();
  });
});
