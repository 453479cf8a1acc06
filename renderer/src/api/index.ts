import type { ClearDiscApi } from '../../../shared/api';
import { createHttpClient } from './http-client';

declare global {
  interface Window {
    /** Set by the Electron preload script; absent when the page is served to a browser. */
    cleardisc?: ClearDiscApi;
  }
}

/** True inside the desktop app, where a native folder picker is available. */
export const isDesktop = (): boolean => typeof window !== 'undefined' && window.cleardisc !== undefined;

export function getApi(): ClearDiscApi {
  return window.cleardisc ?? createHttpClient();
}
