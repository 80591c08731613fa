/**
 * Emails per second through the email plugin's queue to an SMTP server in this process, on SQLite
 * and PostgreSQL: BENCH_EMAILS messages (default 1,000) are handed to `EmailApi.send` (as a workflow
 * or a notice would) for BENCH_EMAIL_TENANTS tenants (default 2), each with its own SMTP settings
 * pointing at the sink; the clock runs from the first send to the last message the sink took. Also
 * reports how fast sends are recorded, and p50/p99 of recorded-to-taken latency.
 *
 * Called by `npm run bench:workflows`; runs alone with
 * `node --conditions=dogan-source --import tsx test/bench/email-send.ts`. Prints a table, asserts
 * nothing. BENCH_ENGINES=sqlite or =postgresql runs one engine only.
 */
import { pathToFileURL } from 'node:url';
import { buildKernel, type PluginDefinition } from '@dogan/runtime';
import tenantsPlugin from '@dogan/tenants';
import emailPlugin, { emailApiRef } from '@dogan/plugin-email';
import { ENGINES, openEngine, postgresUnavailable, type EngineName } from '../helpers/engines.js';
import { createTenantWithKey } from '../helpers/tenant-fixtures.js';
import { startSmtpSink } from '../email/smtp-sink.js';

export interface EmailBenchOptions {
  readonly engines?: readonly EngineName[];
  /** Messages per engine; default BENCH_EMAILS or 1,000. */
  readonly emails?: number;
  /** Tenants the messages are spread over; default BENCH_EMAIL_TENANTS or 2. */
  readonly tenants?: number;
  /** EMAIL_CONCURRENCY of the node; default 16. */
  readonly concurrency?: number;
  /** Print the table (default true). */
  readonly print?: boolean;
}

export interface EmailBenchRow {
  readonly engine: EngineName;
  readonly emails: number;
  readonly seconds: number;
  /** Messages taken by the SMTP server per second, first send to last taken. */
  readonly perSecond: number;
  /** `EmailApi.send` calls recorded per second (render, suppression check, insert, due index). */
  readonly recordedPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface EmailBenchResult {
  /** The slowest engine's emails per second (the figure a deployment can count on). */
  readonly perSecond: number;
  readonly rows: readonly EmailBenchRow[];
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? NaN;
}

async function runEngine(engineName: EngineName, emails: number, tenantCount: number, concurrency: number, cleanups: Array<() => unknown>): Promise<EmailBenchRow> {
  const engine = await openEngine(engineName, (fn) => cleanups.push(fn));
  const sink = await startSmtpSink({ parse: false });
  cleanups.push(() => sink.close());
  const kernel = await buildKernel({
    config: engine.config({
      LOG_LEVEL: 'warn',
      EMAIL_ALLOW_PRIVATE_NETWORKS: 'true',
      EMAIL_RATE_PER_MINUTE: '100000',
      EMAIL_CONCURRENCY: String(concurrency),
      EMAIL_POLL_INTERVAL_MS: '50',
      TENANT_ORM_CACHE_SIZE: '16',
    }),
    plugins: [tenantsPlugin, emailPlugin as PluginDefinition],
  });
  cleanups.push(() => kernel.close());
  const api = kernel.host.service(emailApiRef);
  const tenants: Array<{ id: string }> = [];
  for (let i = 0; i < tenantCount; i++) {
    const tenant = await createTenantWithKey(kernel.app, { name: `Bench ${i}`, subdomain: `bench${i}`, locale: i % 2 === 0 ? 'ar' : 'en' });
    const res = await kernel.app.inject({
      method: 'PUT',
      url: `/api/v1/${tenant.subdomain}/email/settings`,
      headers: tenant.headers,
      payload: { host: sink.host, port: sink.port, security: 'none', fromAddress: `billing@bench${i}.example`, verify: false },
    });
    if (res.statusCode !== 200) throw new Error(`settings not saved: ${res.statusCode} ${res.body}`);
    tenants.push(tenant);
  }
  const send = (n: number) =>
    api.send(tenants[n % tenants.length]!.id, { to: `customer${n}@client.example`, subject: `فاتورة رقم ${n}`, text: `عزيزنا العميل، فاتورتك رقم ${n} جاهزة.\n\nمع التحية`, source: 'bench' });

  // Warm up: connections, pools, prepared paths.
  const warm = Math.min(50, emails);
  await Promise.all(Array.from({ length: warm }, (_, n) => send(n)));
  await sink.waitFor(warm, 60_000);

  const recordedAt = new Map<string, number>();
  const start = performance.now();
  const batch = 50;
  for (let n = 0; n < emails; n += batch) {
    const views = await Promise.all(Array.from({ length: Math.min(batch, emails - n) }, (_, i) => send(warm + n + i)));
    const now = performance.now();
    for (const view of views) recordedAt.set(view.id, now);
  }
  const recorded = performance.now();
  await sink.waitFor(warm + emails, 600_000);
  const seconds = (performance.now() - start) / 1000;
  // The queue sends each message with Message-ID <id@sender-domain>.
  const takenAt = new Map([...sink.arrivals].map(([messageId, at]) => [messageId.slice(1, messageId.indexOf('@')), at]));
  const latencies = [...recordedAt].flatMap(([id, at]) => (takenAt.has(id) ? [takenAt.get(id)! - at] : []));
  return {
    engine: engineName,
    emails,
    seconds,
    perSecond: emails / seconds,
    recordedPerSecond: emails / ((recorded - start) / 1000),
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
}

/** Runs the benchmark on each engine (PostgreSQL only when it answers) and prints a table. */
export async function benchEmailSend(opts: EmailBenchOptions = {}): Promise<EmailBenchResult> {
  const engines = opts.engines ?? (process.env.BENCH_ENGINES?.split(',') as EngineName[] | undefined) ?? [...ENGINES];
  const emails = opts.emails ?? Number(process.env.BENCH_EMAILS ?? 1_000);
  const tenantCount = opts.tenants ?? Number(process.env.BENCH_EMAIL_TENANTS ?? 2);
  const concurrency = opts.concurrency ?? 16;
  const rows: EmailBenchRow[] = [];
  for (const engine of engines) {
    const why = engine === 'postgresql' ? await postgresUnavailable() : undefined;
    if (why) {
      console.log(`(postgresql skipped: ${why})`);
      continue;
    }
    const cleanups: Array<() => unknown> = [];
    try {
      rows.push(await runEngine(engine, emails, tenantCount, concurrency, cleanups));
    } finally {
      while (cleanups.length > 0) await cleanups.pop()!();
    }
  }
  if (opts.print !== false) {
    console.log(`\nEmails through the queue to a local SMTP server (${emails} messages over ${tenantCount} tenants, EMAIL_CONCURRENCY=${concurrency})\n`);
    console.log('| engine | emails/s | recorded/s | p50 recorded→taken (ms) | p99 (ms) |');
    console.log('|---|---:|---:|---:|---:|');
    for (const r of rows) console.log(`| ${r.engine} | ${r.perSecond.toFixed(0)} | ${r.recordedPerSecond.toFixed(0)} | ${r.p50Ms.toFixed(1)} | ${r.p99Ms.toFixed(1)} |`);
  }
  return { perSecond: rows.length ? Math.min(...rows.map((r) => r.perSecond)) : NaN, rows };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchEmailSend();
}
