#!/usr/bin/env node
// `npx dogan-module`: the compiled CLI. tsx is registered for the module author's own TypeScript (its
// tests, `dogan-module test` / `dev`), not for the SDK, which is plain JavaScript in dist/. It calls the
// CLI itself rather than relying on an "am I the entry script" check, which fails through the
// node_modules/.bin symlink npx runs (the CLI then printed nothing and exited 0).
import { register } from 'tsx/esm/api';

process.setSourceMapsEnabled(true);
register();
const { runDoganModuleCli } = await import('../dist/cli/dogan-module.js');
process.exitCode = await runDoganModuleCli(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
