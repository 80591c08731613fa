/**
 * The API a module sees as `import { ... } from 'dogan:module'`, the only import that resolves inside
 * the sandbox. Tenant and module always come from the call being run, never from arguments: a module
 * cannot name another tenant or module. Every function checks the tenant's grant when it is called.
 * Values cross the boundary as JSON: functions, cycles and class instances do not survive.
 */

/** Any value that survives `JSON.stringify` / `JSON.parse` unchanged. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A stored document: the collection's schema, plus its `id`. */
export type StoredDocument<T extends object = Record<string, JsonValue>> = T & { readonly id: string };

/** A filter value comparison; ranges compare as the database compares JSON values. */
export interface FieldCondition {
  eq?: JsonValue;
  ne?: JsonValue;
  gt?: string | number;
  gte?: string | number;
  lt?: string | number;
  lte?: string | number;
  /** 1 to 100 values. */
  in?: Array<string | number | boolean>;
}

/**
 * The filter language: `{ field: value }` is equality, `{ field: { gte: 2 } }` a range, `and`/`or`
 * take lists of filters. Fields are top-level properties declared in the collection's schema, or `id`.
 */
export type StorageFilter = { and?: StorageFilter[]; or?: StorageFilter[] } & { [field: string]: JsonValue | FieldCondition | StorageFilter[] | undefined };

export interface StorageQuery {
  where?: StorageFilter;
  /** A field name; `-field` for descending. Ties are broken by `id` in the same direction. */
  sort?: string;
  /** 1 to the platform's maximum page (100 by default); default 20. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string | null;
}

export interface StoragePage<T extends object = Record<string, JsonValue>> {
  readonly items: Array<StoredDocument<T>>;
  /** Pass as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

/** Documents in the collections the manifest declares (needs a `storage` permission). */
export interface StorageApi {
  /** Validates against the collection's JSON schema; `doc.id` (1–64 of `[A-Za-z0-9_-]`) is kept, otherwise one is made. */
  insert<T extends object>(collection: string, doc: T & { id?: string }): Promise<StoredDocument<T>>;
  get<T extends object>(collection: string, id: string): Promise<StoredDocument<T> | null>;
  /** Shallow merge; resolves to null when there is no such document. */
  update<T extends object>(collection: string, id: string, patch: Partial<T>): Promise<StoredDocument<T> | null>;
  delete(collection: string, id: string): Promise<{ deleted: boolean }>;
  query<T extends object>(collection: string, query?: StorageQuery): Promise<StoragePage<T>>;
}

export interface FetchInit {
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  /** A string is sent as is; other JSON values are sent as JSON. */
  body?: JsonValue;
}

export interface FetchResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Outbound HTTP to the URLs and methods of a granted `http` permission. Private, loopback, link-local
 * and metadata addresses are refused, also after redirects; count, concurrency, time and size are limited.
 */
export interface HttpApi {
  fetch(url: string, init?: FetchInit): Promise<FetchResponse>;
}

export interface EventsApi {
  /** Emits an event type granted by an `events` permission; subscribers of this tenant receive it. */
  emit(type: string, payload?: JsonValue): Promise<void>;
}

/** Lines go to the module's log, which the tenant's admins and the module's developer read; bounded per call. */
export interface LogApi {
  debug(message: string, data?: JsonValue): void;
  info(message: string, data?: JsonValue): void;
  warn(message: string, data?: JsonValue): void;
  error(message: string, data?: JsonValue): void;
}

export interface SettingsApi {
  /** The tenant's settings for this module, valid against the manifest's settings schema (a fresh copy). */
  get<T extends object = Record<string, JsonValue>>(): T;
}

export interface TenantInfo {
  readonly id: string;
  readonly locale: string;
  readonly timezone: string;
  readonly plan: string;
}

/** What a route handler receives. */
export interface ModuleRequest<B = JsonValue> {
  readonly method: string;
  /** Below `/api/v1/{tenant}/apps/{moduleId}`. */
  readonly path: string;
  /** `:name` segments of the declared route. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string | string[]>>;
  /** Without credentials (authorization, cookies, API keys). */
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON, or the raw text for other content types. */
  readonly body: B;
}

/**
 * What a route handler returns. Headers outside the allowlist (content-type, cache-control, etag,
 * last-modified, content-language, content-disposition, location, vary, expires, x-*) are dropped;
 * a string body with a non-JSON content-type is sent as text, anything else as JSON.
 */
export interface ModuleResponse {
  /** 200 to 599; default 200. */
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: JsonValue;
}

export interface ModuleEvent<P = JsonValue> {
  readonly type: string;
  readonly payload: P;
  /** How deep in a chain of events this delivery is; the platform stops chains at a fixed depth. */
  readonly depth: number;
  /**
   * The event's id, the same on every delivery of it: an event may be delivered more than once
   * (at least once), so a handler with effects deduplicates on it. Absent on a platform without a bus.
   */
  readonly id?: string;
  /** When it happened (ISO 8601), when known. */
  readonly occurredAt?: string;
}

export interface JobRun {
  readonly job: string;
  readonly scheduledAt: string;
}

/** The shape of a bundle's exports: handler tables named by the manifest. */
export interface ModuleExports {
  routes?: Record<string, (request: ModuleRequest) => ModuleResponse | Promise<ModuleResponse>>;
  events?: Record<string, (event: ModuleEvent) => unknown>;
  jobs?: Record<string, (run: JobRun) => unknown>;
  hooks?: {
    install?: () => unknown;
    upgrade?: (info: { from: string }) => unknown;
    uninstall?: () => unknown;
  };
}

export declare const storage: StorageApi;
export declare const http: HttpApi;
export declare const events: EventsApi;
export declare const log: LogApi;
export declare const settings: SettingsApi;
export declare const tenant: TenantInfo;
/** Waits up to the platform's maximum (2 s by default); there are no timers. */
export declare function sleep(ms: number): Promise<void>;
