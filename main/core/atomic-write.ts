import * as fsp from 'node:fs/promises';

/**
 * Writes `text` to `file` so that readers see the old content or the new, never half of it: a `.partial`
 * beside it, then a rename. `sync` also puts the bytes on disk before the rename (for files whose loss after
 * a power cut would matter: manifests, what `send` remembers).
 */
export async function writeFileAtomic(
  file: string,
  text: string,
  opts: { mode?: number; sync?: boolean } = {},
): Promise<void> {
  const tmp = `${file}.partial`;
  const fh = await fsp.open(tmp, 'w', opts.mode ?? 0o666);
  try {
    await fh.writeFile(text);
    if (opts.sync) await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rename(tmp, file);
}
