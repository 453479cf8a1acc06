// Turns DICOM values into words a patient reads easily.

/** "Doe^Jane^Q^Dr" → "Dr Jane Q Doe". Uses the first non-empty of the alphabetic/ideographic/phonetic forms. */
export function personName(pn: string): string {
  const group = pn.split('=').find((g) => g.replace(/\^/g, '').trim() !== '') ?? '';
  const [family = '', given = '', middle = '', prefix = '', suffix = ''] = group
    .split('^')
    .map((s) => s.trim());
  return [prefix, given, middle, family, suffix].filter(Boolean).join(' ');
}

/** "20240102" → "2 January 2024" in the reader's language; anything else is returned as it is. */
export function studyDate(da: string, locale?: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(da.trim());
  if (!m) return da.trim();
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (Number.isNaN(date.getTime())) return da.trim();
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(date);
}

const MODALITIES: Record<string, string> = {
  CT: 'CT scan',
  MR: 'MRI scan',
  US: 'Ultrasound',
  CR: 'X-ray',
  DX: 'X-ray',
  RG: 'X-ray',
  MG: 'Mammogram',
  PT: 'PET scan',
  NM: 'Nuclear medicine scan',
  XA: 'Angiogram',
  RF: 'Fluoroscopy',
  IO: 'Dental X-ray',
  PX: 'Dental X-ray',
  OP: 'Eye photograph',
  OPT: 'Eye scan (OCT)',
  ECG: 'Heart tracing (ECG)',
  SR: 'Written report',
  DOC: 'Document',
  KO: 'List of key images',
  PR: 'Display settings',
  SEG: 'Outlines drawn on images',
  OT: 'Other images',
};

/** "CT" → "CT scan"; unknown codes are shown as they are. */
export function modalityName(code: string): string {
  return MODALITIES[code] ?? code;
}

export function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** The sentence an API error carries (written for the person), or a general one when it has none. */
export function problemText(err: unknown): string {
  return err instanceof Error && err.message ? err.message : 'Something went wrong. Please try again.';
}
