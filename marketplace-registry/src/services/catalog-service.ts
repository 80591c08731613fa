import type { EntityManager, FilterQuery, MikroORM } from '@mikro-orm/core';
import semver from 'semver';
import type { ModuleManifest } from '@dogan/module-manifest';
import { DistTagSchema, PackageSchema, PackageVersionSchema, type Package, type PackageVersion, type Publisher } from '../db/entities.js';
import { RegistryErrors } from '../errors.js';
import { searchTerms } from '../search/normalize-text.js';
import type { TarballStore } from '../storage/tarball-store.js';
import { listingFields } from './package-listing.js';

export interface SearchQuery {
  q?: string;
  category?: string;
  /** Pricing models, any of: free, one_time, subscription, per_use. */
  pricing?: string[];
  /** Highest price in minor units; free modules always pass. */
  maxPrice?: number;
  publisher?: string;
  page: number;
  perPage: number;
}

/** A version as the API returns it; `tarball` is relative to the registry's base URL. */
export interface VersionView {
  id: string;
  version: string;
  publisher: { name: string; displayName: string; verified: boolean };
  manifest: ModuleManifest;
  integrity: string;
  signature: string;
  keyId: string;
  size: number;
  fileCount: number;
  unpackedSize: number;
  publishedAt: string;
  deprecated: string | null;
  yanked: boolean;
  yankReason: string | null;
  tarball: string;
}

const TAG = /^[a-z][a-z0-9-]{0,39}$/;

function publisherView(p: Publisher) {
  return { name: p.name, displayName: p.displayName, verified: p.verified };
}

function summary(pkg: Package) {
  return {
    id: pkg.id,
    version: pkg.latestVersion!,
    name: { en: pkg.nameEn, ar: pkg.nameAr },
    description: { en: pkg.descriptionEn, ar: pkg.descriptionAr },
    category: pkg.category,
    pricing: { model: pkg.pricingModel, amount: pkg.priceAmount },
    publisher: publisherView(pkg.publisher),
    updatedAt: pkg.updatedAt.toISOString(),
  };
}

export function versionView(v: PackageVersion): VersionView {
  return {
    id: v.pkg.id,
    version: v.version,
    publisher: publisherView(v.pkg.publisher),
    manifest: v.manifest as unknown as ModuleManifest,
    integrity: v.integrity,
    signature: v.signature,
    keyId: v.keyId,
    size: v.size,
    fileCount: v.fileCount,
    unpackedSize: Number(v.unpackedSize),
    publishedAt: v.publishedAt.toISOString(),
    deprecated: v.deprecated ?? null,
    yanked: Boolean(v.yankedAt),
    yankReason: v.yankReason ?? null,
    tarball: `v1/packages/${encodeURIComponent(v.pkg.id)}/versions/${encodeURIComponent(v.version)}/tarball`,
  };
}

/** Reading the catalog (search, metadata, downloads) and the changes a publisher may make after release. */
export class CatalogService {
  constructor(
    private readonly orm: MikroORM,
    private readonly store: TarballStore,
  ) {}

  private em(): EntityManager {
    return this.orm.em.fork();
  }

  async search(query: SearchQuery) {
    const and: Array<FilterQuery<Package>> = [{ latestVersion: { $ne: null } }];
    // Terms are letters and digits only (normalizeSearchText), so they cannot carry LIKE wildcards.
    for (const term of searchTerms(query.q ?? '')) and.push({ searchText: { $like: `%${term}%` } });
    if (query.category) and.push({ category: query.category });
    if (query.pricing?.length) and.push({ pricingModel: { $in: query.pricing } });
    if (query.maxPrice !== undefined) and.push({ priceAmount: { $lte: query.maxPrice } });
    if (query.publisher) and.push({ publisher: { name: query.publisher } });
    const [rows, total] = await this.em().findAndCount(PackageSchema, { $and: and } as FilterQuery<Package>, {
      populate: ['publisher'],
      orderBy: { updatedAt: 'desc', id: 'asc' },
      limit: query.perPage,
      offset: (query.page - 1) * query.perPage,
    });
    return { total, page: query.page, perPage: query.perPage, items: rows.map(summary) };
  }

  async package(id: string) {
    const em = this.em();
    const pkg = await this.requirePackage(em, id);
    const versions = await em.find(PackageVersionSchema, { pkg }, { orderBy: { id: 'asc' } });
    const tags = await em.find(DistTagSchema, { pkg });
    versions.sort((a, b) => semver.compare(a.version, b.version));
    return {
      id: pkg.id,
      publisher: publisherView(pkg.publisher),
      latest: pkg.latestVersion ? summary(pkg) : null,
      distTags: Object.fromEntries(tags.map((t) => [t.tag, t.version])),
      versions: versions.map((v) => ({
        version: v.version,
        integrity: v.integrity,
        publishedAt: v.publishedAt.toISOString(),
        deprecated: v.deprecated ?? null,
        yanked: Boolean(v.yankedAt),
      })),
    };
  }

