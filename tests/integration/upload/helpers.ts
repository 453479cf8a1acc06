// Shared pieces of the upload integration tests: a StowClient with fast timings, and checks of what the
// REAL Orthanc ended up holding (UIDs, once each, byte-identical).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StowClient, type StowClientOptions } from '../../../main/core/upload/stow-client';
import type { UploadProgress, VerifyFn } from '../../../main/core/upload/types';
import { uploadJob, type UploadJobDeps, type UploadOutcome } from '../../../main/core/upload/upload-job';
import type { OrthancServer } from '../../support/orthanc';
import { sha256, type BuiltJob } from './job-fixture';

export const FAST: Partial<StowClientOptions> = {
  idleTimeoutMs: 400,
  baseDelayMs: 10,
  maxDelayMs: 40,
  maxAttempts: 6,
};

export function testClient(
  server: OrthancServer,
  baseUrl: string,
  o: Partial<StowClientOptions> = {},
): StowClient {
  return new StowClient({
    baseUrl,
    auth: { kind: 'basic', user: server.user, password: server.password },
    ...FAST,
    ...o,
  });
}

export const allowAll: VerifyFn = async () => ({ ok: true });

export async function run(
  job: BuiltJob,
  client: StowClient,
  deps: Partial<UploadJobDeps> = {},
): Promise<UploadOutcome & { progress: UploadProgress[] }> {
  const progress: UploadProgress[] = [];
  const outcome = await uploadJob(job.dir, {
    client,
    verify: allowAll,
    onProgress: (p) => progress.push(p),
    progressIntervalMs: 0,
    ...deps,
  });
  return { ...outcome, progress };
}

/** What Orthanc holds: SOP Instance UID -> sha256 of its stored file; fails on a duplicate UID. */
export async function serverContent(server: OrthancServer): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const inst of await server.listInstances()) {
    if (out.has(inst.sopInstanceUID)) throw new Error(`duplicate on server: ${inst.sopInstanceUID}`);
    out.set(inst.sopInstanceUID, sha256(await server.instanceFile(inst.id)));
  }
  return out;
}

/** The server holds exactly `expected` (UID -> sha256), each once, byte-identical. */
export async function expectServerHolds(server: OrthancServer, expected: Map<string, string>): Promise<void> {
  const held = await serverContent(server);
  expect([...held.entries()].sort()).toEqual([...expected.entries()].sort());
  expect(await server.instanceCount()).toBe(expected.size);
}

export function without(map: Map<string, string>, ...sops: string[]): Map<string, string> {
  const m = new Map(map);
  for (const s of sops) m.delete(s);
  return m;
}

export function readJournalText(job: BuiltJob): string {
  return fs.readFileSync(path.join(job.dir, 'upload-journal.ndjson'), 'utf8');
}
