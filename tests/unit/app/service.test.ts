// The review service the app keeps: what the page may see, what is kept on this computer, and what it is told
// when keeping fails. The store is an in-memory stand-in with the CredentialStore contract.
import {
  createServiceKeeper,
  credentialsFrom,
  SERVICE_MESSAGES,
  type CredentialStore,
  type ServiceCredentials,
} from '../../../main/app/service';

function memoryStore(over: Partial<CredentialStore> = {}) {
  let kept: ServiceCredentials | undefined;
  const store: CredentialStore & { kept: () => ServiceCredentials | undefined } = {
    available: () => true,
    save: async (c) => void (kept = c),
    load: async () => kept,
    clear: async () => void (kept = undefined),
    kept: () => kept,
    ...over,
  };
  return store;
}

const input = {
  serviceUrl: 'https://review.example/dicom-web/',
  signIn: 'password',
  user: 'clinic',
  password: 'S3cret-pass',
  remember: true,
};

describe('the review service the app keeps', () => {
  it('keeps remembered details in the store and shows the page everything but the secret', async () => {
    const store = memoryStore();
    const keeper = createServiceKeeper(store);
    const state = await keeper.set(input);
    expect(state).toEqual({
      service: {
        serviceUrl: 'https://review.example/dicom-web',
        signIn: 'password',
        user: 'clinic',
        remembered: true,
      },
      canRemember: true,
    });
    expect(store.kept()).toEqual({
      serviceUrl: 'https://review.example/dicom-web',
      auth: { kind: 'basic', user: 'clinic', password: 'S3cret-pass' },
    });
    expect(await createServiceKeeper(store).credentials()).toEqual(store.kept());
  });

  it('removes details kept earlier when the person chooses not to keep the new ones', async () => {
    const store = memoryStore();
    await createServiceKeeper(store).set(input);
    const keeper = createServiceKeeper(store);
    const state = await keeper.set({
      serviceUrl: 'https://other.example/wado',
      signIn: 'token',
      token: 'abc.def',
      remember: false,
    });
    expect(state.service).toEqual({
      serviceUrl: 'https://other.example/wado',
      signIn: 'token',
      remembered: false,
    });
    expect(store.kept()).toBeUndefined();
    expect(await keeper.credentials()).toEqual({
      serviceUrl: 'https://other.example/wado',
      auth: { kind: 'bearer', token: 'abc.def' },
    });
  });

  it('tells the page, once, when saved details cannot be read or new ones cannot be saved', async () => {
    const unreadable = createServiceKeeper(
      memoryStore({
        load: async () => {
          throw new Error('bad file');
        },
      }),
    );
    expect(await unreadable.state()).toEqual({
      service: null,
      canRemember: true,
      notice: SERVICE_MESSAGES.unreadable,
    });
    expect((await unreadable.state()).notice).toBeUndefined();

    const full = createServiceKeeper(
      memoryStore({
        save: async () => {
          throw new Error('disk full');
        },
      }),
    );
    const s = await full.set(input);
    expect(s).toMatchObject({ service: { remembered: false }, notice: SERVICE_MESSAGES.notSaved });
    expect(await full.credentials()).toMatchObject({ auth: { kind: 'basic', user: 'clinic' } });

    const noKeychain = createServiceKeeper(memoryStore({ available: () => false }));
    expect(await noKeychain.set(input)).toMatchObject({
      service: { remembered: false },
      canRemember: false,
      notice: SERVICE_MESSAGES.noEncryption,
    });
  });

  it('checks what the page sends and says what to fix', () => {
    const bad: Array<[unknown, string | RegExp]> = [
      [{ ...input, serviceUrl: '' }, SERVICE_MESSAGES.badUrl],
      [{ ...input, serviceUrl: 'ftp://review.example/' }, /https:\/\//],
      [{ ...input, serviceUrl: 'https://u:p@review.example/' }, /user name or password/],
      [{ ...input, signIn: 'kerberos' }, SERVICE_MESSAGES.badSignIn],
      [{ ...input, user: ' ' }, SERVICE_MESSAGES.noUser],
      [{ ...input, password: '' }, SERVICE_MESSAGES.noPassword],
      [{ ...input, signIn: 'token', token: '' }, SERVICE_MESSAGES.noToken],
      [{ ...input, signIn: 'token', token: 'two words' }, SERVICE_MESSAGES.badToken],
      [null, SERVICE_MESSAGES.badUrl],
    ];
    for (const [given, message] of bad) expect(() => credentialsFrom(given)).toThrow(message);
    // Loopback may use plain http (a service on this computer); "none" carries no secret.
    expect(credentialsFrom({ serviceUrl: 'http://127.0.0.1:8042/dicom-web', signIn: 'none' })).toEqual({
      credentials: { serviceUrl: 'http://127.0.0.1:8042/dicom-web', auth: { kind: 'none' } },
      remember: false,
    });
  });
});
