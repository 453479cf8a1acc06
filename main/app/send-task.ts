// One send from the app: read the disc → clean the chosen studies into a job folder → second lock → upload →
// receipt, the same core stages as `cleardisc send`. It runs in the background while the page polls status().
// Starting the same choice again (after a failure, or after the app was closed) carries on with the same case:
// the cleaned copies are reused and only what the service has not confirmed is sent.
import { randomBytes } from 'node:crypto';
import type { Manifest } from '../../shared/deid-types';
import type { ReasonCode } from '../../shared/reasons';
import * as path from 'node:path';
import type { LeftOut, SendPreview, SendRequest, SendStatus, SentStudy } from '../../shared/send-types';
import { defaultRecordDir, fileRecordStore, type RandomBytes } from '../core/deid/case-record';
import { makePlan, planKey } from '../core/deid/plan';
import { deidentify } from '../core/deid/run';
import { previewFile } from '../core/deid/preview';
import { nodeSourceFs } from '../core/scan/source-fs';
import { ClearDiscError } from '../core/errors';
import { caseForSelection, completedJob, damagedFiles, defaultJobDir } from '../core/jobs/job-folder';
import { runUpload } from '../core/jobs/upload';
import { scan } from '../core/scan/scan';
import { readManifest, UploadInputError } from '../core/upload/manifest';
import { StowFatalError, StowNetworkError } from '../core/upload/stow-client';
import type { UploadOutcome } from '../core/upload/upload-job';
import { REASONS } from '../../shared/reasons';
import { PlainError, SOMETHING_WENT_WRONG } from './plain-error';
import type { ServiceCredentials } from './service';

export const SEND_MESSAGES = {
  busy: 'ClearDisc is already sending. Please wait for it to finish.',
  noService: 'Please say where to send the images first.',
  noStudies: 'Please choose at least one study to send.',
  badRequest: 'Please choose the disc or folder again, then the studies to send.',
  cannotOpen:
    'ClearDisc could not open the disc or folder. Check that the disc is in the drive, then try again.',
  nothingToSend:
    'None of the chosen images can be sent safely, so nothing was sent. The list below says why.',
  signIn:
    'The review service did not accept the sign-in details. Check the user name and password (or the access token), then try again.',
  refused: 'The review service refused access. Please ask the review service to check your account.',
  wrongAddress: 'The review service address does not look right. Please check it, then try again.',
  certificate:
    'The review service’s security certificate was not accepted, so nothing was sent. Please check the address.',
  unreachable:
    'The review service could not be reached. Check the internet connection, then press Send again: images already sent are not sent twice.',
  someFailed:
    'Some images could not be sent. Press Send again to retry them: images already sent are not sent twice.',
  unconfirmed:
    'The review service did not confirm every image. Press Send again to check and send what is missing.',
  notInReview: 'There is nothing waiting to be sent. Please choose the studies and press Send.',
  cancelled: 'Nothing was sent. The prepared copies stay on this computer only.',
  noRecord:
    'The private record of this case is not on this computer, so the images cannot be checked again before sending.',
  failed: SOMETHING_WENT_WRONG,
} as const;

export interface SendTaskDeps {
  /** CLEARDISC_HOME (job folders, private case records), HTTPS_PROXY / NO_PROXY. */
  env: Record<string, string | undefined>;
  random?: RandomBytes;
  now?: () => Date;
  /** Extra CA certificates (PEM) for hospital networks. */
  ca?: string | Buffer;
  /** Upload client knobs (tests: backoff, attempts). */
  upload?: { maxAttempts?: number; idleTimeoutMs?: number };
}

export interface Sender {
  /** Starts a send; throws SEND_MESSAGES.busy while one runs. It stops at 'review' until confirm() or cancel(). */
  start(request: SendRequest, service: ServiceCredentials): SendStatus;
  /** Sends what the person reviewed; throws SEND_MESSAGES.notInReview when nothing waits. */
  confirm(): SendStatus;
  /** Sends nothing; throws SEND_MESSAGES.notInReview when nothing waits. */
  cancel(): SendStatus;
  status(): SendStatus | null;
  /** Resolves when the current send (if any) has finished, whatever its outcome. */
  settled(): Promise<void>;
}

