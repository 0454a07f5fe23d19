#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx); see docs/decisions.md, "The command line".
require('tsx/cjs');
const { main } = require('../cli/main.ts');

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
