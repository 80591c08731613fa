/**
 * Where things are inside a module package (`.tgz`). The CLI writes this layout, the registry and the
 * platform read it; one definition keeps the three in step.
 */
export const PACKAGE_ROOT = 'package/';
export const MANIFEST_FILE = 'manifest.json';
export const BUNDLE_FILE = 'module.js';
export const README_FILE = 'README.md';
/** `{ "algorithm": "sha512", "files": { "<path>": "sha512-..." } }` for every other file of the package. */
export const CHECKSUMS_FILE = 'checksums.json';

/** Files every package must contain (paths relative to {@link PACKAGE_ROOT}). */
export const REQUIRED_FILES = [MANIFEST_FILE, BUNDLE_FILE, README_FILE, CHECKSUMS_FILE] as const;

/** The contents of `checksums.json`. */
export interface PackageChecksums {
  readonly algorithm: 'sha512';
  readonly files: Readonly<Record<string, string>>;
}

/** The conventional file name of a packed module. */
export function packageFileName(id: string, version: string): string {
  return `${id}-${version}.tgz`;
}
