import type { ModuleManifest } from '../manifest/types.js';

/** What `dogan-module test` hands the local harness. */
export interface ModuleTestRun {
  /** The module folder. */
  readonly dir: string;
  /** The built bundle (`dist/module.js`). */
  readonly bundlePath: string;
  readonly manifest: ModuleManifest;
  /** Test files (`test/**\/*.test.ts`), run in the same sandbox production uses. */
  readonly testFiles: readonly string[];
  readonly log: (line: string) => void;
}

export interface ModuleTestReport {
  readonly passed: number;
  readonly failed: number;
}

/** The local harness: the real sandbox, a throwaway tenant database, the manifest's permissions. */
export interface ModuleTestHarness {
  run(run: ModuleTestRun): Promise<ModuleTestReport>;
}

/**
 * The harness, or undefined while the sandbox is not part of this checkout. When the sandbox lands,
 * this returns an implementation built on it, and `dogan-module test` starts running tests unchanged.
 */
export async function loadModuleTestHarness(): Promise<ModuleTestHarness | undefined> {
  return undefined;
}
