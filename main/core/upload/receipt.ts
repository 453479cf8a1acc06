// The receipt of a completed upload: `receipt.json` (for programs) and `receipt.html` (plain, printable,
// self-contained). Built from the manifest and the journal only: new UIDs, sizes, hashes, the server's
// acknowledgements, options and reason sentences. No patient identity, and no source paths (an excluded
// item's path can contain a name): excluded and quarantined items are referred to by number and reason.
import { formatBytes } from '../../../shared/format';
import * as path from 'node:path';
import type { DeidOptions, Manifest } from '../../../shared/deid-types';
import { REASONS, isReasonCode, type ReasonCode } from '../../../shared/reasons';
import {
  BASIC_PROFILE_CODE,
  CLEAN_PIXEL_DATA_CODE,
  CLEAN_RECOGNIZABLE_VISUAL_FEATURES_CODE,
  OPTION_INFO,
} from '../deid/profile/codes';
import type { InstanceJournalState } from './journal';
import { displayUrl } from './service-url';
import { nodeUploadFs, type UploadFs } from './types';

export const RECEIPT_JSON = 'receipt.json';
export const RECEIPT_HTML = 'receipt.html';

export interface ReceiptFiles {
  json: string;
  html: string;
}

export interface Receipt {
  format: 'cleardisc-receipt';
  version: 1;
  caseCode: string;
  uploadedAt: string;
  deidentifiedAt: string;
  tool: string;
  service: string;
  totals: { studies: number; instances: number; bytes: number; excluded: number; quarantined: number };
  studies: Array<{
    studyInstanceUID: string;
    description: string;
    modalities: string[];
    series: number;
    instances: number;
    bytes: number;
  }>;
  instances: Array<{
    n: number;
    studyInstanceUID: string;
    seriesInstanceUID: string;
    sopInstanceUID: string;
    sopClassUID: string;
    modality: string;
    bytes: number;
    sha256: string;
    acknowledgement: { status: 'stored'; retrieveUrl?: string; warnings?: string[]; confirmedBy: 'QIDO-RS' };
  }>;
  options: Array<{ option: keyof DeidOptions; label: string; on: boolean }>;
  methods: Array<{ code: string; meaning: string }>;
  excluded: Array<{ n: number; reason: string; explanation: string }>;
  quarantined: Array<{ n: number; reason: string; explanation: string }>;
}

const OPTION_LABELS: Record<keyof DeidOptions, string> = {
  retainPatientCharacteristics: 'Keep patient characteristics (age, sex, size, weight)',
  retainLongitudinalModifiedDates: 'Keep the time between examinations, with shifted dates',
  retainLongitudinalFullDates: 'Keep the real examination dates',
  cleanDescriptors: 'Clean descriptions and comments',
  cleanStructuredContent: 'Clean structured reports',
  cleanGraphics: 'Clean graphic annotations',
  retainSafePrivate: 'Keep manufacturer data known to be safe',
  retainUIDs: 'Keep the original image identifiers (UIDs)',
  retainDeviceIdentity: 'Keep the identity of the scanner',
  retainInstitutionIdentity: 'Keep the name of the hospital',
};

const METHOD_MEANINGS: Record<string, string> = Object.fromEntries(
  [
    BASIC_PROFILE_CODE,
    CLEAN_PIXEL_DATA_CODE,
    CLEAN_RECOGNIZABLE_VISUAL_FEATURES_CODE,
    ...Object.values(OPTION_INFO).map((o) => o.code),
  ].map((c) => [c.codeValue, c.codeMeaning]),
);

const WARNING_TEXT: Record<number, string> = {
  0xb000: 'coercion of data elements',
  0xb006: 'elements discarded',
  0xb007: 'data set does not match SOP class',
  0x0111: 'already held by the service',
};

function warningText(code: number): string {
  return `0x${code.toString(16).toUpperCase().padStart(4, '0')} ${WARNING_TEXT[code] ?? 'warning'}`;
}

function reasonItem(n: number, reason: string): { n: number; reason: string; explanation: string } {
  const code: ReasonCode | undefined = isReasonCode(reason) ? reason : undefined;
  return {
    n,
    reason: code ?? 'unknown',
    explanation: code ? REASONS[code] : 'Left out for a reason this version does not know.',
  };
}

