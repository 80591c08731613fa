import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { buildModule } from '../../build/build-module.js';
import { publicKeyId, readPrivateKey, signRelease } from '@dogan/module-manifest';
import { CliError, kib, keyBase, registryToken, registryUrl, since, type CliContext } from '../cli-context.js';
import { RegistryApi } from '../registry-api.js';
import { packForRelease } from './pack.js';

export interface PublishFlags {
  registry?: string;
  key?: string;
  tag?: string;
  'no-build'?: boolean;
}

/** `publish`: build, pack, sign with the publisher's key, upload. Versions are immutable: bump to republish. */
export async function publishCommand(ctx: CliContext, flags: PublishFlags): Promise<void> {
  const start = performance.now();
  const token = registryToken(ctx);
  if (!flags['no-build']) {
    ctx.out('building ...');
    try {
      await buildModule(ctx.cwd);
    } catch (err) {
      throw new CliError((err as Error).message);
    }
  }
  const packed = await packForRelease(ctx);
  const { id, version } = packed.manifest;
  const keyPath = flags.key ?? `${keyBase(ctx, id.split('.')[0]!)}.key`;
  let privateKey;
  try {
    privateKey = readPrivateKey(keyPath);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const keyId = publicKeyId(createPublicKey(privateKey));
  ctx.out(`signing with ${keyId} ...`);
  const signature = signRelease(privateKey, packed.integrity, packed.manifest);
  const registry = registryUrl(ctx, flags.registry);
  ctx.out(`uploading ${kib(packed.size)} to ${registry} ...`);
  const result = await new RegistryApi(registry, token).publish(id, version, readFileSync(packed.path), signature, keyId, flags.tag);
  ctx.out(`published ${result.id}@${result.version} (${result.integrity.slice(0, 24)}...) in ${since(start)}`);
}
