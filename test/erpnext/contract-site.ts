/**
 * The site the client contract runs against: always the Frappe simulator, and also a real ERPNext
 * when ERPNEXT_URL, ERPNEXT_API_KEY and ERPNEXT_API_SECRET are set (ERPNEXT_SITE_NAME optional).
 * Against a real site the tests create their own documents, named with a run tag, and delete them
 * afterwards; checks that need fault injection or the simulator's counters skip with a message.
 */
import { randomBytes } from 'node:crypto';
import type { Test } from 'tap';
import { FrappeClient, type FrappeClientOptions } from '@dogan/plugin-erpnext/client';
import { startFrappeSite } from '../simulators/frappe/index.js';
import type { FrappeSite } from '../simulators/frappe/types.js';

export const REAL_SKIPPED = 'real ERPNext contract: skipped (set ERPNEXT_URL, ERPNEXT_API_KEY, ERPNEXT_API_SECRET)';

export interface ContractSite {
  readonly kind: 'simulator' | 'real';
  readonly url: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly siteName: string | undefined;
  /** The simulator, for fault injection and counters; undefined on a real site. */
  readonly sim: FrappeSite | undefined;
  /** Unique per run, for names of documents the tests create. */
  readonly tag: string;
  /** A client for the site's Administrator (or the configured real user), with quick retries. */
  client(extra?: Partial<FrappeClientOptions>): FrappeClient;
  /** Deletes the document at teardown (in reverse order of tracking; a submitted one is cancelled first). */
  track(doctype: string, name: string): void;
}

function realSite(): { url: string; apiKey: string; apiSecret: string; siteName: string | undefined } | undefined {
  const { ERPNEXT_URL: url, ERPNEXT_API_KEY: apiKey, ERPNEXT_API_SECRET: apiSecret, ERPNEXT_SITE_NAME: siteName } = process.env;
  return url && apiKey && apiSecret ? { url, apiKey, apiSecret, siteName: siteName || undefined } : undefined;
}

async function open(t: Test, kind: 'simulator' | 'real'): Promise<ContractSite> {
  const tag = randomBytes(4).toString('hex');
  const sim = kind === 'simulator' ? await startFrappeSite({ siteName: 'erp.test' }) : undefined;
  if (sim) t.teardown(() => sim.close());
  const where = sim ? { url: sim.url, apiKey: sim.apiKey, apiSecret: sim.apiSecret, siteName: 'erp.test' } : realSite()!;
  const tracked: Array<[string, string]> = [];
  const site: ContractSite = {
    kind,
    ...where,
    sim,
    tag,
    client: (extra = {}) =>
      new FrappeClient({ baseUrl: where.url, apiKey: where.apiKey, apiSecret: where.apiSecret, ...(where.siteName ? { siteName: where.siteName } : {}), retry: { baseDelayMs: 1, maxDelayMs: 2_000 }, ...extra }),
    track: (doctype, name) => void tracked.push([doctype, name]),
  };
  if (kind === 'real') t.teardown(() => cleanUp(site.client(), tracked.reverse()));
  return site;
}

/** Best effort: a document another check already removed is fine. */
async function cleanUp(client: FrappeClient, docs: Array<[string, string]>): Promise<void> {
  for (const [doctype, name] of docs) {
    try {
      const doc = await client.get<{ docstatus?: number }>(doctype, name);
      if (doc.docstatus === 1) await client.cancel(doctype, name);
      await client.delete(doctype, name);
    } catch {
      // Gone already, or kept by a link we did not make: nothing to do in a teardown.
    }
  }
}

/**
 * Runs one contract check against the simulator, and against the real site when one is configured.
 * Call `announceRealSite` once per file, so a run without one says so.
 */
export function eachSite(t: Test, name: string, check: (t: Test, site: ContractSite) => Promise<void>): void {
  t.test(`${name} [simulator]`, async (t) => check(t, await open(t, 'simulator')));
  if (realSite()) t.test(`${name} [real ERPNext]`, async (t) => check(t, await open(t, 'real')));
}

export function announceRealSite(t: Test): void {
  const real = realSite();
  if (real) t.comment(`real ERPNext contract: running against ${new URL(real.url).origin}`);
  else {
    t.comment(REAL_SKIPPED);
    t.skip(REAL_SKIPPED, async () => undefined);
  }
}

/** True when the check can run here; on a real site it records a skip saying why not. */
export function simulatorOnly(t: Test, site: ContractSite, why: string): site is ContractSite & { sim: FrappeSite } {
  if (site.sim) return true;
  t.skip(`simulator only (${why}); skipped against the real ERPNext`, async () => undefined);
  return false;
}
