import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MODULE_ID_PATTERN } from '@dogan/module-manifest';
import { readModuleManifest } from '../../pack/pack-module.js';
import { CliError, registryToken, registryUrl, type CliContext } from '../cli-context.js';
import { RegistryApi } from '../registry-api.js';

function moduleId(ctx: CliContext, flag: string | undefined): string {
  const id = flag ?? (existsSync(join(ctx.cwd, 'manifest.json')) ? readModuleManifest(ctx.cwd).id : undefined);
  if (!id || !new RegExp(MODULE_ID_PATTERN).test(id)) throw new CliError('name the module: run inside its folder or pass --id <publisher.name>');
  return id;
}

/** `whoami`: the publisher the token belongs to. */
export async function whoamiCommand(ctx: CliContext, flags: { registry?: string }): Promise<void> {
  const me = await new RegistryApi(registryUrl(ctx, flags.registry), registryToken(ctx)).whoami();
  ctx.out(`${me.name} (${me.displayName})${me.verified ? ' verified' : ''}`);
  for (const key of me.keys) ctx.out(`  key ${key.keyId}`);
}

/** `versions [--id <publisher.name>]`: every published version, with tags, deprecations and yanks. */
export async function versionsCommand(ctx: CliContext, flags: { registry?: string; id?: string }): Promise<void> {
  const id = moduleId(ctx, flags.id);
  const pkg = await new RegistryApi(registryUrl(ctx, flags.registry)).versions(id);
  const tags = Object.entries(pkg.distTags);
  for (const v of pkg.versions) {
    const marks = [
      ...tags.filter(([, tv]) => tv === v.version).map(([t]) => t),
      ...(v.yanked ? ['yanked'] : []),
      ...(v.deprecated ? [`deprecated: ${v.deprecated}`] : []),
    ];
    ctx.out(`${v.version}  ${v.publishedAt}${marks.length ? `  (${marks.join(', ')})` : ''}`);
  }
}

/** `deprecate <version> --message <text> [--id <publisher.name>]`: warns installers; the version stays installable. */
export async function deprecateCommand(ctx: CliContext, positionals: string[], flags: { registry?: string; id?: string; message?: string }): Promise<void> {
  const version = positionals[0];
  if (!version || !flags.message) throw new CliError('usage: dogan-module deprecate <version> --message "why, and what to use instead"');
  const id = moduleId(ctx, flags.id);
  await new RegistryApi(registryUrl(ctx, flags.registry), registryToken(ctx)).deprecate(id, version, flags.message);
  ctx.out(`deprecated ${id}@${version}`);
}
