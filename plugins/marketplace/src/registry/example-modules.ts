import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import type { RegistryApp } from '@dogan/marketplace-registry';
import { generatePublisherKeyPair, sha512Integrity, signRelease, type ModuleManifest, type PublisherKeyPair } from '@dogan/module-manifest';
import type { Logger } from 'pino';
import type * as SdkModule from '@dogan/sdk';

/** The SDK, loaded only to pack an example whose sources changed since the build (it holds some 20 MiB). */
type Sdk = typeof SdkModule;

/** The publisher of the modules that ship with Dogan (sdk/examples). */
export const PLATFORM_PUBLISHER = 'dogan';
const EXAMPLES = new URL('../../../../sdk/examples/', import.meta.url).pathname;

const mtime = (file: string) => (existsSync(file) ? statSync(file).mtimeMs : -1);

/** The newest modification time under a folder. */
function newest(dir: string): number {
  let latest = -1;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : mtime(path));
  }
  return latest;
}

/**
 * The example's package and the manifest it holds: the ones `npm run build` packed (`dist/package.tgz`)
 * when they are newer than the sources, so the platform loads neither the SDK nor esbuild; otherwise
 * (sources edited since) built and packed now with the SDK, whose esbuild service is stopped again after.
 */
async function examplePackage(dir: string): Promise<{ manifest: ModuleManifest; archive: Buffer }> {
  const archive = join(dir, 'dist', 'package.tgz');
  const packedManifest = join(dir, 'dist', 'package.manifest.json');
  const sources = Math.max(mtime(join(dir, 'manifest.json')), mtime(join(dir, 'README.md')), newest(join(dir, 'src')));
  if (Math.min(mtime(archive), mtime(packedManifest)) >= sources) {
    return { manifest: JSON.parse(readFileSync(packedManifest, 'utf8')) as ModuleManifest, archive: readFileSync(archive) };
  }
  const sdk: Sdk = await import('@dogan/sdk');
  try {
    const manifest = sdk.readModuleManifest(dir);
    const bundle = readFileSync((await sdk.buildModule(dir)).outfile);
    return { manifest, archive: (await sdk.buildPackageArchive({ manifest, bundle, readme: readFileSync(join(dir, 'README.md')) })).archive };
  } finally {
    await sdk.stopBuildService();
  }
}

function platformKey(dataDir: string): PublisherKeyPair {
  const file = join(dataDir, 'platform-publisher.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as PublisherKeyPair;
  const pair = generatePublisherKeyPair();
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(pair), { mode: 0o600 });
  return pair;
}

async function ensurePublisher(registry: RegistryApp, key: PublisherKeyPair) {
  const em = registry.orm.em.fork();
  let publisher = await em.findOne('Publisher', { name: PLATFORM_PUBLISHER });
  if (!publisher) {
    // Another node starting on the same registry database may create it first: then theirs is used.
    await registry.publishers.create(PLATFORM_PUBLISHER, 'Dogan').catch(async (err: unknown) => {
      if (!(await em.fork().findOne('Publisher', { name: PLATFORM_PUBLISHER }))) throw err;
    });
    await registry.publishers.setVerified(PLATFORM_PUBLISHER, true);
    publisher = await em.fork().findOne('Publisher', { name: PLATFORM_PUBLISHER });
  }
  const view = await registry.publishers.view(PLATFORM_PUBLISHER);
  const hasKey = (keys: Array<{ keyId: string }>) => keys.some((k) => k.keyId === key.keyId);
  if (!hasKey(view.keys)) {
    // A node starting beside this one on the same data dir may add the same key first.
    await registry.publishers.addKey(PLATFORM_PUBLISHER, key.publicKeyPem).catch(async (err: unknown) => {
      if (!hasKey((await registry.publishers.view(PLATFORM_PUBLISHER)).keys)) throw err;
    });
  }
  return publisher!;
}

/**
 * Publishes the example modules (sdk/examples/*) to the embedded registry, signed with the platform's
 * own publisher key, unless that version is already there: the quick start's marketplace is never
 * empty, and the demo tenant can install the notes module through the same verified path as any other.
 */
export async function publishExampleModules(registry: RegistryApp, dataDir: string, log: Logger): Promise<string[]> {
  if (!existsSync(EXAMPLES)) return [];
  const key = platformKey(dataDir);
  const publisher = await ensurePublisher(registry, key);
  const published: string[] = [];
  for (const name of readdirSync(EXAMPLES)) {
    const dir = join(EXAMPLES, name);
    if (!existsSync(join(dir, 'manifest.json'))) continue;
    try {
      const { id, version } = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { id: string; version: string };
      const exists = await registry.catalog.version(id, version).then(() => true, () => false);
      if (exists) continue;
      const { manifest, archive } = await examplePackage(dir);
      const signature = signRelease(createPrivateKey(key.privateKeyPem), sha512Integrity(archive), manifest);
      await registry.publishing.publish({ publisher: publisher as never, id: manifest.id, version: manifest.version, tarball: archive, signature, keyId: key.keyId });
      log.info({ moduleId: manifest.id, version: manifest.version }, 'example module published to the embedded registry');
      published.push(`${manifest.id}@${manifest.version}`);
    } catch (err) {
      // A broken example must not stop the platform; it is reported and skipped.
      log.warn({ err, example: name }, 'could not publish an example module');
    }
  }
  return published;
}