  async version(id: string, version: string): Promise<VersionView> {
    return versionView(await this.requireVersion(this.em(), id, version));
  }

  /**
   * The version a new install should get: a dist-tag's version, or the highest version satisfying a
   * semver range. Yanked versions are never chosen (they stay downloadable by exact version).
   */
  async resolve(id: string, rangeOrTag: string): Promise<VersionView> {
    const em = this.em();
    const pkg = await this.requirePackage(em, id);
    const versions = await em.find(PackageVersionSchema, { pkg, yankedAt: null }, { populate: ['pkg.publisher'] });
    const tag = TAG.test(rangeOrTag) ? await em.findOne(DistTagSchema, { pkg, tag: rangeOrTag }) : null;
    if (tag) {
      const tagged = versions.find((v) => v.version === tag.version);
      if (!tagged) throw RegistryErrors.NO_MATCHING_VERSION(id, rangeOrTag);
      return versionView(tagged);
    }
    if (!semver.validRange(rangeOrTag)) throw RegistryErrors.RANGE_INVALID(rangeOrTag.slice(0, 100));
    const best = semver.maxSatisfying(versions.map((v) => v.version), rangeOrTag);
    if (!best) throw RegistryErrors.NO_MATCHING_VERSION(id, rangeOrTag);
    return versionView(versions.find((v) => v.version === best)!);
  }

  /** The archive of an exact version, yanked or not: tenants already running it must be able to reinstall. */
  async tarball(id: string, version: string): Promise<{ data: Buffer; integrity: string }> {
    const v = await this.requireVersion(this.em(), id, version);
    const data = await this.store.get(v.storageKey);
    if (!data) throw new Error(`archive ${v.storageKey} of ${id}@${version} is missing from storage`);
    return { data, integrity: v.integrity };
  }

  async deprecate(publisher: Publisher, id: string, version: string, message: string): Promise<VersionView> {
    return this.change(publisher, id, version, async (_em, v) => {
      v.deprecated = message;
    });
  }

  /** Yanks a version: never chosen for new installs again; if it was `latest`, the tag moves back. */
  async yank(publisher: Publisher, id: string, version: string, reason: string): Promise<VersionView> {
    return this.change(publisher, id, version, async (em, v) => {
      v.yankedAt ??= new Date();
      v.yankReason = reason;
      await em.flush();
      const latest = await em.findOne(DistTagSchema, { pkg: v.pkg, tag: 'latest' });
      if (latest?.version !== v.version) return;
      const candidates = await em.find(PackageVersionSchema, { pkg: v.pkg, yankedAt: null });
      const next = semver.maxSatisfying(candidates.map((c) => c.version), '*');
      if (!next) {
        em.remove(latest);
        v.pkg.latestVersion = null;
        return;
      }
      latest.version = next;
      const nextRow = candidates.find((c) => c.version === next)!;
      Object.assign(v.pkg, listingFields(nextRow.manifest as unknown as ModuleManifest, next));
    });
  }

  async setDistTag(publisher: Publisher, id: string, tag: string, version: string) {
    if (!TAG.test(tag) || semver.validRange(tag)) throw RegistryErrors.DIST_TAG_INVALID(`"${tag}" is not a tag name: lowercase letters, digits and dashes, not a version range`);
    await this.change(publisher, id, version, async (em, v) => {
      if (v.yankedAt) throw RegistryErrors.DIST_TAG_INVALID(`${id}@${version} is yanked and cannot be tagged`);
      const row = await em.findOne(DistTagSchema, { pkg: v.pkg, tag });
      if (row) row.version = version;
      else em.create(DistTagSchema, { pkg: v.pkg, tag, version });
      if (tag === 'latest') Object.assign(v.pkg, listingFields(v.manifest as unknown as ModuleManifest, version));
    });
    return (await this.package(id)).distTags;
  }

  private async change(publisher: Publisher, id: string, version: string, apply: (em: EntityManager, v: PackageVersion) => Promise<void>): Promise<VersionView> {
    const em = this.em();
    const v = await this.requireVersion(em, id, version);
    if (v.pkg.publisher.id !== publisher.id) throw RegistryErrors.PUBLISH_FORBIDDEN(publisher.name, publisher.name, id);
    await em.transactional(async (tx) => {
      const row = await tx.findOneOrFail(PackageVersionSchema, { id: v.id }, { populate: ['pkg.publisher'] });
      await apply(tx, row);
    });
    return this.version(id, version);
  }

  private async requirePackage(em: EntityManager, id: string): Promise<Package> {
    const pkg = await em.findOne(PackageSchema, { id }, { populate: ['publisher'] });
    if (!pkg) throw RegistryErrors.PACKAGE_NOT_FOUND(id);
    return pkg;
  }

  private async requireVersion(em: EntityManager, id: string, version: string): Promise<PackageVersion> {
    const v = await em.findOne(PackageVersionSchema, { pkg: id, version }, { populate: ['pkg.publisher'] });
    if (!v) {
      await this.requirePackage(em, id);
      throw RegistryErrors.VERSION_NOT_FOUND(id, version);
    }
    return v;
  }
}