/** A Retrieve URL as the receipt may show it: http(s) only, no credentials, query or fragment. */
function safeUrl(u: string | undefined): string | undefined {
  if (!u) return undefined;
  try {
    const p = new URL(u);
    if (p.protocol !== 'https:' && p.protocol !== 'http:') return undefined;
    return displayUrl(p);
  } catch {
    return undefined;
  }
}

export function buildReceipt(input: {
  manifest: Manifest;
  states: ReadonlyMap<string, InstanceJournalState>;
  serviceUrl: string;
  now: Date;
}): Receipt {
  const { manifest: m, states } = input;
  const studyInfo = new Map(m.studies?.map((s) => [s.studyInstanceUID, s]) ?? []);
  const studyUids = [...new Set(m.instances.map((i) => i.studyInstanceUID))];
  const studies = studyUids.map((uid) => {
    const inst = m.instances.filter((i) => i.studyInstanceUID === uid);
    const info = studyInfo.get(uid);
    return {
      studyInstanceUID: uid,
      description: info?.studyDescription ?? '',
      modalities: [...new Set(inst.map((i) => i.modality).filter(Boolean))].sort(),
      series: new Set(inst.map((i) => i.seriesInstanceUID)).size,
      instances: inst.length,
      bytes: inst.reduce((a, i) => a + i.bytes, 0),
    };
  });
  const instances = m.instances.map((i, k) => {
    const st = states.get(i.sopInstanceUID);
    const warnings = st?.warnings?.map(warningText);
    return {
      n: k + 1,
      studyInstanceUID: i.studyInstanceUID,
      seriesInstanceUID: i.seriesInstanceUID,
      sopInstanceUID: i.sopInstanceUID,
      sopClassUID: i.sopClassUID,
      modality: i.modality,
      bytes: i.bytes,
      sha256: i.sha256.toLowerCase(),
      acknowledgement: {
        status: 'stored' as const,
        ...(safeUrl(st?.url) ? { retrieveUrl: safeUrl(st?.url) } : {}),
        ...(warnings?.length ? { warnings } : {}),
        confirmedBy: 'QIDO-RS' as const,
      },
    };
  });
  const options = (Object.keys(OPTION_LABELS) as Array<keyof DeidOptions>).map((k) => ({
    option: k,
    label: OPTION_LABELS[k],
    on: Boolean(m.options?.[k]),
  }));
  return {
    format: 'cleardisc-receipt',
    version: 1,
    caseCode: m.caseCode,
    uploadedAt: input.now.toISOString(),
    deidentifiedAt: m.createdAt ?? '',
    tool: m.tool ?? '',
    service: displayUrl(input.serviceUrl),
    totals: {
      studies: studies.length,
      instances: instances.length,
      bytes: instances.reduce((a, i) => a + i.bytes, 0),
      excluded: m.excluded?.length ?? 0,
      quarantined: m.quarantined?.length ?? 0,
    },
    studies,
    instances,
    options,
    methods: (m.methodCodes ?? []).map((c) => ({ code: c, meaning: METHOD_MEANINGS[c] ?? '' })),
    // Only the reason: the path is a source path and may contain the patient's name.
    excluded: (m.excluded ?? []).map((e, k) => reasonItem(k + 1, e.reason)),
    quarantined: (m.quarantined ?? []).map((e, k) => reasonItem(k + 1, e.reason)),
  };
}

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

