#!/usr/bin/env node
// The command-line interface runs the compiled core: `npm run build` first.
'use strict';
const path = require('node:path');
let cli;
try {
  cli = require(path.join(__dirname, '..', 'dist', 'main', 'cli', 'main.js'));
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND') {
    process.stderr.write('cleardisc: not built yet. Run `npm run build` in the project folder first.\n');
    process.exit(2);
  }
  throw err;
}
cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
