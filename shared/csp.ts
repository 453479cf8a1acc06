/**
 * The page's Content Security Policy: our own files only, no inline script or style, no network beyond the
 * page's own origin. One policy for the desktop window's response header, `cleardisc serve`'s header and the
 * <meta> tag the renderer build adds. A <meta> policy cannot carry `frame-ancestors` (browsers ignore it
 * there), so that directive is only in the headers.
 */
const DIRECTIVES = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
];

/** For a Content-Security-Policy response header. */
export const CSP_HEADER = [...DIRECTIVES, "frame-ancestors 'none'"].join('; ');

/** For <meta http-equiv="Content-Security-Policy">. */
export const CSP_META = DIRECTIVES.join('; ');
