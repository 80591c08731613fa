import type { MikroORM } from '@mikro-orm/core';
import semver from 'semver';
import { MANIFEST_FILE, MODULE_ID_PATTERN, formatManifestProblems, sha512Integrity, validateManifest, verifyRelease, type ModuleManifest } from '@dogan/module-manifest';
import { DistTagSchema, PackageSchema, PackageVersionSchema, type Publisher } from '../db/entities.js';
import { RegistryErrors } from '../errors.js';
import { inspectTarball, type InspectLimits } from '../inspect/inspect-tarball.js';
import type { TarballStore } from '../storage/tarball-store.js';
import { listingFields } from './package-listing.js';
import type { PublisherService } from './publisher-service.js';

export interface PublishRequest {
  readonly publisher: Publisher;
  readonly id: string;
  readonly version: string;
  readonly tarball: Buffer;
  readonly signature: string;
  readonly keyId: string;
  readonly tag?: string;
}

export interface PublishResult {
  readonly id: string;
  readonly version: string;
  readonly integrity: string;
  readonly tag: string;
}

const MODULE_ID = new RegExp(MODULE_ID_PATTERN);

function parseManifest(bytes: Buffer | undefined): ModuleManifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes?.toString('utf8') ?? '');
  } catch (err) {
    throw RegistryErrors.MANIFEST_INVALID(`${MANIFEST_FILE} is not JSON (${(err as Error).message})`);
  }
  const result = validateManifest(parsed);
  if (!result.ok) throw RegistryErrors.MANIFEST_INVALID.with({ errors: result.problems }, formatManifestProblems(result.problems));
  if (result.manifest.version.includes('+')) {
    const problems = [{ field: 'version', message: 'must not carry build metadata ("+..."): it does not make a new version' }];
    throw RegistryErrors.MANIFEST_INVALID.with({ errors: problems }, formatManifestProblems(problems));
  }
  return result.manifest;
}

/**
 * Accepts a release only when everything checks out, and stores nothing otherwise: ownership,
 * immutability, archive safety, manifest, signature by a registered key; then the archive, then
 * the rows in one transaction (the archive is removed again if the transaction fails).
 */
export class PublishService {
  constructor(
    private readonly orm: MikroORM,
    private readonly store: TarballStore,
    private readonly publishers: PublisherService,
    private readonly limits: InspectLimits,
  ) {}

  async publish(req: PublishRequest): Promise<PublishResult> {
    const owner = req.publisher.name;
    if (!MODULE_ID.test(req.id)) throw RegistryErrors.UPLOAD_INVALID(`"${req.id}" is not a module id (publisher.name)`);
    if (req.id.split('.')[0] !== owner) throw RegistryErrors.PUBLISH_FORBIDDEN(owner, owner, req.id);
    await this.refuseExisting(req.id, req.version);

    const inspected = await inspectTarball(req.tarball, this.limits);
    const manifest = parseManifest(inspected.contents.get(MANIFEST_FILE));
    if (manifest.id !== req.id || manifest.version !== req.version) {
      throw RegistryErrors.VERSION_MISMATCH(req.id, req.version, manifest.id, manifest.version);
    }
    const integrity = sha512Integrity(req.tarball);
    const key = await this.publishers.key(owner, req.keyId);
    if (!key) throw RegistryErrors.SIGNING_KEY_NOT_REGISTERED(req.keyId.slice(0, 60), owner);
    if (!verifyRelease(key.publicKeyPem, integrity, manifest, req.signature)) throw RegistryErrors.SIGNATURE_INVALID(key.keyId);

    const tag = req.tag ?? (semver.prerelease(manifest.version) ? 'next' : 'latest');
    const digest = Buffer.from(integrity.slice('sha512-'.length), 'base64').toString('hex').slice(0, 32);
    const storageKey = `${req.id}/${req.version}/${digest}.tgz`;
    const { created } = await this.store.put(storageKey, req.tarball);
    try {
      await this.record(req, manifest, { integrity, storageKey, tag, fileCount: inspected.fileCount, unpackedSize: inspected.unpackedSize });
    } catch (err) {
      if (created) await this.store.delete(storageKey);
      if (/unique|duplicate/i.test(String((err as Error).message))) throw RegistryErrors.VERSION_EXISTS(req.id, req.version);
      throw err;
    }
    return { id: req.id, version: req.version, integrity, tag };
  }

  private async refuseExisting(id: string, version: string): Promise<void> {
    const existing = await this.orm.em.fork().findOne(PackageVersionSchema, { pkg: id, version });
    if (existing) throw RegistryErrors.VERSION_EXISTS(id, version);
  }

  private async record(
    req: PublishRequest,
    manifest: ModuleManifest,
    info: { integrity: string; storageKey: string; tag: string; fileCount: number; unpackedSize: number },
  ): Promise<void> {
    await this.orm.em.fork().transactional(async (em) => {
      let pkg = await em.findOne(PackageSchema, { id: req.id });
      const now = new Date();
      if (!pkg) {
        pkg = em.create(PackageSchema, { id: req.id, publisher: req.publisher.id as never, ...listingFields(manifest, manifest.version), latestVersion: null, createdAt: now, updatedAt: now });
      }
      em.create(PackageVersionSchema, {
        pkg,
        version: manifest.version,
        manifest: manifest as unknown as Record<string, unknown>,
        integrity: info.integrity,
        signature: req.signature,
        keyId: req.keyId,
        storageKey: info.storageKey,
        size: req.tarball.length,
        fileCount: info.fileCount,
        unpackedSize: info.unpackedSize,
        publishedAt: now,
      });
      const current = await em.findOne(DistTagSchema, { pkg, tag: info.tag });
      const moveTag = !current || info.tag !== 'latest' || semver.gt(manifest.version, current.version);
      if (current && moveTag) current.version = manifest.version;
      if (!current) em.create(DistTagSchema, { pkg, tag: info.tag, version: manifest.version });
      if (info.tag === 'latest' && moveTag) Object.assign(pkg, listingFields(manifest, manifest.version), { updatedAt: now });
    });
  }
}