/** One plain sentence for a failure, for the page: never a path, a UID or a server's own words. */
export function sendFailureMessage(err: unknown): string {
  if (err instanceof PlainError) return err.message;
  if (err instanceof StowFatalError) {
    if (err.status === 401 || err.status === 407) return SEND_MESSAGES.signIn;
    if (err.status === 403) return SEND_MESSAGES.refused;
    if (err.status === 404 || err.status === 405 || (err.status && err.status >= 300 && err.status < 400))
      return SEND_MESSAGES.wrongAddress;
    return SEND_MESSAGES.certificate;
  }
  if (err instanceof StowNetworkError) return SEND_MESSAGES.unreachable;
  if (err instanceof UploadInputError) return SEND_MESSAGES.noRecord;
  if (err instanceof ClearDiscError) return REASONS[err.code];
  return SEND_MESSAGES.failed;
}

/** Why an upload that ran to its end is not complete: the connection, the service, or its confirmation. */
function incompleteMessage(outcome: UploadOutcome): string {
  if (outcome.failed.length === 0) return SEND_MESSAGES.unconfirmed;
  if (outcome.failed.every((f) => f.reason === 'network-failed')) return SEND_MESSAGES.unreachable;
  return SEND_MESSAGES.someFailed;
}

function leftOutOf(manifest: Manifest, outcome?: UploadOutcome): LeftOut[] {
  const counts = new Map<ReasonCode, number>();
  const add = (r: ReasonCode) => counts.set(r, (counts.get(r) ?? 0) + 1);
  for (const e of [...manifest.excluded, ...manifest.quarantined]) add(e.reason);
  for (const f of outcome?.failed ?? []) add(f.reason);
  return [...counts].map(([reason, count]) => ({ reason, count }));
}

function studiesOf(manifest: Manifest): SentStudy[] {
  return manifest.studies.map((s) => ({
    description: s.studyDescription,
    modalities: s.modalities,
    images: s.instances,
  }));
}

/** Every attribute of one prepared image of each study, and what was left out. */
async function previewOf(jobDir: string, manifest: Manifest): Promise<SendPreview> {
  const samples: SendPreview['samples'] = [];
  for (const st of manifest.studies) {
    const first = manifest.instances.find((i) => i.studyInstanceUID === st.studyInstanceUID);
    if (first)
      samples.push({
        study: st.studyDescription,
        attributes: await previewFile(nodeSourceFs, path.join(jobDir, first.file)),
      });
  }
  return {
    studies: manifest.studies.map((s) => ({
      description: s.studyDescription,
      modalities: s.modalities,
      images: s.instances,
      bytes: s.bytes,
    })),
    leftOut: leftOutOf(manifest),
    keptFreeText: manifest.keptFreeText,
    samples,
  };
}

/** Checks a request from the page (untrusted). */
export function checkSendRequest(request: unknown): SendRequest {
  const r = (request && typeof request === 'object' ? request : {}) as Record<string, unknown>;
  const { source, studies } = r;
  if (typeof source !== 'string' || !source || source.length > 4096)
    throw new PlainError(SEND_MESSAGES.badRequest);
  if (!Array.isArray(studies) || studies.length > 10_000) throw new PlainError(SEND_MESSAGES.badRequest);
  if (!studies.every((s) => typeof s === 'string' && /^[0-9.]{1,64}$/.test(s)))
    throw new PlainError(SEND_MESSAGES.badRequest);
  if (studies.length === 0) throw new PlainError(SEND_MESSAGES.noStudies);
  return { source, studies: [...new Set(studies as string[])] };
}

