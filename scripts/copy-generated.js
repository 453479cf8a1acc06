#!/usr/bin/env node
// Copies every main/**/*.generated.json to the same place under dist/, next to the compiled code that
// loads it. tsc emits only the JSON files it sees imported; the core may also read some at run time.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function* generated(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* generated(p);
    else if (e.isFile() && e.name.endsWith('.generated.json')) yield p;
  }
}

let n = 0;
for (const src of generated(path.join(root, 'main'))) {
  const dest = path.join(root, 'dist', path.relative(root, src));
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.copyFileSync(src, dest);
  n++;
}
if (n === 0) {
  process.stderr.write('copy-generated: no main/**/*.generated.json found; run `npm run generate`.\n');
  process.exit(1);
}
