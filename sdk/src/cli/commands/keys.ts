import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PUBLISHER_NAME_PATTERN, generatePublisherKeyPair, writeKeyPair } from '@dogan/module-manifest';
import { CliError, keyBase, registryToken, registryUrl, type CliContext } from '../cli-context.js';
import { RegistryApi } from '../registry-api.js';

/** The publisher of the module in the working folder, or the `--publisher` flag. */
export function publisherName(ctx: CliContext, flag: string | undefined): string {
  let name = flag;
  const manifestPath = join(ctx.cwd, 'manifest.json');
  if (!name && existsSync(manifestPath)) {
    const id = (JSON.parse(readFileSync(manifestPath, 'utf8')) as { id?: unknown }).id;
    if (typeof id === 'string') name = id.split('.')[0];
  }
  if (!name || !new RegExp(PUBLISHER_NAME_PATTERN).test(name)) {
    throw new CliError('name the publisher: run inside a module folder or pass --publisher <name>');
  }
  return name;
}

/**
 * `keys [--publisher <name>] [--register]`: a new Ed25519 key pair in $DOGAN_HOME/keys (private key
 * mode 0600); `--register` sends the public key to the registry with your publisher token.
 */
export async function keysCommand(ctx: CliContext, flags: { publisher?: string; register?: boolean; registry?: string }): Promise<void> {
  const publisher = publisherName(ctx, flags.publisher);
  const pair = generatePublisherKeyPair();
  let paths: { privateKeyPath: string; publicKeyPath: string };
  try {
    paths = writeKeyPair(keyBase(ctx, publisher), pair);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  ctx.out(`private key ${paths.privateKeyPath} (mode 0600: keep it secret, back it up)`);
  ctx.out(`public key  ${paths.publicKeyPath}`);
  ctx.out(`key id      ${pair.keyId}`);
  if (flags.register) {
    const api = new RegistryApi(registryUrl(ctx, flags.registry), registryToken(ctx));
    ctx.out('registering the public key with the registry ...');
    const { keyId } = await api.registerKey(pair.publicKeyPem);
    ctx.out(`registered ${keyId} for publisher ${publisher}`);
  } else {
    ctx.out('register it with "dogan-module keys --register" or send the .pub file to the registry admin');
  }
}
