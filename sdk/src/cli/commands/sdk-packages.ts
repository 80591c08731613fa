import { existsSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError } from '../cli-context.js';

// `npm pack` names a scoped package's tarball `<scope>-<name>-<version>.tgz`.
const TARBALL = /^dogan-(.+)-(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\.tgz$/;

/**
 * The generated module's devDependencies for the SDK packed into `dir` by `npm run sdk:pack`: every
 * `@dogan/*` tarball there as an absolute `file:` spec (the module folder can move). All of them, because
 * the SDK's own `@dogan/*` dependencies are not on a public registry either; npm takes a root
 * dependency of the right version for each of them.
 */
export function packedSdkDependencies(cwd: string, dir: string): Record<string, string> {
  const folder = resolve(cwd, dir);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new CliError(`--packages: ${folder} is not a folder; run "npm run sdk:pack" in the Dogan checkout, which prints it`);
  const specs: Record<string, string> = {};
  for (const file of readdirSync(folder).sort()) {
    const match = TARBALL.exec(file);
    if (match) specs[`@dogan/${match[1]}`] = `file:${resolve(folder, file)}`;
  }
  for (const needed of ['@dogan/sdk', '@dogan/module-testing']) {
    if (!specs[needed]) throw new CliError(`--packages: ${folder} holds no ${needed} tarball; run "npm run sdk:pack" in the Dogan checkout`);
  }
  return specs;
}
