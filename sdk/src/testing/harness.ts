// The types-only entry: a module's type check reaches this file and should not compile the validator.
import type { ModuleManifest } from '@dogan/module-manifest/types';

/** What `dogan-module test` hands the local harness. */
export interface ModuleTestRun {
  /** The module folder. */
  readonly dir: string;
  /** The built bundle (`dist/module.js`). */
  readonly bundlePath: string;
  /** The validated manifest. */
  readonly manifest: ModuleManifest;
  /** Test files (`test/*.test.ts`), in the order they run. */
  readonly testFiles: readonly string[];
  /** Where progress lines go. */
  readonly log: (line: string) => void;
}

/** The outcome of a run. */
export interface ModuleTestReport {
  readonly passed: number;
  readonly failed: number;
  /** `file › test` of each failure (a file that could not load counts as one). */
  readonly failures: readonly string[];
}

/** How `dogan-module dev` starts its session. */
export interface DevSessionOptions {
  /** The module folder. */
  readonly dir: string;
  /** 0 for any free port. */
  readonly port: number;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** The kernel's pino level (default silent). */
  readonly logLevel?: string;
}

/** A running `dogan-module dev`. */
export interface DevSession {
  readonly url: string;
  readonly tenant: { readonly id: string; readonly subdomain: string };
  readonly apiKey: string;
  /** `id@version` being served now; empty until the module first builds. */
  current(): string;
  /** Stops watching, drains requests and closes the platform. */
  stop(): Promise<void>;
}

/**
 * The local harness: the real kernel, tenants and modules plugins and sandbox, a throwaway tenant
 * database per test, every permission granted. It is the package `@dogan/module-testing`, which
 * implements this interface; the SDK only loads it, so a module author who installs the SDK to
 * build and publish gets no database driver, Fastify or isolated-vm.
 */
export interface ModuleTestHarness {
  runModuleTests(run: ModuleTestRun): Promise<ModuleTestReport>;
  startDevSession(options: DevSessionOptions): Promise<DevSession>;
}

/** The package that holds the harness (an optional peer of the SDK). */
export const HARNESS_PACKAGE = '@dogan/module-testing';

/** Thrown when the harness is not installed next to the SDK; the message says how to install it. */
export class HarnessMissingError extends Error {
  readonly code = 'HARNESS_MISSING';
  constructor() {
    super(`"dogan-module test" and "dev" run the module in a local platform, which is the package ${HARNESS_PACKAGE}: install it beside @dogan/sdk (npm install --save-dev ${HARNESS_PACKAGE})`);
  }
}

/**
 * Imports the harness on demand: test files import `@dogan/sdk/testing` for `defineModuleTests`
 * and should not load the kernel, the tenants plugin and the sandbox with it.
 */
export async function loadModuleTestHarness(): Promise<ModuleTestHarness> {
  // A variable specifier, so the SDK's type check does not need the harness (which depends on the SDK).
  const specifier: string = HARNESS_PACKAGE;
  try {
    return (await import(specifier)) as ModuleTestHarness;
  } catch (err) {
    const error = err as { code?: string; message?: string };
    if (error.code === 'ERR_MODULE_NOT_FOUND' && error.message?.includes(HARNESS_PACKAGE)) throw new HarnessMissingError();
    throw err;
  }
}
