import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { CSP_META } from '../shared/csp';

// Folder of this file; Vite fills in import.meta.dirname when it bundles the config.
const here = (import.meta as ImportMeta & { dirname: string }).dirname;

// Only in the built page: the dev server's hot reload needs an inline script the policy would block.
const contentSecurityPolicy = (): Plugin => ({
  name: 'cleardisc-csp',
  apply: 'build',
  // Right after <meta charset>, so the policy is in force before the first <script> is parsed.
  transformIndexHtml: (html) => {
    const out = html.replace(
      /<meta charset="UTF-8" \/>/,
      (m) => `${m}\n    <meta http-equiv="Content-Security-Policy" content="${CSP_META}" />`,
    );
    if (out === html) throw new Error('renderer/index.html: <meta charset="UTF-8" /> not found for the CSP');
    return out;
  },
});

export default defineConfig({
  root: here,
  base: './',
  plugins: [react(), contentSecurityPolicy()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The page is loaded from file:// by Electron: one script and one stylesheet, no module preloading.
    modulePreload: false,
    sourcemap: false,
  },
  server: { strictPort: true },
});
