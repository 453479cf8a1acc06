/**
 * Runs `fn` over `items` with at most `n` at once, keeping results in input order, so work that interleaves
 * (one file's disc wait overlapping another's parsing) still yields a deterministic result.
 * Stops taking new items once `signal` is aborted and rejects with `onAbort()`.
 */
export async function mapPool<A, B>(
  items: readonly A[],
  n: number,
  fn: (a: A, index: number) => Promise<B>,
  opts: { signal?: AbortSignal; onAbort?: () => Error } = {},
): Promise<B[]> {
  const out = new Array<B>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      if (opts.signal?.aborted) throw opts.onAbort?.() ?? new Error('cancelled');
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
  return out;
}
