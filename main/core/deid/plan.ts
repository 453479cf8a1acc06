import { ClearDiscError } from '../errors';
import { createHmac } from 'node:crypto';
import { DEFAULT_DEID_OPTIONS, type DeidOptions, type ManifestExclusion } from '../../../shared/deid-types';
import type { ScanResult } from '../scan/scan';
import { personKey, type IndexedInstance } from '../scan/instance';
import { isEncapsulatedDocument } from '../scan/burned-in';

export interface PlanChoices {
  /** Study Instance UIDs to send; empty or absent means every study. */
  studies?: string[];
  /** Send images that may show identity in their pixels (the person looked and decided). */
  includeBurnedIn?: boolean;
  /** Pixels will be cleaned by the pixel stage (a later issue); until then always false. */
  pixelsCleaned?: boolean;
}

export interface DeidPlan {
  root: string;
  include: IndexedInstance[];
  /** Source files that will not be written, each with its reason (scan skips included). */
  excluded: ManifestExclusion[];
  /** Every instance on the source (identity is collected from all of them, chosen or not). */
  all: IndexedInstance[];
}

/** Decides what is written: chosen studies, minus what cannot be made safe automatically. */
export function makePlan(scan: ScanResult, choices: PlanChoices = {}): DeidPlan {
  const wanted = choices.studies?.length ? new Set(choices.studies) : undefined;
  // A mistyped study UID must not pass as "done, nothing to send".
  const present = new Set(scan.instances.map((i) => i.studyInstanceUID));
  const missing = [...(wanted ?? [])].filter((uid) => !present.has(uid)).length;
  if (missing) throw new ClearDiscError('study-not-found', `${missing} of ${wanted!.size} chosen`);
  const include: IndexedInstance[] = [];
  const excluded: ManifestExclusion[] = scan.skipped.map((s) => ({ path: s.path, reason: s.reason }));
  // The disc's DICOMDIR is read, never sent: listed so that every file of the source is accounted for.
  if (scan.dicomdir) excluded.push({ path: scan.dicomdir, reason: 'disc-index' });
  for (const i of scan.instances) {
    if (wanted && !wanted.has(i.studyInstanceUID)) excluded.push({ path: i.path, reason: 'not-selected' });
    // PDF/CDA text cannot be cleaned reliably, whatever the person chooses.
    else if (isEncapsulatedDocument(i.sopClassUID))
      excluded.push({ path: i.path, reason: 'encapsulated-document' });
    else if (i.burnedInRisk && !choices.includeBurnedIn && !choices.pixelsCleaned)
      excluded.push({ path: i.path, reason: 'burned-in-risk' });
    else include.push(i);
  }
  // "Everything on the disc" is not a choice to make for someone else's scans: with more than one person
  // on it, the studies must be chosen (as the app does: nothing is ticked for them).
  const people = new Set(include.map(personKey)).size;
  if (!wanted && people > 1) throw new ClearDiscError('multiple-patients', `${people} people`);
  return { root: scan.root, include, excluded, all: scan.instances };
}

/**
 * The studies on the source, person by person (in study UID order, so the same source always splits the same
 * way): a clinic's batch export is sent as one case per person. A study holding scans of more than one person
 * cannot be split and is an error.
 */
export function studiesByPerson(scan: ScanResult): string[][] {
  const personOfStudy = new Map<string, string>();
  for (const i of scan.instances) {
    const person = personKey(i);
    const had = personOfStudy.get(i.studyInstanceUID);
    if (had !== undefined && had !== person)
      throw new ClearDiscError('multiple-patients', 'one study holds scans of more than one person');
    personOfStudy.set(i.studyInstanceUID, person);
  }
  const groups = new Map<string, string[]>();
  for (const study of [...personOfStudy.keys()].sort()) {
    const person = personOfStudy.get(study)!;
    groups.set(person, [...(groups.get(person) ?? []), study]);
  }
  return [...groups.values()];
}

/**
 * What a de-identification will produce, as a short keyed hash: the source images chosen (original SOP Instance
 * UIDs) and the options. Recorded in the manifest so a later run can tell "the same job, resume it" from "other
 * images for the same case". Keyed with the case's secret (HMAC), like the UID map: whoever holds the original
 * study cannot recompute it to link the pseudonymous output back to the patient.
 */
export function planKey(
  plan: DeidPlan,
  secretHex: string,
  options: Partial<DeidOptions> = {},
  pixelsCleaned = false,
): string {
  const h = createHmac('sha256', Buffer.from(secretHex, 'hex'));
  for (const uid of [...new Set(plan.include.map((i) => i.sopInstanceUID))].sort())
    h.update(uid).update('\n');
  const opts = canonicalOptions(options);
  return h.update(JSON.stringify({ opts, pixelsCleaned })).digest('hex').slice(0, 16);
}

/** Options as they take effect (defaults filled in), keys in order: the same choice always reads the same. */
export function canonicalOptions(options: Partial<DeidOptions>): Array<[keyof DeidOptions, boolean]> {
  const all = { ...DEFAULT_DEID_OPTIONS, ...options };
  return (Object.keys(all) as (keyof DeidOptions)[]).sort().map((k) => [k, all[k]]);
}
