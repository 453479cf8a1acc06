import { parseArgs } from 'node:util';
import type { ScanSummary } from '../../shared/scan-types';
import { REASONS } from '../../shared/reasons';
import { scan, summarize } from '../core/scan/scan';
import { ClearDiscError } from '../core/errors';
import { formatBytes, UsageError, type CliIO } from './io';

export const SCAN_USAGE = 'cleardisc scan <path> [--json]';

export async function scanCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError(`usage: ${SCAN_USAGE}`);
  let summary: ScanSummary;
  try {
    summary = summarize(await scan(positionals[0]));
  } catch (err) {
    if (err instanceof ClearDiscError && err.code === 'unreadable')
      throw new UsageError(`cannot read ${positionals[0]}: ${err.message}`);
    throw err;
  }
  if (values.json) io.out(JSON.stringify(summary, null, 2) + '\n');
  else io.out(renderSummary(summary));
  return 0;
}

export function renderSummary(s: ScanSummary): string {
  const lines: string[] = [];
  lines.push(
    `Found ${s.instances} image${s.instances === 1 ? '' : 's'} in ${s.files} files${s.dicomdir ? ` (disc index: ${s.dicomdir})` : ''}.`,
  );
  if (s.multiplePatients)
    lines.push('Warning: this disc holds images of more than one person. Check each study before sending.');
  for (const p of s.patients)
    lines.push(
      `Patient: ${p.patientName || '(no name)'}  ID ${p.patientId || '-'}  born ${p.birthDate || '-'}`,
    );
  for (const st of s.studies) {
    lines.push('');
    lines.push(
      `Study ${st.studyDate || '(no date)'}  ${st.studyDescription || '(no description)'}  [${st.modalities.join(', ')}]  ${st.instances} images, ${formatBytes(st.bytes)}`,
    );
    for (const se of st.series) {
      const risk = se.burnedInRisk ? '  (may show text in the picture)' : '';
      lines.push(
        `  - ${se.modality} ${se.seriesDescription || '(no description)'}: ${se.instances} images${risk}`,
      );
    }
  }
  if (s.skipped.length) {
    lines.push('');
    const byReason = new Map<string, number>();
    for (const k of s.skipped) byReason.set(k.reason, (byReason.get(k.reason) ?? 0) + 1);
    lines.push(`Not used: ${s.skipped.length} file${s.skipped.length === 1 ? '' : 's'}.`);
    for (const [r, n] of byReason) lines.push(`  ${n} × ${REASONS[r as keyof typeof REASONS]}`);
  }
  return lines.join('\n') + '\n';
}
