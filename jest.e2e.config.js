// End-to-end tests (tests/e2e): the built page in system Chromium, against `cleardisc serve` in-process.
// Run after `npm run build`:  npx jest -c jest.e2e.config.js
// Same SWC transform as jest.config.js (which leaves tests/e2e out).
/* global module, require */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests/e2e'],
  testMatch: ['**/*.e2e.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  transform: base.transform,
  // One browser at a time; every test cleans up its own browser and server.
  maxWorkers: 1,
  testTimeout: 60000,
};
