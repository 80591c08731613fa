import type { MikroORM } from '@mikro-orm/core';
import semver from 'semver';
import type { RegistryClient } from '@dogan/marketplace-registry';
import type { ModuleManifest } from '@dogan/module-manifest';
import { ModuleInstallSchema, ModulePurchaseSchema, type ModuleInstallRecord } from '../entities.js';
import { visibleStatus } from '../install/operation-claims.js';

export type Language = 'ar' | 'en';

interface RegistrySummary {
  id: string;
  version: string;
  name: { en: string; ar: string };
  description: { en: string; ar: string };
  category: string;
  pricing: { model: string; amount: number };
  publisher: { name: string; displayName: string; verified: boolean };
}

export interface CatalogQuery {
  q?: string;
  category?: string;
  pricing?: string;
  maxPrice?: number;
  page: number;
  perPage: number;
}

/**
 * The marketplace as one tenant sees it: the registry's modules with that tenant's status for each
 * (available, purchased, installed version, update available) and the permissions each asks for,
 * in the tenant's language. Version manifests are immutable, so they are cached for good.
 */
export class CatalogService {
  private readonly manifests = new Map<string, ModuleManifest>();

  constructor(
    private readonly client: RegistryClient,
    private readonly controlPlane: MikroORM,
  ) {}

  async manifest(id: string, version: string): Promise<ModuleManifest> {
    const key = `${id}@${version}`;
    let m = this.manifests.get(key);
    if (!m) {
      m = (await this.client.version(id, version)).manifest;
      if (this.manifests.size > 5_000) this.manifests.clear();
      this.manifests.set(key, m);
    }
    return m;
  }

  private entry(summary: RegistrySummary, manifest: ModuleManifest, lang: Language, install: ModuleInstallRecord | undefined, purchased: boolean) {
    const state = visibleStatus(install);
    const installedVersion = state === 'installed' || state === 'disabled' ? install!.version : null;
    // `installing` while an install's hook runs; a claim whose node died reads as what was there before.
    const status = state === 'installed' || state === 'disabled' || state === 'installing' ? state : purchased ? 'purchased' : 'available';
    return {
      id: summary.id,
      name: summary.name[lang],
      description: summary.description[lang],
      category: summary.category,
      latestVersion: summary.version,
      pricing: manifest.pricing,
      publisher: summary.publisher,
      status,
      installedVersion,
      updateAvailable: Boolean(installedVersion && semver.gt(summary.version, installedVersion)),
      permissions: manifest.permissions.map((p) => ({ name: p.name, kind: p.kind, required: p.required, description: p.description[lang] })),
    };
  }

  private async tenantState(tenantId: string) {
    const em = this.controlPlane.em.fork();
    const installs = new Map((await em.find(ModuleInstallSchema, { tenantId })).map((r) => [r.moduleId, r]));
    const purchases = new Set((await em.find(ModulePurchaseSchema, { tenantId })).map((p) => p.moduleId));
    return { installs, purchases };
  }

  async list(tenantId: string, query: CatalogQuery, lang: Language) {
    const found = (await this.client.search({ ...query })) as unknown as { total: number; items: RegistrySummary[] };
    const { installs, purchases } = await this.tenantState(tenantId);
    const items = [];
    for (const s of found.items) items.push(this.entry(s, await this.manifest(s.id, s.version), lang, installs.get(s.id), purchases.has(s.id)));
    return { total: found.total, page: query.page, perPage: query.perPage, items };
  }

  async one(tenantId: string, moduleId: string, lang: Language) {
    const pkg = (await this.client.package(moduleId)) as unknown as { latest: RegistrySummary | null; versions: Array<{ version: string; yanked: boolean; deprecated: string | null }> };
    const latest = pkg.latest;
    if (!latest) return null;
    const { installs, purchases } = await this.tenantState(tenantId);
    return {
      ...this.entry(latest, await this.manifest(moduleId, latest.version), lang, installs.get(moduleId), purchases.has(moduleId)),
      versions: pkg.versions.filter((v) => !v.yanked).map((v) => ({ version: v.version, deprecated: v.deprecated })),
    };
  }
}
