import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { RegistryClient, RegistryErrors } from '@dogan/marketplace-registry';
import { generatePublisherKeyPair, sha512Integrity, type ModuleManifest } from '@dogan/module-manifest';
import { buildPackageArchive } from '@dogan/sdk';
import { PackageVersionSchema } from '../../marketplace-registry/src/db/entities.js';
import { createPublisher, storedTarballs } from './helpers/publisher.js';
import { startTestRegistry } from './helpers/registry-server.js';
import { manifestFor, signedRelease, upload } from './helpers/releases.js';

t.test('the platform refuses packages changed after publish or after signing', async (t) => {
  const reg = await startTestRegistry(t);
  const acme = await createPublisher(reg.url, 'acme');
  const release = await signedRelease(acme.keys, manifestFor('acme.reminders', '1.0.0'));
  t.equal((await upload(reg.url, acme.token, 'acme.reminders', '1.0.0', release)).status, 201);
  const [stored] = storedTarballs(reg.dataDir);
  const original = readFileSync(stored!);
  const client = () => new RegistryClient({ baseUrl: reg.url, cacheDir: mkdtempSync(join(tmpdir(), 'dogan-cache-')) });

  await t.test('an intact package verifies', async (t) => {
    const pkg = await client().fetchVerified('acme.reminders', '1.0.0');
    t.equal(pkg.integrity, release.integrity);
    t.equal(pkg.keyId, acme.keys.keyId);
  });

  await t.test('a tarball altered after publish: MODULE_INTEGRITY_MISMATCH', async (t) => {
    const altered = Buffer.from(original);
    altered[altered.length - 10]! ^= 0xff;
    writeFileSync(stored!, altered);
    await t.rejects(client().fetchVerified('acme.reminders', '1.0.0'), { code: 'MODULE_INTEGRITY_MISMATCH' });
    writeFileSync(stored!, original);
  });

  await t.test('a manifest altered after signing (integrity recomputed): MODULE_SIGNATURE_INVALID', async (t) => {
    // The attacker widens the permissions and republishes the metadata consistently; only the
    // publisher's signature can tell.
    const widened: ModuleManifest = {
      ...release.manifest,
      permissions: [
        ...release.manifest.permissions,
        { name: 'exfil', kind: 'http', required: true, description: { en: 'x', ar: 'x' }, urls: ['https://evil.example/*'], methods: ['POST'] },
      ],
    };
    const { archive } = await buildPackageArchive({ manifest: widened, bundle: Buffer.from('export default {};\n'), readme: Buffer.from('# x\n') });
    writeFileSync(stored!, archive);
    const em = reg.registry.orm.em.fork();
    await em.nativeUpdate(PackageVersionSchema, { version: '1.0.0' }, { integrity: sha512Integrity(archive), manifest: widened as unknown as Record<string, unknown> });
    const err = await client().fetchVerified('acme.reminders', '1.0.0').catch((e: unknown) => e);
    t.ok(RegistryErrors.MODULE_SIGNATURE_INVALID.is(err), `refused: ${(err as Error).message}`);
    writeFileSync(stored!, original);
    await em.nativeUpdate(PackageVersionSchema, { version: '1.0.0' }, { integrity: release.integrity, manifest: release.manifest as unknown as Record<string, unknown> });
  });

  await t.test('a cached copy altered on disk is refused too', async (t) => {
    const c = client();
    const pkg = await c.fetchVerified('acme.reminders', '1.0.0');
    writeFileSync(pkg.tarballPath, Buffer.concat([readFileSync(pkg.tarballPath), Buffer.from('x')]));
    await t.rejects(c.fetchVerified('acme.reminders', '1.0.0'), { code: 'MODULE_INTEGRITY_MISMATCH' });
  });

  await t.test('pinned keys: a registry-listed key that is not pinned does not verify', async (t) => {
    const pinned = new RegistryClient({
      baseUrl: reg.url,
      cacheDir: mkdtempSync(join(tmpdir(), 'dogan-cache-')),
      trustedKeys: { acme: [generatePublisherKeyPair().publicKeyPem] },
    });
    await t.rejects(pinned.fetchVerified('acme.reminders', '1.0.0'), { code: 'MODULE_SIGNATURE_INVALID' });
    const right = new RegistryClient({ baseUrl: reg.url, cacheDir: mkdtempSync(join(tmpdir(), 'dogan-cache-')), trustedKeys: { acme: [acme.keys.publicKeyPem] } });
    t.equal((await right.fetchVerified('acme.reminders', '1.0.0')).version, '1.0.0');
  });

  await t.test('unknown modules keep the registry code', async (t) => {
    await t.rejects(client().fetchVerified('acme.nothing', '1.0.0'), { code: 'PACKAGE_NOT_FOUND' });
    await t.rejects(client().fetchVerified('acme.reminders', '9.9.9'), { code: 'VERSION_NOT_FOUND' });
  });
});
