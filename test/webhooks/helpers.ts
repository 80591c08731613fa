import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Kernel, PlatformEvent, PluginDefinition } from '@dogan/runtime';
import tenantsPlugin from '@dogan/tenants';
import webhooksPlugin, { webhooksApiRef, type WebhooksApi } from '@dogan/plugin-webhooks';
import type { TestEngine } from '../helpers/engines.js';
import { startTestKernel } from '../helpers/kernel.js';
import { createTenantWithKey } from '../helpers/tenant-fixtures.js';

/** What a receiver saw of one request: the raw body as sent, before any parsing. */
export interface ReceivedRequest {
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  readonly url: string;
}

export interface Receiver {
  readonly url: string;
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /** How to answer each request (default 200 at once); `delayMs` holds the answer back. */
  respond: (req: ReceivedRequest, index: number) => { status: number; headers?: Record<string, string>; delayMs?: number };
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 recording what it receives; closed after the test. */
export async function startReceiver(t: { teardown(fn: () => unknown): void }, port = 0): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let server: Server | undefined;
  const receiver: Receiver = {
    url: '',
    port: 0,
    requests,
    respond: () => ({ status: 200 }),
    close: () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
  };
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen = { headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8'), url: req.url ?? '/' };
      requests.push(seen);
      const answer = receiver.respond(seen, requests.length - 1);
      setTimeout(() => res.writeHead(answer.status, answer.headers ?? {}).end('ok'), answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  Object.assign(receiver, { url: `http://127.0.0.1:${bound}/hooks`, port: bound });
  t.teardown(() => {
    server.closeAllConnections();
    return receiver.close();
  });
  return receiver;
}

/** Fast retries, loopback opted in: what most webhook suites run with. */
export const FAST_ENV = {
  WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true',
  WEBHOOKS_RETRY_SCHEDULE: '100ms,100ms,100ms,100ms',
  WEBHOOKS_POLL_INTERVAL_MS: '20',
  WEBHOOKS_TIMEOUT_MS: '2000',
};

export interface WebhooksKernel {
  readonly kernel: Kernel;
  readonly app: FastifyInstance;
  readonly webhooks: WebhooksApi;
}

/** A kernel with the tenants and webhooks plugins (and `extra`) on `engine`. */
export async function startWebhooksKernel(t: { teardown(fn: () => unknown): void }, engine: TestEngine, env: Record<string, string> = FAST_ENV, extra: PluginDefinition[] = []): Promise<WebhooksKernel> {
  const kernel = await startTestKernel(t, { plugins: [tenantsPlugin, ...extra, webhooksPlugin as PluginDefinition], config: engine.config(env) });
  return { kernel, app: kernel.app, webhooks: kernel.host.service(webhooksApiRef) };
}

export type TestTenant = Awaited<ReturnType<typeof createTenantWithKey>>;

export async function createTenant(app: FastifyInstance, subdomain: string): Promise<TestTenant> {
  return createTenantWithKey(app, { name: subdomain, subdomain });
}

/** Creates a webhook through the API; fails on a refusal. */
export async function createWebhook(app: FastifyInstance, tenant: TestTenant, body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const res = await app.inject({ method: 'POST', url: `/api/v1/${tenant.subdomain}/webhooks`, headers: tenant.headers, payload: body });
  if (res.statusCode !== 201) throw new Error(`webhook not created: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string; secret: string };
}

export function platformEvent(tenantId: string, type: string, payload: unknown = { n: 1 }): PlatformEvent {
  return { id: randomUUID(), type, version: 1, tenantId, occurredAt: new Date().toISOString(), payload };
}

/** Drives the webhooks consumer as the bus would (first delivery). */
export async function publish(webhooks: WebhooksApi, event: PlatformEvent): Promise<void> {
  await webhooks.consumer.handle(event, { attempt: 1, consumer: webhooks.consumer.name });
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface DeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  status: string;
  attempts: number;
  responseStatus: number | null;
  responseTimeMs: number | null;
  nextAttemptAt: string | null;
  error: string | null;
  history?: Array<{ attempt: number; kind: string; responseStatus: number | null; error: string | null }>;
}

export async function deliveries(app: FastifyInstance, tenant: TestTenant, webhookId: string, query = ''): Promise<DeliveryView[]> {
  const res = await app.inject({ url: `/api/v1/${tenant.subdomain}/webhooks/${webhookId}/deliveries${query}`, headers: tenant.headers });
  if (res.statusCode !== 200) throw new Error(`deliveries: ${res.statusCode} ${res.body}`);
  return (res.json() as { items: DeliveryView[] }).items;
}