export function createSender(deps: SendTaskDeps): Sender {
  const random = deps.random ?? ((n: number) => randomBytes(n));
  const now = deps.now ?? (() => new Date());
  const records = () => fileRecordStore(defaultRecordDir(deps.env));
  let status: SendStatus | null = null;
  let running: Promise<void> | undefined;
  // Set while a prepared send waits for the person's answer.
  let decide: ((send: boolean) => void) | undefined;

  const update = (s: Partial<SendStatus>) => {
    status = { ...(status as SendStatus), ...s };
  };

  async function run(request: SendRequest, service: ServiceCredentials): Promise<void> {
    let manifest: Manifest | undefined;
    let outcome: UploadOutcome | undefined;
    try {
      const scanned = await scan(request.source).catch((err: unknown) => {
        if (err instanceof ClearDiscError && err.code === 'unreadable')
          throw new PlainError(SEND_MESSAGES.cannotOpen, { cause: err });
        throw err;
      });
      // Images that may show identity in their pixels stay out: the app cannot clean pixels yet.
      const selection = { studies: request.studies, includeBurnedIn: false, options: {} };
      const plan = makePlan(scanned, selection);
      const { caseCode } = await caseForSelection(
        scanned.instances.map((i) => i.sopInstanceUID),
        selection,
        service.serviceUrl,
        deps.env,
        random,
      );
      const jobDir = defaultJobDir(caseCode, deps.env);
      update({ phase: 'preparing', caseCode, done: 0, total: plan.include.length });

      const secret = (await records().load(caseCode))?.secret;
      const prepared = await completedJob(jobDir, caseCode);
      const reusable =
        prepared &&
        secret &&
        prepared.planKey === planKey(plan, secret, selection.options) &&
        (await damagedFiles(jobDir, prepared)).length === 0;
      if (!reusable) {
        await deidentify(plan, {
          out: jobDir,
          caseCode,
          records: records(),
          random,
          now,
          onProgress: (p) => update({ done: p.done, total: p.total }),
        });
      }
      manifest = await readManifest(jobDir);
      if (manifest.instances.length === 0) {
        update({
          phase: 'stopped',
          message: SEND_MESSAGES.nothingToSend,
          result: { complete: false, stored: 0, failed: 0, studies: [], leftOut: leftOutOf(manifest) },
        });
        return;
      }

      // The person sees exactly what will leave, and says whether to send it.
      const preview = await previewOf(jobDir, manifest);
      const send = await new Promise<boolean>((resolve) => {
        decide = resolve;
        update({ phase: 'review', done: 0, total: manifest!.instances.length, preview });
      });
      if (!send) return; // cancel() has said so
      outcome = await runUpload({
        jobDir,
        serviceUrl: service.serviceUrl,
        auth: service.auth,
        ca: deps.ca,
        env: deps.env,
        ...deps.upload,
        onProgress: (p) =>
          update({
            phase: p.phase === 'done' ? 'confirming' : p.phase,
            done: p.filesDone,
            total: p.filesTotal,
            bytesDone: p.bytesDone,
            bytesTotal: p.bytesTotal,
            etaSeconds: p.etaSeconds,
          }),
      });
      const failed = outcome.failed.length;
      update({
        phase: outcome.complete ? 'done' : 'stopped',
        done: outcome.stored,
        etaSeconds: undefined,
        message: outcome.complete ? undefined : incompleteMessage(outcome),
        result: {
          complete: outcome.complete,
          stored: outcome.stored,
          failed,
          studies: studiesOf(manifest),
          leftOut: leftOutOf(manifest, outcome),
          receipt: outcome.receipt?.html,
        },
      });
    } catch (err) {
      update({
        phase: 'stopped',
        etaSeconds: undefined,
        message: sendFailureMessage(err),
        ...(manifest
          ? {
              result: {
                complete: false,
                stored: outcome?.stored ?? 0,
                failed: outcome?.failed.length ?? 0,
                studies: studiesOf(manifest),
                leftOut: leftOutOf(manifest, outcome),
              },
            }
          : {}),
      });
    }
  }

  return {
    start(request, service) {
      if (running) throw new PlainError(SEND_MESSAGES.busy);
      status = { phase: 'reading', done: 0, total: 0, bytesDone: 0, bytesTotal: 0 };
      running = run(request, service).finally(() => (running = undefined));
      return status;
    },
    // Both answer with the state the send is now in, so the page never sees 'review' again after answering.
    confirm() {
      if (!decide) throw new PlainError(SEND_MESSAGES.notInReview);
      decide(true);
      decide = undefined;
      update({ phase: 'sending', preview: undefined, done: 0, bytesDone: 0, bytesTotal: 0 });
      return status as SendStatus;
    },
    cancel() {
      if (!decide) throw new PlainError(SEND_MESSAGES.notInReview);
      decide(false);
      decide = undefined;
      update({ phase: 'stopped', preview: undefined, message: SEND_MESSAGES.cancelled });
      return status as SendStatus;
    },
    status: () => status,
    settled: async () => {
      await running;
    },
  };
}
