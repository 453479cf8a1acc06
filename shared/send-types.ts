import type { ReasonCode } from './reasons';

/** How the review service checks who is sending. */
export type SignIn = 'none' | 'password' | 'token';

/** The review service the app sends to, as the page may see it: never the password or token. */
export interface ServiceSettings {
  /** The DICOMweb base address, e.g. https://review.example/dicom-web */
  serviceUrl: string;
  signIn: SignIn;
  /** The user name, for signIn 'password'. */
  user?: string;
  /** Kept (encrypted by the operating system) on this computer; false: for this session only. */
  remembered: boolean;
}

export interface ServiceState {
  service: ServiceSettings | null;
  /** Whether this computer can keep sign-in details safely (the desktop app); a browser session cannot. */
  canRemember: boolean;
  /** Something the person should know about the saved details (could not be read, or not saved). */
  notice?: string;
}

/** What the page sends to set the review service. The secret crosses once and is never sent back. */
export interface ServiceInput {
  serviceUrl: string;
  signIn: SignIn;
  user?: string;
  password?: string;
  token?: string;
  /** Keep the details on this computer (only where canRemember). */
  remember: boolean;
}

/** What to send: the disc or folder and the studies chosen on it (original Study Instance UIDs). */
export interface SendRequest {
  source: string;
  studies: string[];
}

/** 'review': prepared and waiting for the person to look at what will leave, and say send or not. */
export type SendPhase = 'reading' | 'preparing' | 'review' | 'sending' | 'confirming' | 'done' | 'stopped';

/** One attribute of a prepared image, as it will be sent. */
export interface PreviewAttribute {
  /** "(0010,0010)" */
  tag: string;
  /** "Patient Name"; "Private" or "Unknown" where the dictionary has no name. */
  name: string;
  /** The value as text; binary data is described by its size. */
  value: string;
  /** 0 at the top; 1 inside a sequence's item, and so on. */
  depth: number;
}

/** What will leave this computer, shown before anything is sent. */
export interface SendPreview {
  studies: Array<SentStudy & { bytes: number }>;
  leftOut: LeftOut[];
  /** Names of free-text attributes kept (cleaned), for the person to look at. */
  keptFreeText: string[];
  /** Every attribute of one prepared image of each study. */
  samples: Array<{ study: string; attributes: PreviewAttribute[] }>;
}

/** Left out of the upload, counted per reason. */
export interface LeftOut {
  reason: ReasonCode;
  count: number;
}

export interface SentStudy {
  description: string;
  modalities: string[];
  images: number;
}

/** Where one send stands; the page polls it. Nothing in it names the patient. */
export interface SendStatus {
  phase: SendPhase;
  /** The case code the review service knows this upload by (set once preparing starts). */
  caseCode?: string;
  /** Images prepared or sent so far, in the current phase. */
  done: number;
  total: number;
  bytesDone: number;
  bytesTotal: number;
  /** Seconds left at the current rate, while sending. */
  etaSeconds?: number;
  /** phase 'review': what will leave this computer. */
  preview?: SendPreview;
  /** phase 'stopped': one plain sentence saying what went wrong and what to do. */
  message?: string;
  /** phase 'done', or 'stopped' after the upload ran. */
  result?: {
    /** Every image stored at the service and confirmed by it. */
    complete: boolean;
    stored: number;
    failed: number;
    studies: SentStudy[];
    leftOut: LeftOut[];
    /** The readable receipt on this computer (receipt.html in the job folder). */
    receipt?: string;
  };
}
