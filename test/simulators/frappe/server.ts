import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Auth, setCookieHeaders } from './auth.js';
import { Ctx } from './context.js';
import { getMeta } from './doctypes.js';
import { Documents } from './document.js';
import { FrappeError, HttpPage, finishV1, finishV2, notFoundPage, v1ErrorBody, v2ErrorBody } from './errors.js';
import { readFile } from './files.js';
import { parseFormDict } from './http-body.js';
import type { Env } from './methods.js';
import { dumps, toPlain } from './python-json.js';
import { asDict, Store } from './store.js';
import type { FaultSpec, FrappeSite, FrappeSiteOptions, RequestLogEntry, SiteStats, UserSpec, WebhookLogEntry, WebhookSpec } from './types.js';
import { handleV1 } from './v1.js';
import { handleV2 } from './v2.js';
import { Webhooks } from './webhooks.js';

/**
 * The site: an HTTP server on 127.0.0.1 running a request the way frappe/app.py `application` does:
 * init_request (site from X-Frappe-Site-Name, form_dict, session or login), validate_auth, the API
 * router, then sync_database - commit for POST/PUT/DELETE/PATCH (flushing webhooks), rollback for
 * anything else or on error - and the answer: JSON built by build_response/report_error, the
 * session cookies, `Cache-Control: no-store,no-cache,must-revalidate,max-age=0`.
 * Test controls (fault injection, latency, counters, logs) sit in front of all that.
 */
