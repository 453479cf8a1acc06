// Review-service credentials for the desktop app, encrypted with Electron's safeStorage (the OS keychain,
// DPAPI or libsecret). Electron is only a type here: the real safeStorage is passed in, tests pass a fake.
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { SafeStorage } from 'electron';
import type { StowAuth } from '../core/upload/stow-client';
import { writeFileAtomic } from '../core/atomic-write';

export interface ServiceCredentials {
  serviceUrl: string;
  auth: StowAuth;
}

export interface CredentialStore {
  save(c: ServiceCredentials): Promise<void>;
  load(): Promise<ServiceCredentials | undefined>;
  clear(): Promise<void>;
}

export const CREDENTIAL_MESSAGES = {
  noEncryption:
    'This computer offers no secure place to keep the password, so ClearDisc will ask for it each time instead of saving it.',
  unreadable: 'The saved sign-in details could not be read; please enter them again.',
} as const;

type Encryptor = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'>;

/**
 * Keeps one service's credentials in `file`, encrypted. Nothing is ever written in the clear: without OS
 * encryption, saving is refused and the app asks each time.
 */
export function safeStorageCredentials(safeStorage: Encryptor, file: string): CredentialStore {
  return {
    async save(c) {
      if (!safeStorage.isEncryptionAvailable()) throw new Error(CREDENTIAL_MESSAGES.noEncryption);
      const sealed = safeStorage.encryptString(JSON.stringify(c)).toString('base64');
      await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      await writeFileAtomic(file, JSON.stringify({ version: 1, sealed }), { mode: 0o600 });
    },
    async load() {
      let text: string;
      try {
        text = await fsp.readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new Error(CREDENTIAL_MESSAGES.unreadable, { cause: err });
      }
      try {
        const { sealed } = JSON.parse(text) as { sealed: string };
        return JSON.parse(safeStorage.decryptString(Buffer.from(sealed, 'base64'))) as ServiceCredentials;
      } catch (err) {
        throw new Error(CREDENTIAL_MESSAGES.unreadable, { cause: err });
      }
    },
    async clear() {
      await fsp.rm(file, { force: true });
    },
  };
}
