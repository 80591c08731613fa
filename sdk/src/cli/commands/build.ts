import { relative } from 'node:path';
import { buildCheckedModule } from '../../build/build-module.js';
import { readModuleManifest } from '../../pack/pack-module.js';
import { CliError, kib, since, type CliContext } from '../cli-context.js';

/** `build`: validates manifest.json, bundles src/index.ts into dist/module.js and checks it exports every handler named. */
export async function buildCommand(ctx: CliContext): Promise<void> {
  const start = performance.now();
  try {
    ctx.out('checking manifest.json ...');
    const manifest = readModuleManifest(ctx.cwd);
    ctx.out(`bundling ${manifest.id}@${manifest.version} from src/index.ts ...`);
    const result = await buildCheckedModule(ctx.cwd, manifest);
    ctx.out(`built ${relative(ctx.cwd, result.outfile)} (${kib(result.bytes)}) in ${since(start)}`);
  } catch (err) {
    throw err instanceof CliError ? err : new CliError((err as Error).message);
  }
}
