import { relative } from 'node:path';
import { packModule, type PackedModule } from '../../pack/pack-module.js';
import { CliError, kib, type CliContext } from '../cli-context.js';

/** Packs the built module; shared by `pack` and `publish`. */
export async function packForRelease(ctx: CliContext): Promise<PackedModule> {
  try {
    ctx.out('packing manifest, bundle, README, icon and checksums ...');
    const packed = await packModule(ctx.cwd);
    ctx.out(`packed ${relative(ctx.cwd, packed.path)} (${kib(packed.size)}, ${packed.files.length} files) ${packed.integrity.slice(0, 24)}...`);
    return packed;
  } catch (err) {
    throw err instanceof CliError ? err : new CliError((err as Error).message);
  }
}

/** `pack`: a deterministic `.tgz` in dist/. */
export async function packCommand(ctx: CliContext): Promise<void> {
  await packForRelease(ctx);
}
