import { EntitySchema } from '@mikro-orm/core';

/** An account that publishes modules under `<name>.*`. `verified` is set by the registry admin. */
export interface Publisher {
  id: number;
  name: string;
  displayName: string;
  verified: boolean;
  createdAt: Date;
}

/** A publisher API token: only its SHA-256 is stored; `prefix` identifies it in lists. */
export interface PublisherToken {
  id: number;
  publisher: Publisher;
  hash: string;
  prefix: string;
  createdAt: Date;
  revokedAt?: Date | null;
}

/** A registered Ed25519 public key; `keyId` is `SHA256:<base64url of the SPKI DER hash>`. */
export interface PublisherKey {
  id: number;
  publisher: Publisher;
  keyId: string;
  publicKeyPem: string;
  createdAt: Date;
  revokedAt?: Date | null;
}

/** A module; its listing columns copy the manifest of the `latest` version, for search. */
export interface Package {
  id: string;
  publisher: Publisher;
  latestVersion?: string | null;
  nameEn: string;
  nameAr: string;
  descriptionEn: string;
  descriptionAr: string;
  category: string;
  pricingModel: string;
  priceAmount: number;
  /** Normalized English and Arabic text that search matches against. */
  searchText: string;
  createdAt: Date;
  updatedAt: Date;
}

/** One immutable release. Rows are never deleted, so a version number can never be reused. */
export interface PackageVersion {
  id: number;
  pkg: Package;
  version: string;
  manifest: Record<string, unknown>;
  integrity: string;
  signature: string;
  keyId: string;
  storageKey: string;
  size: number;
  fileCount: number;
  unpackedSize: number;
  publishedAt: Date;
  deprecated?: string | null;
  yankedAt?: Date | null;
  yankReason?: string | null;
}

export interface DistTag {
  id: number;
  pkg: Package;
  tag: string;
  version: string;
}

const id = { type: 'integer', primary: true, autoincrement: true } as const;
const created = { type: 'datetime', onCreate: () => new Date() } as const;

export const PublisherSchema = new EntitySchema<Publisher>({
  name: 'Publisher',
  tableName: 'registry_publishers',
  properties: {
    id,
    name: { type: 'string', length: 39, unique: true },
    displayName: { type: 'string', length: 100 },
    verified: { type: 'boolean', default: false },
    createdAt: created,
  },
});

export const PublisherTokenSchema = new EntitySchema<PublisherToken>({
  name: 'PublisherToken',
  tableName: 'registry_publisher_tokens',
  properties: {
    id,
    publisher: { kind: 'm:1', entity: 'Publisher', deleteRule: 'cascade' },
    hash: { type: 'string', length: 64, unique: true },
    prefix: { type: 'string', length: 16 },
    createdAt: created,
    revokedAt: { type: 'datetime', nullable: true },
  },
});

export const PublisherKeySchema = new EntitySchema<PublisherKey>({
  name: 'PublisherKey',
  tableName: 'registry_publisher_keys',
  properties: {
    id,
    publisher: { kind: 'm:1', entity: 'Publisher', deleteRule: 'cascade' },
    keyId: { type: 'string', length: 60, unique: true },
    publicKeyPem: { type: 'text' },
    createdAt: created,
    revokedAt: { type: 'datetime', nullable: true },
  },
});

export const PackageSchema = new EntitySchema<Package>({
  name: 'Package',
  tableName: 'registry_packages',
  properties: {
    id: { type: 'string', primary: true, length: 102 },
    publisher: { kind: 'm:1', entity: 'Publisher' },
    latestVersion: { type: 'string', length: 64, nullable: true },
    nameEn: { type: 'string', length: 80 },
    nameAr: { type: 'string', length: 80 },
    descriptionEn: { type: 'text' },
    descriptionAr: { type: 'text' },
    category: { type: 'string', length: 40, index: true },
    pricingModel: { type: 'string', length: 20, index: true },
    priceAmount: { type: 'integer', default: 0 },
    searchText: { type: 'text' },
    createdAt: created,
    updatedAt: { type: 'datetime', onCreate: () => new Date(), onUpdate: () => new Date(), index: true },
  },
});

export const PackageVersionSchema = new EntitySchema<PackageVersion>({
  name: 'PackageVersion',
  tableName: 'registry_package_versions',
  uniques: [{ properties: ['pkg', 'version'] }],
  properties: {
    id,
    pkg: { kind: 'm:1', entity: 'Package' },
    version: { type: 'string', length: 64 },
    manifest: { type: 'json' },
    integrity: { type: 'string', length: 100 },
    signature: { type: 'string', length: 100 },
    keyId: { type: 'string', length: 60 },
    storageKey: { type: 'string', length: 300 },
    size: { type: 'integer' },
    fileCount: { type: 'integer' },
    unpackedSize: { type: 'integer' },
    publishedAt: created,
    deprecated: { type: 'text', nullable: true },
    yankedAt: { type: 'datetime', nullable: true },
    yankReason: { type: 'text', nullable: true },
  },
});

export const DistTagSchema = new EntitySchema<DistTag>({
  name: 'DistTag',
  tableName: 'registry_dist_tags',
  uniques: [{ properties: ['pkg', 'tag'] }],
  properties: {
    id,
    pkg: { kind: 'm:1', entity: 'Package' },
    tag: { type: 'string', length: 40 },
    version: { type: 'string', length: 64 },
  },
});

export const registryEntities = [PublisherSchema, PublisherTokenSchema, PublisherKeySchema, PackageSchema, PackageVersionSchema, DistTagSchema];
