import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { MODULE_ID_PATTERN } from '../../manifest/schema.js';
import { CliError, type CliContext } from '../cli-context.js';
import { moduleTemplate } from '../templates/module-template.js';

/** `init <publisher.name> [--dir <folder>]`: a new module folder that builds as generated. */
export async function initCommand(ctx: CliContext, positionals: string[], flags: { dir?: string }): Promise<void> {
  const id = positionals[0];
  if (!id || !new RegExp(MODULE_ID_PATTERN).test(id)) {
    throw new CliError('usage: dogan-module init <publisher.name>  (lowercase, e.g. "acme.notes": your publisher name, a dot, the module name)');
  }
  const dir = resolve(ctx.cwd, flags.dir ?? id.split('.')[1]!);
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new CliError(`${dir} exists and is not empty; choose another --dir`);
  for (const [path, content] of Object.entries(moduleTemplate(id))) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
    ctx.out(`  created ${relative(ctx.cwd, target)}`);
  }
  ctx.out(`module ${id} is ready in ${relative(ctx.cwd, dir) || '.'}; next: cd into it and run "dogan-module build"`);
}
