import type { ModuleManifest } from '../manifest/types.js';

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

/** The local harness: the real sandbox, a throwaway tenant database per test, every permission granted. */
export interface ModuleTestHarness {
  run(run: ModuleTestRun): Promise<ModuleTestReport>;
}

/**
 * The harness. It is imported on demand: test files import `@dogan/sdk/testing` for
 * `defineModuleTests`, and should not load the kernel, the tenants plugin and the sandbox with it.
 */
export async function loadModuleTestHarness(): Promise<ModuleTestHarness> {
  const { runModuleTests } = await import('./run-module-tests.js');
  return { run: runModuleTests };
}
