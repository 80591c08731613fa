#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx dogan-module` works without a build step. It calls the
// CLI itself rather than relying on an "am I the entry script" check, which fails through the
// node_modules/.bin symlink npx runs (the CLI then printed nothing and exited 0).
import { register } from 'tsx/esm/api';

register();
const { runDoganModuleCli } = await import('../src/cli/dogan-module.ts');
process.exitCode = await runDoganModuleCli(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
