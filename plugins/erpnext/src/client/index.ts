/**
 * `@dogan/plugin-erpnext/client`: a REST client for Frappe/ERPNext sites, usable on its own (the
 * plugin builds one per tenant connection; tests and the bench build them directly).
 */
export { FrappeClient } from './client.js';
export { RequestLimiter, type RequestLimiterOptions } from './limiter.js';
export { keepAliveAgent, freshConnectionAgent, sharedAgent, type KeepAliveAgentOptions } from './agent.js';
export { validateFilters, FILTER_OPERATORS, type Filters, type FilterCondition, type FilterOperator, type FilterScalar } from './filters.js';
export { parseRetryAfter, backoffDelay } from './backoff.js';
export { siteOrigin } from './transport.js';
export type { CallOptions, FrappeApiVersion, FrappeClientOptions, ListAllQuery, ListQuery, RequestInfo, RetryOptions, UploadedFile, UploadFileInput } from './types.js';