export function renderReceiptHtml(r: Receipt): string {
  const e = escapeHtml;
  const row = (cells: string[], tag = 'td') =>
    `<tr>${cells.map((c) => `<${tag}>${c}</${tag}>`).join('')}</tr>`;
  const when = r.uploadedAt
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC')
    .replace(/Z$/, ' UTC');
  const reasonRows = (list: Receipt['excluded']) =>
    list.map((x) => row([String(x.n), e(x.explanation), `<code>${e(x.reason)}</code>`])).join('\n');
  const parts: string[] = [];
  parts.push(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>ClearDisc upload receipt ${e(r.caseCode)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em;color:#111;line-height:1.4}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%;font-size:.9em}th,td{border:1px solid #bbb;padding:.25em .4em;text-align:left;vertical-align:top}
th{background:#eee}code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em;word-break:break-all}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}dt{font-weight:600}dd{margin:0}
@media print{body{margin:1cm}a{color:#111;text-decoration:none}tr{break-inside:avoid}}
</style>
</head>
<body>
<h1>ClearDisc upload receipt</h1>
<p>These images were sent for review with every trace of personal identity removed. Keep this page: the case code is how the review service refers to them.</p>
<dl>
<dt>Case code</dt><dd><strong>${e(r.caseCode)}</strong></dd>
<dt>Sent</dt><dd>${e(when)}</dd>
<dt>Review service</dt><dd class="mono">${e(r.service)}</dd>
<dt>Studies</dt><dd>${r.totals.studies}</dd>
<dt>Images</dt><dd>${r.totals.instances} (${e(formatBytes(r.totals.bytes))}), every one confirmed held by the service</dd>
<dt>Left out</dt><dd>${r.totals.excluded} not used, ${r.totals.quarantined} held back</dd>
<dt>Prepared by</dt><dd>${e(r.tool)}${r.deidentifiedAt ? ` on ${e(r.deidentifiedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC'))}` : ''}</dd>
</dl>`);
  parts.push('<h2>Studies</h2>\n<table>');
  parts.push(row(['Study (new identifier)', 'Description', 'Modality', 'Series', 'Images', 'Size'], 'th'));
  for (const s of r.studies) {
    parts.push(
      row([
        `<span class="mono">${e(s.studyInstanceUID)}</span>`,
        e(s.description || '(none)'),
        e(s.modalities.join(', ')),
        String(s.series),
        String(s.instances),
        e(formatBytes(s.bytes)),
      ]),
    );
  }
  parts.push('</table>');
  parts.push('<h2>How the images were cleaned</h2>\n<table>');
  parts.push(row(['Option', 'Applied'], 'th'));
  for (const o of r.options) parts.push(row([e(o.label), o.on ? 'yes' : 'no']));
  parts.push('</table>');
  if (r.methods.length) {
    parts.push('<p>De-identification methods (DICOM CID 7050):</p>\n<ul>');
    for (const m of r.methods) parts.push(`<li><code>${e(m.code)}</code> ${e(m.meaning)}</li>`);
    parts.push('</ul>');
  }
  parts.push('<h2>Left out</h2>');
  if (r.excluded.length === 0 && r.quarantined.length === 0) parts.push('<p>Nothing was left out.</p>');
  if (r.excluded.length) {
    parts.push(`<p>Files not used (${r.excluded.length}):</p>\n<table>`);
    parts.push(row(['#', 'Why', 'Code'], 'th'));
    parts.push(reasonRows(r.excluded));
    parts.push('</table>');
  }
  if (r.quarantined.length) {
    parts.push(`<p>Images held back (${r.quarantined.length}):</p>\n<table>`);
    parts.push(row(['#', 'Why', 'Code'], 'th'));
    parts.push(reasonRows(r.quarantined));
    parts.push('</table>');
  }
  parts.push('<h2>Every image sent</h2>\n<table>');
  parts.push(row(['#', 'Image (new identifier)', 'Modality', 'Size', 'SHA-256', 'Acknowledgement'], 'th'));
  for (const i of r.instances) {
    const ack = [
      i.acknowledgement.retrieveUrl
        ? `stored: <span class="mono">${e(i.acknowledgement.retrieveUrl)}</span>`
        : 'stored',
      ...(i.acknowledgement.warnings ?? []).map((w) => `warning ${e(w)}`),
      'confirmed',
    ].join('<br>');
    parts.push(
      row([
        String(i.n),
        `<span class="mono">${e(i.sopInstanceUID)}</span>`,
        e(i.modality),
        e(formatBytes(i.bytes)),
        `<span class="mono">${e(i.sha256)}</span>`,
        ack,
      ]),
    );
  }
  parts.push('</table>\n</body>\n</html>\n');
  return parts.join('\n');
}

/** Writes both files atomically (temp + rename); returns their paths. */
export async function writeReceipt(
  jobDir: string,
  input: Parameters<typeof buildReceipt>[0],
  fs: UploadFs = nodeUploadFs,
): Promise<ReceiptFiles> {
  const receipt = buildReceipt(input);
  const json = path.join(jobDir, RECEIPT_JSON);
  const html = path.join(jobDir, RECEIPT_HTML);
  await fs.writeFile(`${json}.partial`, JSON.stringify(receipt, null, 2) + '\n');
  await fs.rename(`${json}.partial`, json);
  await fs.writeFile(`${html}.partial`, renderReceiptHtml(receipt));
  await fs.rename(`${html}.partial`, html);
  return { json, html };
}
