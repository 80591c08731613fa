import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkBundleHandlers } from '../build/bundle-handlers.js';
import { locateJsonError, formatManifestProblems, validateManifest, canonicalJson, sha512Integrity, BUNDLE_FILE, CHECKSUMS_FILE, MANIFEST_FILE, PACKAGE_ROOT, README_FILE, packageFileName } from '@dogan/module-manifest';
import type { ModuleManifest, PackageChecksums } from '@dogan/module-manifest';
import { deterministicTgz, type PackFile } from './deterministic-tgz.js';

/** A packed module: where the archive is and what identifies it. */
export interface PackedModule {
  readonly path: string;
  readonly manifest: ModuleManifest;
  /** `sha512-...` of the archive bytes. */
  readonly integrity: string;
  readonly size: number;
  readonly files: readonly string[];
}

/** The module's manifest from `<dir>/manifest.json`, validated; throws with every problem named. */
export function readModuleManifest(dir: string): ModuleManifest {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) throw new Error(`no ${MANIFEST_FILE} in ${dir}; is this a module folder? ("dogan-module init" makes one)`);
  const text = readFileSync(path, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    const at = locateJsonError(text, err as Error);
    throw new Error(`${path}:${at.line}:${at.column}: is not valid JSON: ${at.reason}\n${at.excerpt}`);
  }
  const result = validateManifest(parsed);
  if (!result.ok) throw new Error(`${path} is invalid: ${formatManifestProblems(result.problems)}`);
  return result.manifest;
}

function requireFile(path: string, hint: string): Buffer {
  if (!existsSync(path)) throw new Error(`${path} is missing; ${hint}`);
  return readFileSync(path);
}

/** The parts of a package, in memory. */
export interface PackageParts {
  readonly manifest: ModuleManifest;
  readonly bundle: Uint8Array;
  readonly readme: Uint8Array;
  /** Required when the manifest names an icon. */
  readonly icon?: Uint8Array;
}

/**
 * The package archive of `parts`: the manifest as canonical JSON (formatting never changes the
 * bytes), the bundle, README.md, the icon and checksums.json, as a deterministic `.tgz`.
 */
export async function buildPackageArchive(parts: PackageParts): Promise<{ archive: Buffer; files: string[] }> {
  const contents = new Map<string, Uint8Array>([
    [MANIFEST_FILE, Buffer.from(canonicalJson(parts.manifest) + '\n')],
    [BUNDLE_FILE, parts.bundle],
    [README_FILE, parts.readme],
  ]);
  if (parts.manifest.icon) {
    if (!parts.icon) throw new Error(`the manifest names icon "${parts.manifest.icon}" but no icon was given`);
    contents.set(parts.manifest.icon, parts.icon);
  }
  const checksums: PackageChecksums = {
    algorithm: 'sha512',
    files: Object.fromEntries([...contents].map(([name, data]) => [name, sha512Integrity(data)])),
  };
  contents.set(CHECKSUMS_FILE, Buffer.from(canonicalJson(checksums) + '\n'));
  const files: PackFile[] = [...contents].map(([name, content]) => ({ path: PACKAGE_ROOT + name, content }));
  return { archive: await deterministicTgz(files), files: [...contents.keys()].sort() };
}

/**
 * Packs `<dir>` into `<dir>/dist/<id>-<version>.tgz` from manifest.json, dist/module.js (the build),
 * README.md and the icon. The same inputs always give a byte-identical archive. Refuses a bundle
 * that lacks a handler the manifest names (the manifest may have changed since the build).
 */
export async function packModule(dir: string): Promise<PackedModule> {
  const manifest = readModuleManifest(dir);
  const bundlePath = join(dir, 'dist', BUNDLE_FILE);
  const bundle = requireFile(bundlePath, 'run "dogan-module build" first');
  await checkBundleHandlers(manifest, bundlePath);
  const { archive, files } = await buildPackageArchive({
    manifest,
    bundle,
    readme: requireFile(join(dir, README_FILE), 'tenants read it in the marketplace; write one'),
    icon: manifest.icon ? requireFile(join(dir, manifest.icon), 'the manifest names it as "icon"') : undefined,
  });
  mkdirSync(join(dir, 'dist'), { recursive: true });
  const path = join(dir, 'dist', packageFileName(manifest.id, manifest.version));
  writeFileSync(path, archive);
  return { path, manifest, integrity: sha512Integrity(archive), size: archive.length, files };
}
