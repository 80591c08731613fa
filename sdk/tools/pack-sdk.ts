/**
 * `npm run sdk:pack [-- --out <dir>]`: packs the module author's packages as npm tarballs, so the SDK
 * installs outside this repository as it will from a registry: `@dogan/sdk` (defineModule and the
 * CLI), `@dogan/module-manifest` (the module format), and `@dogan/module-testing` with the platform
 * packages its local platform runs (runtime, tenants, the modules and erpnext plugins). Prints what to run next.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// Each package's folder, in dependency order (what the next one needs is packed first).
export const SDK_WORKSPACES = ['sdk/manifest', 'sdk', 'runtime', 'tenants', 'plugins/modules', 'plugins/erpnext', 'sdk/testing'] as const;

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = resolve(values.out ?? join(REPO, 'dist', 'sdk'));
mkdirSync(out, { recursive: true });
// Tarballs of an earlier pack would be listed by `init --packages` beside the new ones.
for (const old of readdirSync(out)) if (/^dogan-.*\.tgz$/.test(old)) rmSync(join(out, old));

// The packages ship their compiled dist/ (JavaScript, source maps, declarations): bring it up to date.
execFileSync(process.execPath, [join(REPO, 'build.mjs')], { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] });

for (const [i, workspace] of SDK_WORKSPACES.entries()) {
  process.stdout.write(`[${i + 1}/${SDK_WORKSPACES.length}] packing ${workspace} ... `);
  const report = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', out, '--workspace', workspace], { cwd: REPO, encoding: 'utf8' })) as Array<{ filename: string; size: number }>;
  const packed = report[0]!;
  process.stdout.write(`${packed.filename} (${(packed.size / 1024).toFixed(1)} KiB)\n`);
}

process.stdout.write(`
The SDK is packed in ${out}
Next, in a folder of your own (outside this repository):
  npx --yes --package ${join(out, 'dogan-sdk-0.1.0.tgz')} --package ${join(out, 'dogan-module-manifest-0.1.0.tgz')} dogan-module init acme.hello --packages ${out}
  cd hello && npm install && npm run typecheck && npm test
`);
