#!/usr/bin/env node
'use strict';
// A closed pipe (einvoice ... | head) ends the output, not the process with a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
let cli;
try {
  cli = require('../dist/shared/cli/main.js');
} catch (error) {
  if (error.code !== 'MODULE_NOT_FOUND' || !String(error.message).includes('dist/shared/cli/main.js'))
    throw error;
  process.stderr.write(
    "einvoice: the CLI is not built yet: run 'npm run build' (npm install does it) first\n",
  );
  process.exit(1);
}
cli.main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`einvoice: ${error && error.stack ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
