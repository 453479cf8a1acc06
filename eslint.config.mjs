// ESLint flat config: typescript-eslint "recommended" (syntax only, not type-aware, so `eslint .` stays fast)
// plus the import boundaries that keep the layers apart:
//   - electron may be imported only by main/electron/** (and tests that use `import type`);
//   - main/core/** never reaches into main/app/**, main/electron/** or renderer/**;
//   - main/app/** (the API both hosts serve) never reaches into main/electron/**, main/serve/** or renderer/**;
//   - renderer/** imports only renderer/** and shared/** (plus npm packages such as react), never main/**;
//   - shared/** is the types contract between them and imports only shared/**.
import * as path from 'node:path';
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

const ROOT = import.meta.dirname;

// The few Node globals our plain .js/.mjs files use (the `globals` package is not a dependency).
const NODE_GLOBALS = Object.fromEntries(
  [
    'process',
    'console',
    'Buffer',
    '__dirname',
    '__filename',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    'URL',
    'AbortController',
  ].map((g) => [g, 'readonly']),
);

const ELECTRON_MESSAGE =
  'Only main/electron/** may import electron: main/core, main/app, main/cli, shared and renderer must run without it.';
const electronImports = {
  paths: [{ name: 'electron', message: ELECTRON_MESSAGE }],
  patterns: [{ group: ['electron/*'], message: ELECTRON_MESSAGE }],
};

/**
 * Which repository folders (relative to the root, '/'-separated) a layer may not reach with a relative
 * import, an `export … from`, `import x = require()`, `require()` or `import()`. Specifiers are resolved
 * against the importing file, so `../../renderer/x` is caught however deep the importer sits, and a folder
 * that merely happens to be called `main` or `electron` is not.
 */
const BOUNDARIES = [
  {
    from: 'main/core/',
    forbidden: ['main/app', 'main/electron', 'main/serve', 'main/cli', 'renderer'],
    message: 'main/core is plain Node: it must not import the app, its hosts or the renderer.',
  },
  {
    from: 'main/app/',
    forbidden: ['main/electron', 'main/serve', 'main/cli', 'renderer'],
    message:
      'main/app serves both hosts: it must not import the Electron shell, the HTTP host or the renderer.',
  },
  {
    from: 'renderer/',
    allowedOnly: ['renderer', 'shared'],
    message: 'The renderer may import only renderer/** and shared/** (talk to the app through ClearDiscApi).',
  },
  {
    from: 'shared/',
    allowedOnly: ['shared'],
    message: 'shared/ is the types contract: it may import only shared/**.',
  },
];

const within = (rel, dir) => rel === dir || rel.startsWith(dir + '/');

const boundaryRule = {
  meta: {
    type: 'problem',
    docs: {
      description: 'Keeps main/core, main/electron, renderer and shared apart (see eslint.config.mjs).',
    },
    schema: [],
  },
  create(context) {
    const file = path.relative(ROOT, context.filename).split(path.sep).join('/');
    const layer = BOUNDARIES.find((b) => file.startsWith(b.from));
    // import('electron'), as a call or a type, is seen by neither no-restricted-imports nor
    // no-restricted-modules: catch it here.
    const electronBanned = ['main/core/', 'main/app/', 'main/cli/', 'shared/', 'renderer/'].some((p) =>
      file.startsWith(p),
    );

    const check = (node, spec, electronToo) => {
      if (typeof spec !== 'string') return;
      if (electronToo && electronBanned && (spec === 'electron' || spec.startsWith('electron/'))) {
        context.report({ node, message: ELECTRON_MESSAGE });
        return;
      }
      if (!layer || !(spec.startsWith('./') || spec.startsWith('../') || spec === '.' || spec === '..'))
        return;
      const target = path
        .relative(ROOT, path.resolve(path.dirname(context.filename), spec))
        .split(path.sep)
        .join('/');
      const bad = layer.forbidden
        ? layer.forbidden.some((d) => within(target, d))
        : !layer.allowedOnly.some((d) => within(target, d));
      if (bad) context.report({ node, message: `${layer.message} (imports ${target})` });
    };
    const literal = (n) => (n && n.type === 'Literal' ? n.value : undefined);

    return {
      ImportDeclaration: (n) => check(n, n.source.value, false),
      ExportNamedDeclaration: (n) => n.source && check(n, n.source.value, false),
      ExportAllDeclaration: (n) => check(n, n.source.value, false),
      ImportExpression: (n) => check(n, literal(n.source), true),
      TSImportEqualsDeclaration: (n) =>
        n.moduleReference.type === 'TSExternalModuleReference' &&
        check(n, literal(n.moduleReference.expression), false),
      TSImportType: (n) => check(n, literal(n.argument?.literal ?? n.argument), true),
      CallExpression: (n) =>
        n.callee.type === 'Identifier' &&
        n.callee.name === 'require' &&
        n.arguments.length === 1 &&
        check(n, literal(n.arguments[0]), false),
    };
  },
};

export default defineConfig(
  globalIgnores([
    '**/node_modules/**',
    'dist/**',
    'out/**',
    'coverage/**',
    'renderer/dist/**',
    '**/*.generated.json',
    '.cleardisc-tmp/**',
  ]),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    plugins: { cleardisc: { rules: { boundaries: boundaryRule } } },
    rules: {
      'cleardisc/boundaries': 'error',
      // `_`-prefixed names are deliberately unused (placeholders in signatures and destructuring).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['main/core/**', 'main/app/**', 'main/cli/**', 'shared/**', 'renderer/**'],
    rules: {
      // Static imports, `export … from` and `import x = require()`; allowTypeImports stays false on purpose.
      '@typescript-eslint/no-restricted-imports': ['error', electronImports],
      // require() calls (deprecated in core ESLint but still the rule that covers them).
      'no-restricted-modules': ['error', { paths: electronImports.paths, patterns: ['electron/*'] }],
    },
  },
  {
    // The renderer runs sandboxed in a browser context: no Node built-ins. (Its tsconfig sees @types/node
    // through vite.config.ts, so tsc would not catch `process` and friends.)
    files: ['renderer/src/**'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...[
          'process',
          'require',
          'module',
          'Buffer',
          'global',
          '__dirname',
          '__filename',
          'setImmediate',
        ].map((name) => ({
          name,
          message: 'The renderer runs in a sandboxed browser context: no Node globals.',
        })),
      ],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          ...electronImports,
          patterns: [
            ...electronImports.patterns,
            {
              regex: '^node:',
              message: 'The renderer runs in a sandboxed browser context: no Node built-ins.',
            },
          ],
        },
      ],
    },
  },
  {
    // DIACRITIC is a class of lone combining marks matched one code point at a time (with the u flag); the
    // rule reads adjacent marks as one "combined character", a false positive here.
    files: ['main/core/dicom/charset.ts'],
    rules: { 'no-misleading-character-class': 'off' },
  },
  {
    // Plain CommonJS scripts run by Node.
    files: ['bin/*.js', 'scripts/*.js', 'jest.config.js'],
    languageOptions: { sourceType: 'commonjs', globals: NODE_GLOBALS },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: NODE_GLOBALS },
  },
);
