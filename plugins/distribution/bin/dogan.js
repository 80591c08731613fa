#!/usr/bin/env node
// `npx dogan`: the compiled CLI (built by `npm ci`'s prepare step, or `npm run build`). Stack traces
// name the TypeScript sources through the source maps next to the compiled files.
process.setSourceMapsEnabled(true);
await import('../dist/cli/dogan.js');
