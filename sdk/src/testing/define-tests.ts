/** A response from a module route, as a test sees it. */
export interface ModuleTestResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/** What each test receives from the local harness, which runs the module in the production sandbox. */
export interface ModuleTestContext {
  /** Calls one of the module's routes as a tenant would (`path` relative to the module's mount). */
  request(method: string, path: string, body?: unknown): Promise<ModuleTestResponse>;
  /** Delivers an event to the module's subscriptions. */
  emit(type: string, data: unknown): Promise<void>;
  /** Runs one of the module's jobs now. */
  runJob(name: string): Promise<void>;
}

/** A module's tests: name → test. A test fails by throwing (use `node:assert/strict`). */
export type ModuleTests = Readonly<Record<string, (t: ModuleTestContext) => Promise<void> | void>>;

/**
 * Declares a test file's tests; an identity function for types. `dogan-module test` runs every
 * `test/*.test.ts` default export against the module built into the real sandbox.
 */
export function defineModuleTests<const T extends ModuleTests>(tests: T): T {
  return tests;
}
