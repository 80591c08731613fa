import type { Dispatcher } from 'undici';
import type { Filters } from './filters.js';
import type { RequestLimiter } from './limiter.js';

/** Frappe's REST dialects: v1 (`/api/resource`, answers in `data`/`message`) and v2 (`/api/v2/document`, answers in `data`). */
export type FrappeApiVersion = 'v1' | 'v2';

export interface RetryOptions {
  /** Attempts including the first; default 4. */
  readonly attempts?: number;
  /** First backoff step in ms (doubled per attempt, jittered); default 250. */
  readonly baseDelayMs?: number;
  /** Longest wait between attempts; a Retry-After asking for more ends the retries at once. Default 10000. */
  readonly maxDelayMs?: number;
}

/** One HTTP attempt, as metrics and logs see it: never a header, a query string or a body. */
export interface RequestInfo {
  readonly method: string;
  /** Path without the query string (`/api/resource/ToDo/abc`). */
  readonly path: string;
  /** HTTP status, or null when no answer came (refused, reset, timed out). */
  readonly status: number | null;
  readonly ms: number;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Why no answer came (`ECONNREFUSED`, `timeout`, ...), when none did. */
  readonly error?: string;
  /** The wait before the next attempt, when this one is retried. */
  readonly retryInMs?: number;
}

export interface FrappeClientOptions {
  /** The site's origin, `https://erp.example.com`: no credentials, path, query or fragment. */
  readonly baseUrl: string;
  /** Sent as `Authorization: token key:secret`. */
  readonly apiKey: string;
  readonly apiSecret: string;
  /** Sent as `X-Frappe-Site-Name`, which Frappe prefers to the Host header when picking the site. */
  readonly siteName?: string;
  /** Document routes' dialect; default v1. Methods work on both. */
  readonly apiVersion?: FrappeApiVersion;
  /** Shared keep-alive dispatcher; default a module-level keep-alive Agent. */
  readonly dispatcher?: Dispatcher;
  /** Per attempt, from sending to the last byte of the answer; default 15000. */
  readonly timeoutMs?: number;
  readonly retry?: RetryOptions;
  /** Per-tenant concurrency and rate; one slot is taken per HTTP attempt. */
  readonly limiter?: RequestLimiter;
  /** Called with the host before a request is sent (an SSRF guard); throws to refuse. */
  readonly checkAddress?: (host: string) => Promise<void>;
  /** Called after every attempt; see RequestInfo for what it carries (never credentials). */
  readonly onRequest?: (info: RequestInfo) => void;
  /** Answers longer than this are refused with ERPNEXT_RESPONSE_TOO_LARGE; default 20 MiB. */
  readonly maxResponseBytes?: number;
}

export interface ListQuery {
  /** Columns to return; Frappe's default is `name` only. Child-table columns as `items.item_code` (v2) or `` `tabSales Order Item`.item_code `` (v1). */
  readonly fields?: readonly string[];
  readonly filters?: Filters;
  /** Conditions of which at least one must hold (ANDed with `filters`). */
  readonly orFilters?: Filters;
  /** `modified desc` when left out, as Frappe does. */
  readonly orderBy?: string;
  readonly groupBy?: string;
  readonly limitStart?: number;
  /** Frappe's default is 20; 0 means no limit on v1. */
  readonly limitPageLength?: number;
}

export interface ListAllQuery extends ListQuery {
  /** Rows per request; default 100. */
  readonly pageSize?: number;
}

export interface CallOptions {
  /** GET sends args in the query string, POST as JSON; default POST. */
  readonly httpMethod?: 'GET' | 'POST';
  /**
   * A POST method that changes nothing (or is idempotent) may be retried on 5xx and resets like a
   * GET; left false, a POST is retried only when Frappe cannot have run it (429, connection refused).
   */
  readonly safe?: boolean;
}

export interface UploadFileInput {
  readonly filename: string;
  readonly content: Buffer;
  readonly contentType?: string;
  readonly isPrivate?: boolean;
  /** Attach the file to this document. */
  readonly doctype?: string;
  readonly docname?: string;
  /** The Attach field of `doctype` that should point at the file. */
  readonly fieldname?: string;
  /** File Manager folder; Frappe's default is `Home`. */
  readonly folder?: string;
}

/** A Frappe File document as upload_file answers it. */
export interface UploadedFile {
  readonly name: string;
  readonly file_url: string;
  readonly [key: string]: unknown;
}
