import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { safeStorageCredentials } from '../../../main/electron/credentials';
import { SERVICE_MESSAGES } from '../../../main/app/service';
import { fakeSafeStorage } from '../../support/fake-safe-storage';

describe('desktop credentials in safeStorage', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-cred-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('round-trips, never writing the password in the clear, readable by the owner only', async () => {
    const file = path.join(dir, 'service.json');
    const store = safeStorageCredentials(fakeSafeStorage(), file);
    const creds = {
      serviceUrl: 'https://review.example/dicom-web',
      auth: { kind: 'basic' as const, user: 'clinic', password: 'S3cret-pass' },
    };
    await store.save(creds);
    expect(fs.readFileSync(file, 'utf8')).not.toContain('S3cret-pass');
    expect(fs.readFileSync(file, 'utf8')).not.toContain('clinic');
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o077).toBe(0);
    expect(await store.load()).toEqual(creds);
    await store.clear();
    expect(await store.load()).toBeUndefined();
  });

  it('refuses to save without OS encryption rather than writing plain text', async () => {
    const file = path.join(dir, 'service.json');
    const store = safeStorageCredentials(fakeSafeStorage(false), file);
    await expect(
      store.save({ serviceUrl: 'https://x/dicom-web', auth: { kind: 'bearer', token: 'tok' } }),
    ).rejects.toThrow(SERVICE_MESSAGES.noEncryption);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('says plainly when saved details cannot be read', async () => {
    const file = path.join(dir, 'service.json');
    fs.writeFileSync(file, 'not json');
    await expect(safeStorageCredentials(fakeSafeStorage(), file).load()).rejects.toThrow(
      SERVICE_MESSAGES.unreadable,
    );
  });
});
