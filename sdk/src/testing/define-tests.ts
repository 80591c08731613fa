/** A response from a module route, as a test sees it. */
export interface ModuleTestResponse {
  readonly status: number;
  /** Lowercase names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON when the content type is JSON (problem+json errors included), otherwise the text; null when empty. */
  readonly body: unknown;
}

/** What `ctx.request` sends besides the method and path. */
export interface ModuleTestRequestOptions {
  /** A string is sent as text (unless `content-type` says otherwise); anything else as JSON. */
  readonly body?: unknown;
  readonly query?: Readonly<Record<string, string | number | boolean | ReadonlyArray<string | number | boolean>>>;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What `ctx.callTool` passes besides the arguments. */
export interface ModuleTestToolOptions {
  /** The key that makes two calls the same call; default: a new one per call. */
  readonly idempotencyKey?: string;
  readonly agentId?: string;
  readonly taskId?: string;
}

/** An ERPNext site for {@link ModuleTestContext.connectErpnext}: a real one, or a simulator on this machine. */
export interface ErpnextTestConnection {
  /** `http://127.0.0.1:8000`, `https://erp.example.com`: scheme, host and port only. */
  readonly url: string;
  /** The API key and secret of an ERPNext user (User → API Access → Generate Keys). */
  readonly apiKey: string;
  readonly apiSecret: string;
  /** Sent as `X-Frappe-Site-Name`, for a bench that serves several sites on one address. */
  readonly siteName?: string;
  /** A named connection (what `{ connection }` of the module's `erpnext` calls picks); default: the tenant's default one. */
  readonly name?: string;
}

/** An email the module sent in a test (`email.send`), as the harness caught it: nothing leaves the machine. */
export interface ModuleTestEmail {
  readonly to: string | readonly string[];
  readonly cc?: readonly string[];
  readonly replyTo?: string;
  readonly subject?: string;
  readonly text?: string;
  readonly html?: string;
  readonly template?: string;
  readonly data?: Record<string, unknown>;
  readonly locale?: 'ar' | 'en';
  readonly idempotencyKey?: string;
  /** Whom the granted `email` permission lets the module write to. */
  readonly recipients: 'tenant' | 'any';
}

/** One line of the module's log, oldest first in {@link ModuleTestContext.logs}. */
export interface ModuleTestLogLine {
  readonly level: string;
  readonly message: string;
  readonly data: unknown;
  readonly at: string;
  /** The module version that wrote it. */
  readonly version: string;
}

/**
 * What each test receives from the local harness. Every test runs in a tenant of its own, with a
 * fresh database, the module enabled with every permission granted and its default settings (or the
 * suite's `settings`), in the same sandbox production uses.
 */
export interface ModuleTestContext {
  /** The throwaway tenant this test runs in. */
  readonly tenant: { readonly id: string; readonly subdomain: string };
  /**
   * Calls one of the module's routes over the platform's HTTP pipeline, as a tenant would:
   * `path` is relative to the module's mount (`/api/v1/{tenant}/apps/{moduleId}`), e.g. `/notes`.
   */
  request(method: string, path: string, options?: ModuleTestRequestOptions): Promise<ModuleTestResponse>;
  /** Delivers an event to the module's subscriptions; rejects with the error of a handler that threw. */
  emit(type: string, payload?: unknown): Promise<void>;
  /** Runs one of the manifest's jobs now; resolves to what the job handler returned. */
  runJob(name: string): Promise<unknown>;
  /**
   * Calls one of the manifest's agent tools as an employee agent would: `args` are checked against
   * the tool's `parameters` first (MODULE_TOOL_ARGUMENTS_INVALID, and the handler does not run).
   * Resolves to what the tool returned; a tool that throws rejects with MODULE_TOOL_FAILED, its own
   * code in `moduleCode`. Without an `idempotencyKey` each call gets a new one; pass the same key
   * twice to test that a retried call does its effect once.
   */
  callTool(name: string, args?: Record<string, unknown>, options?: ModuleTestToolOptions): Promise<unknown>;
  /** Re-enables the module with these settings (validated against the manifest's settings schema). */
  setSettings(settings: Record<string, unknown>): Promise<void>;
  /** The module's log lines in this tenant so far, oldest first. */
  logs(): Promise<ModuleTestLogLine[]>;
  /**
   * Connects the test's tenant to an ERPNext site, as its admin would: the module's `erpnext` calls
   * then reach it. The platform checks the key and secret with the site first (it rejects with
   * ERPNEXT_CREDENTIALS_REFUSED or ERPNEXT_UNREACHABLE). Private and loopback addresses are allowed
   * in the local platform. With `DOGAN_TEST_ERPNEXT_URL`, `DOGAN_TEST_ERPNEXT_API_KEY` and
   * `DOGAN_TEST_ERPNEXT_API_SECRET` in the environment, every test's tenant starts connected to that site.
   */
  connectErpnext(connection: ErpnextTestConnection): Promise<void>;
  /**
   * The emails the module sent in this test's tenant through `email.send`, oldest first, as it passed
   * them (the harness sends nothing and renders no template). The sandbox checks the `email` grant as
   * in production, and a repeated `idempotencyKey` answers with the first message; what the platform
   * checks against the tenant's email settings (the `tenant` recipients rule, the daily limit) is not
   * applied here.
   */
  sentEmails(): Promise<ModuleTestEmail[]>;
}

/** One test: it fails by throwing (use `node:assert/strict`). */
export type ModuleTest = (t: ModuleTestContext) => Promise<void> | void;

/** A module's tests: name → test. */
export type ModuleTests = Readonly<Record<string, ModuleTest>>;

/** Options for every test of a file. */
export interface ModuleTestOptions {
  /** Settings the module is enabled with, instead of the defaults of the manifest's settings schema. */
  readonly settings?: Record<string, unknown>;
  /** Longest a single test may run, in milliseconds; default 30 000. */
  readonly timeoutMs?: number;
}

/** What a test file's default export is: its tests and their options. */
export interface ModuleTestSuite<T extends ModuleTests = ModuleTests> {
  readonly kind: 'dogan-module-tests';
  readonly tests: T;
  readonly options: ModuleTestOptions;
}

/**
 * Declares a test file's tests. `dogan-module test` imports every `test/*.test.ts`, and runs each
 * test of its default export against the built module in the real sandbox.
 *
 * @example
 * export default defineModuleTests({
 *   async 'lists notes'(t) { assert.equal((await t.request('GET', '/notes')).status, 200); },
 * });
 */
export function defineModuleTests<const T extends ModuleTests>(tests: T, options: ModuleTestOptions = {}): ModuleTestSuite<T> {
  return { kind: 'dogan-module-tests', tests, options };
}

/** True for what {@link defineModuleTests} returns. */
export function isModuleTestSuite(value: unknown): value is ModuleTestSuite {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'dogan-module-tests' && typeof (value as { tests?: unknown }).tests === 'object';
}