const UNSAFE = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);
const MIME: Record<string, string> = { txt: 'text/plain', json: 'application/json', pdf: 'application/pdf', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', csv: 'text/csv' };

interface Answer {
  status: number;
  headers: Record<string, string | string[]>;
  body: string | Buffer;
  user: string | null;
  auth: RequestLogEntry['auth'];
}

export class SiteServer implements FrappeSite {
  url = '';
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly store: Store;
  readonly auth: Auth;
  readonly webhooks: Webhooks;
  readonly stats: SiteStats = { requests: 0, connections: 0, inFlight: 0, maxInFlight: 0, byPath: new Map() };
  readonly requestLog: RequestLogEntry[] = [];
  private readonly faults: Array<FaultSpec & { remaining: number }> = [];
  private latency = 0;
  private server: Server | undefined;
  /** Requests run one at a time against the store (one transaction journal), like a single worker. */
  private serial: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: FrappeSiteOptions = {}) {
    this.store = new Store(options.clock ?? (() => new Date()));
    this.auth = new Auth(options.homePage ?? '/app');
    this.webhooks = new Webhooks(options.webhookRetryDelayMs ?? 1000);
    // A site always has Administrator (email admin@example.com, password "admin", every permission);
    // a listed user whose email is "Administrator" or "admin@example.com" sets its credentials.
    const isAdmin = (u: UserSpec): boolean => u.email === 'Administrator' || u.email === 'admin@example.com';
    const given = (options.users ?? []).find(isAdmin);
    const admin = { email: 'admin@example.com', password: 'admin', apiKey: randomBytes(8).toString('hex'), apiSecret: randomBytes(8).toString('hex'), ...given };
    this.auth.add({ ...admin, email: 'admin@example.com', fullName: admin.fullName ?? 'Administrator' }, 'Administrator');
    for (const user of options.users ?? []) if (!isAdmin(user)) this.auth.add(user);
    this.apiKey = admin.apiKey;
    this.apiSecret = admin.apiSecret;
  }

  async start(): Promise<this> {
    // An aborted upload must not take the test process down: the socket is dropped instead.
    this.server = createServer((req, res) => void this.onRequest(req, res).catch(() => res.destroy()));
    this.server.on('connection', () => this.stats.connections++);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  get webhookLog(): WebhookLogEntry[] {
    return this.webhooks.log;
  }

  addUser(user: UserSpec): void {
    this.auth.add(user);
  }

  addWebhook(hook: WebhookSpec): string {
    return this.webhooks.add(hook);
  }

  settleWebhooks(): Promise<void> {
    return this.webhooks.settle();
  }

  failNext(fault: FaultSpec): void {
    this.faults.push({ ...fault, remaining: fault.times ?? 1 });
  }

  setLatency(ms: number): void {
    this.latency = ms;
  }

  document(doctype: string, name: string): Record<string, unknown> | undefined {
    const meta = getMeta(doctype);
    const row = meta && this.store.load(doctype, name);
    return row ? (toPlain(asDict(meta, row)) as Record<string, unknown>) : undefined;
  }

  private adminDocs(): Documents {
    const ctx = new Ctx('POST', '/', new URLSearchParams(), {}, Buffer.alloc(0));
    ctx.user = 'Administrator';
    return new Documents(ctx, { store: this.store, roles: this.auth.roles('Administrator'), runWebhooks: () => undefined });
  }

  insertDirect(doctype: string, doc: Record<string, unknown>): Record<string, unknown> {
    const docs = this.adminDocs();
    const row = docs.seed(docs.update({ ...doc, doctype: docs.meta(doctype).name }, doc));
    return this.document(doctype, String(row.name))!;
  }

  setModified(doctype: string, name: string, modified: Date | string): void {
    const row = this.store.load(doctype, name);
    if (!row) throw new Error(`${doctype} ${name} not found`);
    row.modified = typeof modified === 'string' ? modified : `${modified.toISOString().slice(0, 23).replace('T', ' ')}000`;
    this.store.put(doctype, row);
  }

  async close(): Promise<void> {
    await this.webhooks.settle();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private takeFault(path: string): (FaultSpec & { remaining: number }) | undefined {
    const fault = this.faults.find((f) => f.remaining > 0 && path.startsWith(f.pathPrefix ?? ''));
    if (fault && --fault.remaining === 0) this.faults.splice(this.faults.indexOf(fault), 1);
    return fault;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const stats = this.stats;
    stats.requests++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    let done = false;
    res.on('close', () => {
      if (done) return;
      done = true;
      stats.inFlight--;
    });
    const url = new URL(req.url ?? '/', 'http://site');
    const path = decodeURIComponent(url.pathname);
    stats.byPath.set(path, (stats.byPath.get(path) ?? 0) + 1);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const siteHeader = typeof req.headers['x-frappe-site-name'] === 'string' ? req.headers['x-frappe-site-name'] : null;
    const log = (status: number, user: string | null, auth: RequestLogEntry['auth']): void => {
      this.requestLog.push({ method: req.method ?? 'GET', path, auth, user, siteHeader, at: Date.now(), status });
    };
    const fault = this.takeFault(path);
    if (fault) {
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      log(fault.status, null, 'none');
      if (fault.status === 0) return void req.socket.destroy();
      const text = fault.body === undefined ? '' : typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body);
      const type = typeof fault.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
      const headers = new Map<string, [string, string]>([['content-type', ['Content-Type', type]]]);
      for (const [k, v] of Object.entries(fault.headers ?? {})) headers.set(k.toLowerCase(), [k, v]);
      res.writeHead(fault.status, Object.fromEntries(headers.values()));
      return void res.end(text);
    }
    if (this.latency) await new Promise((r) => setTimeout(r, this.latency));
    const ctx = new Ctx(req.method ?? 'GET', path, url.searchParams, req.headers, Buffer.concat(chunks));
    const answer = this.options.siteName && siteHeader && siteHeader !== this.options.siteName
      ? page(notFoundPage(), null)
      : await this.runSerially(ctx);
    log(answer.status, answer.user, answer.auth);
    if (!res.destroyed) {
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    }
  }

  private runSerially(ctx: Ctx): Promise<Answer> {
    const answer = this.serial.then(() => this.run(ctx));
    this.serial = answer.catch(() => undefined);
    return answer;
  }

  /** app.application for one request. */
  private async run(ctx: Ctx): Promise<Answer> {
    this.store.begin();
    let committed = false;
    try {
      parseFormDict(ctx);
      this.auth.startSession(ctx);
      this.auth.validateAuth(ctx);
      const roles = this.auth.roles(ctx.user);
      const docs = new Documents(ctx, { store: this.store, roles, runWebhooks: (c, meta, doc, method, inInsert) => this.webhooks.run(c, meta, doc, method, inInsert) });
      const env: Env = { store: this.store, auth: this.auth, docs, roles, version: this.options.version ?? '15.0.0', pageLength: this.options.pageLengthDefault ?? 20 };
      const api = /^\/api(\/v1|\/v2)?(\/.*)?$/.exec(ctx.path);
      if (ctx.method === 'OPTIONS') {
        // an empty 200 (CORS preflight)
      } else if (api?.[1] === '/v2') await handleV2(env, ctx, api[2] ?? '/');
      else if (api) await handleV1(env, ctx, api[2] ?? '/');
      else if ((ctx.path.startsWith('/files/') || ctx.path.startsWith('/private/files/')) && ctx.method === 'GET') {
        const file = readFile(this.store, ctx.path, ctx.user);
        if (file.status !== 200) throw file.status === 403 ? new HttpPage(403, 'Forbidden', "You don't have permission to access this file") : notFoundPage();
        const ext = ctx.path.split('.').pop()?.toLowerCase() ?? '';
        return { status: 200, headers: { 'Content-Type': MIME[ext] ?? 'application/octet-stream' }, body: file.content!, user: ctx.user, auth: ctx.authKind };
      } else throw notFoundPage();
      if (UNSAFE.has(ctx.method)) {
        this.store.commit();
        committed = true;
        this.webhooks.flush(ctx);
      }
      return this.json(ctx, ctx.httpStatus ?? 200, () => (ctx.apiVersion === 'v2' ? finishV2(ctx) : finishV1(ctx)));
    } catch (err) {
      if (err instanceof HttpPage) return page(err, ctx.user);
      const error = err instanceof FrappeError ? err : new FrappeError('Exception', (err as Error).message);
      if (error.excType === 'AuthenticationError') this.auth.clearCookies(ctx);
      const allow = this.options.allowErrorTraceback ?? true;
      return this.json(ctx, error.status, () => (ctx.apiVersion === 'v2' ? v2ErrorBody(ctx, error, allow) : v1ErrorBody(ctx, error, allow)));
    } finally {
      if (!committed) this.store.rollback();
    }
  }

  /** build_response("json"): drop an empty `docs`, add the logs, json.dumps(..., separators=(",", ":")). */
  private json(ctx: Ctx, status: number, makeLogs: () => void): Answer {
    if (Array.isArray(ctx.response.docs) && ctx.response.docs.length === 0) delete ctx.response.docs;
    makeLogs();
    const headers: Record<string, string | string[]> = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store,no-cache,must-revalidate,max-age=0' };
    const cookies = setCookieHeaders(ctx, this.store.clock());
    if (cookies.length) headers['Set-Cookie'] = cookies;
    return { status, headers, body: dumps(ctx.response, { separators: [',', ':'] }), user: ctx.user, auth: ctx.authKind };
  }
}

function page(err: HttpPage, user: string | null): Answer {
  const headers: Record<string, string> = { 'Content-Type': 'text/html; charset=utf-8' };
  const allow = (err as HttpPage & { allow?: string[] }).allow;
  if (allow) headers.Allow = allow.join(', ');
  return { status: err.status, headers, body: err.html(), user, auth: 'none' };
}
