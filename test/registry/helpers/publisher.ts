import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { generatePublisherKeyPair, type PublisherKeyPair } from '@dogan/module-manifest';
import { TEST_REGISTRY_ADMIN_TOKEN } from './registry-server.js';
import { call } from './releases.js';

/** Creates a publisher through the admin API and registers a fresh key with its token. */
export async function createPublisher(base: string, name: string): Promise<{ token: string; keys: PublisherKeyPair }> {
  const created = await call(base, 'POST', 'v1/admin/publishers', TEST_REGISTRY_ADMIN_TOKEN, { name, displayName: `${name} Ltd` });
  if (created.status !== 201) throw new Error(`creating ${name}: ${JSON.stringify(created.body)}`);
  const token = created.body.token as string;
  const keys = generatePublisherKeyPair();
  const reg = await call(base, 'POST', 'v1/publishers/me/keys', token, { publicKey: keys.publicKeyPem });
  if (reg.status !== 201) throw new Error(`registering key: ${JSON.stringify(reg.body)}`);
  return { token, keys };
}

/** Every file under the registry's tarball store, to prove a refusal stored nothing. */
export function storedTarballs(dataDir: string): string[] {
  const root = join(dataDir, 'tarballs');
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}
