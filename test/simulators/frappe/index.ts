/**
 * A Frappe/ERPNext site simulator for tests: Frappe's HTTP protocol (REST v1 and v2, whitelisted
 * methods, token/Basic/password auth, error shapes, webhooks) over an in-memory database holding a
 * few DocTypes (ToDo, Note, Customer, Item, Sales Order, Sales Invoice, Task, File). Each module
 * says which Frappe source it mirrors.
 *
 *   const site = await startFrappeSite({ webhookRetryDelayMs: 5 });
 *   await fetch(`${site.url}/api/resource/ToDo`, {
 *     method: 'POST',
 *     headers: { Authorization: `token ${site.apiKey}:${site.apiSecret}`, 'Content-Type': 'application/json' },
 *     body: JSON.stringify({ description: 'Call Acme' }),
 *   }); // -> 200 {"data": {"doctype": "ToDo", "name": "<10 hex>", ...}}
 *   await site.close();
 */
import { SiteServer } from './server.js';
import type { FrappeSite, FrappeSiteOptions } from './types.js';

export type { FaultSpec, FrappeSite, FrappeSiteOptions, RequestLogEntry, SiteStats, UserSpec, WebhookEvent, WebhookLogEntry, WebhookSpec } from './types.js';
export { dumps as pythonJsonDumps, floatRepr, loads as pythonJsonLoads, PyDict, PyFloat } from './python-json.js';

export async function startFrappeSite(options: FrappeSiteOptions = {}): Promise<FrappeSite> {
  return new SiteServer(options).start();
}
