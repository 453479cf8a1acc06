// The review service the app sends to and its sign-in details. The secret lives in this process only: the page
// gets the address, the kind of sign-in and the user name, never the password or token. Where the host can
// keep secrets safely (the desktop app: Electron's safeStorage, see main/electron/credentials.ts), details
// the person chose to remember are kept encrypted; otherwise they last for this session.
import type { ServiceInput, ServiceSettings, ServiceState, SignIn } from '../../shared/send-types';
import { displayUrl, parseServiceUrl, ServiceUrlError } from '../core/upload/service-url';
import type { StowAuth } from '../core/upload/stow-client';
import { PlainError } from './plain-error';

export interface ServiceCredentials {
  serviceUrl: string;
  auth: StowAuth;
}

/** Encrypted keeping of one service's credentials on this computer. */
export interface CredentialStore {
  /** Whether the operating system offers encryption now; saving is refused without it. */
  available(): boolean;
  save(c: ServiceCredentials): Promise<void>;
  load(): Promise<ServiceCredentials | undefined>;
  clear(): Promise<void>;
}

export const SERVICE_MESSAGES = {
  badUrl: 'Please type the review service address, starting with https://',
  noUser: 'Please type the user name the review service gave you.',
  userColon: 'A user name cannot contain ":". Please check it.',
  noPassword: 'Please type the password the review service gave you.',
  noToken: 'Please paste the access token the review service gave you.',
  badToken: 'The access token should be one line of letters, digits and signs, without spaces.',
  badSignIn: 'Please choose how you sign in to the review service.',
  noEncryption:
    'This computer offers no secure place to keep the password, so ClearDisc will ask for it each time instead of saving it.',
  unreadable: 'The saved sign-in details could not be read; please enter them again.',
  notSaved:
    'The sign-in details could not be saved on this computer; they will be asked for again next time.',
} as const;

const SIGN_INS: readonly SignIn[] = ['none', 'password', 'token'];
const LIMIT = 4096;

function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Checks what the page sent (untrusted) and turns it into credentials; throws PlainError with what to fix. */
export function credentialsFrom(input: unknown): { credentials: ServiceCredentials; remember: boolean } {
  const i = (input && typeof input === 'object' ? input : {}) as Partial<Record<keyof ServiceInput, unknown>>;
  const rawUrl = text(i.serviceUrl).trim();
  if (!rawUrl || rawUrl.length > LIMIT) throw new PlainError(SERVICE_MESSAGES.badUrl);
  let serviceUrl: string;
  try {
    serviceUrl = displayUrl(parseServiceUrl(rawUrl));
  } catch (err) {
    // Its sentences are about the address the person typed (scheme, host), never about a patient.
    if (err instanceof ServiceUrlError) throw new PlainError(err.message);
    throw err;
  }
  const signIn = i.signIn as SignIn;
  if (!SIGN_INS.includes(signIn)) throw new PlainError(SERVICE_MESSAGES.badSignIn);
  let auth: StowAuth = { kind: 'none' };
  if (signIn === 'password') {
    const user = text(i.user).trim();
    const password = text(i.password);
    if (!user || user.length > 256) throw new PlainError(SERVICE_MESSAGES.noUser);
    if (user.includes(':')) throw new PlainError(SERVICE_MESSAGES.userColon);
    if (!password || password.length > LIMIT) throw new PlainError(SERVICE_MESSAGES.noPassword);
    auth = { kind: 'basic', user, password };
  } else if (signIn === 'token') {
    const token = text(i.token).trim();
    if (!token || token.length > 16 * LIMIT) throw new PlainError(SERVICE_MESSAGES.noToken);
    if (!/^[\x21-\x7e]+$/.test(token)) throw new PlainError(SERVICE_MESSAGES.badToken);
    auth = { kind: 'bearer', token };
  }
  return { credentials: { serviceUrl, auth }, remember: i.remember === true };
}

function settingsOf(c: ServiceCredentials, remembered: boolean): ServiceSettings {
  const signIn: SignIn = c.auth.kind === 'basic' ? 'password' : c.auth.kind === 'bearer' ? 'token' : 'none';
  return {
    serviceUrl: c.serviceUrl,
    signIn,
    ...(c.auth.kind === 'basic' ? { user: c.auth.user } : {}),
    remembered,
  };
}

export interface ServiceKeeper {
  state(): Promise<ServiceState>;
  set(input: unknown): Promise<ServiceState>;
  forget(): Promise<ServiceState>;
  /** The credentials to send with; undefined until set. */
  credentials(): Promise<ServiceCredentials | undefined>;
}

/** `store` absent (a browser session): details are kept for this session only. */
export function createServiceKeeper(store?: CredentialStore): ServiceKeeper {
  let current: ServiceCredentials | undefined;
  let remembered = false;
  // A problem to tell the person once (unreadable saved details, a failed save): never swallowed.
  let notice: string | undefined;
  let loaded: Promise<void> | undefined;

  const load = () =>
    (loaded ??= (async () => {
      if (!store) return;
      try {
        current = await store.load();
        remembered = Boolean(current);
      } catch {
        notice = SERVICE_MESSAGES.unreadable;
      }
    })());

  const canRemember = () => Boolean(store?.available());
  const state = (): ServiceState => {
    const s: ServiceState = {
      service: current ? settingsOf(current, remembered) : null,
      canRemember: canRemember(),
    };
    if (notice) {
      s.notice = notice;
      notice = undefined;
    }
    return s;
  };

  return {
    async state() {
      await load();
      return state();
    },
    async set(input) {
      await load();
      const { credentials, remember } = credentialsFrom(input);
      current = credentials;
      remembered = false;
      if (store && remember && canRemember()) {
        try {
          await store.save(credentials);
          remembered = true;
        } catch {
          notice = SERVICE_MESSAGES.notSaved;
        }
      } else {
        if (remember) notice = SERVICE_MESSAGES.noEncryption;
        // Details saved earlier must not outlive the person's choice not to keep these ones.
        await store?.clear();
      }
      return state();
    },
    async forget() {
      await load();
      current = undefined;
      remembered = false;
      await store?.clear();
      return state();
    },
    async credentials() {
      await load();
      return current;
    },
  };
}
