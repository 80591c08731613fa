import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { MODULE_ID_PATTERN } from '@dogan/module-manifest';
import { CliError, type CliContext } from '../cli-context.js';
import { moduleTemplate } from '../templates/module-template.js';
import { packedSdkDependencies } from './sdk-packages.js';

/**
 * `init <publisher.name> [--dir <folder>] [--packages <dir>]`: a new module folder that installs,
 * type-checks, builds and tests as generated; `--packages` takes the SDK from packed tarballs.
 */
export async function initCommand(ctx: CliContext, positionals: string[], flags: { dir?: string; packages?: string }): Promise<void> {
  const id = positionals[0];
  if (!id || !new RegExp(MODULE_ID_PATTERN).test(id)) {
    throw new CliError('usage: dogan-module init <publisher.name>  (lowercase, e.g. "acme.notes": your publisher name, a dot, the module name)');
  }
  const dir = resolve(ctx.cwd, flags.dir ?? id.split('.')[1]!);
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new CliError(`${dir} exists and is not empty; choose another --dir`);
  const sdk = flags.packages ? packedSdkDependencies(ctx.cwd, flags.packages) : undefined;
  for (const [path, content] of Object.entries(moduleTemplate(id, sdk))) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
    ctx.out(`  created ${relative(ctx.cwd, target)}`);
  }
  ctx.out(`module ${id} is ready in ${relative(ctx.cwd, dir) || '.'}; next: cd into it and run "npm install", then "npm test"`);
}
