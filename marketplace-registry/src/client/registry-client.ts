import { DoganError, type ErrorSpec } from '@dogan/runtime';
import { MODULE_ID_PATTERN, publicKeyId, type ModuleManifest } from '@dogan/module-manifest';
import { RegistryErrors } from '../errors.js';
import type { InspectLimits } from '../inspect/inspect-tarball.js';
import type { VersionView } from '../services/catalog-service.js';
import { PackageCache } from './package-cache.js';
import { verifyPackage } from './verify-package.js';

export interface RegistryClientOptions {
  /** The registry's base URL, with its prefix: `https://registry.example.com/` or `http://host/registry`. */
  readonly baseUrl: string;
  /** Folder for verified archives. */
  readonly cacheDir: string;
  /**
   * Public keys (SPKI PEM) to trust per publisher. A publisher listed here is verified against these
   * alone, so a compromised registry cannot substitute its keys; others use the keys the registry lists.
   */
  readonly trustedKeys?: Readonly<Record<string, readonly string[]>>;
  /** Largest archive to download; defaults to 10 MiB. */
  readonly maxTarballBytes?: number;
  /** Limits of the in-memory inspection; default 1,000 entries and 50 MiB. */
  readonly limits?: InspectLimits;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

/** A release whose integrity and signature were verified. */
export interface VerifiedPackage {
  readonly id: string;
  readonly version: string;
  readonly integrity: string;
  readonly keyId: string;
  readonly manifest: ModuleManifest;
  /** Every file of the package by path (relative to `package/`), held in memory, never unpacked. */
  readonly files: ReadonlyMap<string, Buffer>;
  /** The verified archive in the cache. */
  readonly tarballPath: string;
  readonly fromCache: boolean;
}

const MODULE_ID = new RegExp(MODULE_ID_PATTERN);
const VERSION = /^[0-9A-Za-z.-]{5,64}$/;

/**
 * The platform's client of the registry: metadata, resolution and verified downloads. Nothing a
 * caller receives from `fetchVerified` has skipped the SHA-512 and signature checks.
 */
export class RegistryClient {
  private readonly base: string;
  private readonly cache: PackageCache;
  private readonly fetchImpl: typeof fetch;
  private readonly limits: InspectLimits;

  constructor(private readonly options: RegistryClientOptions) {
    this.base = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
    this.cache = new PackageCache(options.cacheDir);
    this.fetchImpl = options.fetch ?? fetch;
    this.limits = options.limits ?? { maxFiles: 1000, maxUnpackedBytes: 50 * 1024 * 1024 };
  }

  private async request(path: string): Promise<Response> {
    let res: Response;
    try {
      res = await this.fetchImpl(new URL(path, this.base), { signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000) });
    } catch (err) {
      throw RegistryErrors.REGISTRY_UNAVAILABLE(this.base, (err as Error).message);
    }
    if (res.ok) return res;
    const problem = (await res.json().catch(() => ({}))) as { code?: string; title?: string; detail?: string };
    // Keep the registry's own code (PACKAGE_NOT_FOUND, ...) so the install API can answer with it.
    if (problem.code && problem.code in RegistryErrors) {
      const spec: ErrorSpec = { status: res.status, title: problem.title ?? problem.code, message: '%s' };
      throw new DoganError(problem.code, spec, problem.detail ?? problem.code);
    }
    throw RegistryErrors.MODULE_DOWNLOAD_FAILED(`${path}: the registry answered ${res.status}`);
  }

  private async json<T>(path: string): Promise<T> {
    return (await (await this.request(path)).json()) as T;
  }

  private static check(id: string, version?: string): void {
    if (!MODULE_ID.test(id)) throw RegistryErrors.PACKAGE_NOT_FOUND(id.slice(0, 102));
    if (version !== undefined && !VERSION.test(version)) throw RegistryErrors.VERSION_NOT_FOUND(id, version.slice(0, 64));
  }

  search(query: Record<string, string | number | undefined> = {}): Promise<{ total: number; items: Array<Record<string, unknown>> }> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    return this.json(`v1/packages?${params}`);
  }

  package(id: string): Promise<Record<string, unknown>> {
    RegistryClient.check(id);
    return this.json(`v1/packages/${id}`);
  }

  version(id: string, version: string): Promise<VersionView> {
    RegistryClient.check(id, version);
    return this.json(`v1/packages/${id}/versions/${version}`);
  }

  /** The version a new install gets for a range or dist-tag; yanked versions are never chosen. */
  resolve(id: string, range = 'latest'): Promise<VersionView> {
    RegistryClient.check(id);
    return this.json(`v1/packages/${id}/resolve?range=${encodeURIComponent(range)}`);
  }

  private async publisherKey(publisher: string, keyId: string): Promise<string | undefined> {
    const pinned = this.options.trustedKeys?.[publisher];
    if (pinned) {
      return pinned.find((pem) => publicKeyId(pem) === keyId);
    }
    const view = await this.json<{ keys: Array<{ keyId: string; publicKey: string }> }>(`v1/publishers/${publisher}`);
    return view.keys.find((k) => k.keyId === keyId)?.publicKey;
  }

  private async download(meta: VersionView): Promise<Buffer> {
    const res = await this.request(meta.tarball);
    const max = this.options.maxTarballBytes ?? 10 * 1024 * 1024;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > max) throw RegistryErrors.MODULE_DOWNLOAD_FAILED(`${meta.id}@${meta.version} is larger than ${max} bytes`);
      chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  }

  /**
   * Downloads (or reads from the cache) an exact version and verifies it: SHA-512 against the
   * published integrity (`MODULE_INTEGRITY_MISMATCH`), then the publisher's signature
   * (`MODULE_SIGNATURE_INVALID`). Only then is it cached and returned.
   */
  async fetchVerified(id: string, version: string): Promise<VerifiedPackage> {
    const meta = await this.version(id, version);
    const expected = { id, version, integrity: meta.integrity, signature: meta.signature, keyId: meta.keyId, publisher: meta.publisher.name };
    const key = await this.publisherKey(meta.publisher.name, meta.keyId);
    const cached = await this.cache.read(id, version, meta.integrity);
    const data = cached?.data ?? (await this.download(meta));
    const { manifest, files } = await verifyPackage(data, expected, key, this.limits);
    const tarballPath = cached?.path ?? (await this.cache.write(id, version, meta.integrity, data));
    return { id, version, integrity: meta.integrity, keyId: meta.keyId, manifest, files, tarballPath, fromCache: Boolean(cached) };
  }
}
