import { register } from 'node:module';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isModuleTestSuite, type ModuleTestSuite } from '@dogan/sdk/testing';

/**
 * Two resolve rules for a module's test files, which live outside this package:
 * - `@dogan/sdk` and `@dogan/sdk/testing` mean the SDK that is running, so a test imports the same
 *   `defineModuleTests` the harness reads, wherever the module folder is (usually without
 *   `node_modules/@dogan/sdk`). The file URL goes on down the chain, so tsx loads it as TypeScript.
 * - A TypeScript file outside `node_modules` is ESM: a module folder without a package.json (or without
 *   `"type": "module"`) would otherwise make Node load `test/x.test.ts` as CommonJS, which tsx's ESM
 *   hooks do not compile. Module code is ESM by definition (the bundle is).
 */
const SDK_ENTRIES = {
  '@dogan/sdk': import.meta.resolve('@dogan/sdk'),
  '@dogan/sdk/testing': import.meta.resolve('@dogan/sdk/testing'),
};

let resolverInstalled = false;

function installSdkResolver(): void {
  if (resolverInstalled) return;
  resolverInstalled = true;
  const source = `const entries = ${JSON.stringify(SDK_ENTRIES)};
export async function resolve(specifier, context, next) {
  const resolved = await next(entries[specifier] ?? specifier, context);
  const esm = resolved.format === 'commonjs' && /\\.(m?ts|tsx)$/.test(new URL(resolved.url).pathname) && !resolved.url.includes('/node_modules/');
  return esm ? { ...resolved, format: 'module' } : resolved;
}`;
  register(`data:text/javascript,${encodeURIComponent(source)}`);
}

/** A test file, loaded: its suite, or why it could not be loaded. */
export type LoadedTestFile = { readonly file: string; readonly name: string } & ({ readonly suite: ModuleTestSuite } | { readonly error: Error });

let loads = 0;

/**
 * Imports each test file and reads its default export. A file that fails to import, or exports
 * something other than `defineModuleTests(...)`, comes back with its error (a failed test, not a crash).
 */
export async function loadTestFiles(files: readonly string[]): Promise<LoadedTestFile[]> {
  installSdkResolver();
  // A fresh URL per run: ESM caches by URL, and in-process runs (tests of the CLI) must see edits.
  const run = ++loads;
  const loaded: LoadedTestFile[] = [];
  for (const file of files) {
    const name = basename(file);
    try {
      const exports = (await import(`${pathToFileURL(file).href}?run=${run}`)) as { default?: unknown };
      const value = exports.default;
      if (isModuleTestSuite(value)) loaded.push({ file, name, suite: value });
      else if (value && typeof value === 'object' && Object.values(value).every((v) => typeof v === 'function')) {
        loaded.push({ file, name, suite: { kind: 'dogan-module-tests', tests: value as ModuleTestSuite['tests'], options: {} } });
      } else loaded.push({ file, name, error: new Error('its default export must be defineModuleTests({ ... }) from "@dogan/sdk/testing"') });
    } catch (err) {
      loaded.push({ file, name, error: err instanceof Error ? err : new Error(String(err)) });
    }
  }
  return loaded;
}
