// Review-service credentials for the desktop app, encrypted with Electron's safeStorage (the OS keychain,
// DPAPI or libsecret). Electron is only a type here: the real safeStorage is passed in, tests pass a fake.
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { SafeStorage } from 'electron';
import { writeFileAtomic } from '../core/atomic-write';
import { SERVICE_MESSAGES, type CredentialStore, type ServiceCredentials } from '../app/service';

type Encryptor = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'>;

/**
 * Keeps one service's credentials in `file`, encrypted. Nothing is ever written in the clear: without OS
 * encryption, saving is refused and the app asks each time.
 */
export function safeStorageCredentials(safeStorage: Encryptor, file: string): CredentialStore {
  return {
    available: () => safeStorage.isEncryptionAvailable(),
    async save(c) {
      if (!safeStorage.isEncryptionAvailable()) throw new Error(SERVICE_MESSAGES.noEncryption);
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
        throw new Error(SERVICE_MESSAGES.unreadable, { cause: err });
      }
      try {
        const { sealed } = JSON.parse(text) as { sealed: string };
        return JSON.parse(safeStorage.decryptString(Buffer.from(sealed, 'base64'))) as ServiceCredentials;
      } catch (err) {
        throw new Error(SERVICE_MESSAGES.unreadable, { cause: err });
      }
    },
    async clear() {
      await fsp.rm(file, { force: true });
    },
  };
}
