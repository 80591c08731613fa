import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Ctx } from './context.js';
import type { DocTypeMeta } from './meta.js';
import { renderTemplate } from './jinja-lite.js';
import { dumps, loads, pyStr, toPlain, PyDict, type PyValue } from './python-json.js';
import { asDict } from './store.js';
import type { Row, WebhookLogEntry, WebhookSpec } from './types.js';

/**
 * Webhooks as frappe/integrations/doctype/webhook/__init__.py and webhook.py send them.
 *
 * When: Document.run_method calls run_webhooks(doc, method) for every controller event. Only
 * on_update, after_insert, on_submit, on_cancel, on_trash - and, outside an insert, on_change and
 * before_update_after_submit - can match. So on_change does not fire for an insert, fires for a
 * delete, and a webhook on "on_update_after_submit" never fires (that event is not in the list; its
 * `before_` twin is, but cannot be chosen). Matches are queued and flushed after the commit,
 * deduplicated on (webhook, document name) keeping the last instance, then enqueued as background
 * jobs: nothing is sent for a request that failed, and the answer does not wait for them.
 *
 * What: data = {key: doc[fieldname]} from the Webhook Data table, or json.loads(render(webhook_json,
 * {doc: doc.as_dict(convert_dates_to_str=True)})), or {}. The body is json.dumps(data, default=str);
 * with enable_security, `X-Frappe-Webhook-Signature` = base64(HMAC-SHA256(secret, json.dumps(data)))
 * (same text). Headers are only that and the Webhook Headers table (plus what `requests` adds: no
 * Content-Type unless configured). Three tries: a 4xx/5xx or connection error is logged, then
 * sleep(3*i+1) s (also after the third); a timeout (default 5 s) is logged and retried at once.
 */
interface Hook extends WebhookSpec {
  name: string;
}

const WEBHOOK_EVENTS = ['on_update', 'after_insert', 'on_submit', 'on_cancel', 'on_trash'];

export class Webhooks {
  private readonly hooks = new Map<string, Hook>();
  readonly log: WebhookLogEntry[] = [];
  private readonly pending = new Set<Promise<void>>();
  private count = 0;

  constructor(private readonly retryDelayMs: number) {}

  /** Webhook names follow the DocType's "HOOK-.####" series. */
  add(spec: WebhookSpec): string {
    const name = `HOOK-${String(++this.count).padStart(4, '0')}`;
    this.hooks.set(name, { enabled: true, ...spec, name });
    return name;
  }

  /** run_webhooks(doc, method): queue the matching webhooks on the request. */
  run(ctx: Ctx, meta: DocTypeMeta, doc: Row, method: string, inInsert: boolean): void {
    const events = inInsert ? WEBHOOK_EVENTS : [...WEBHOOK_EVENTS, 'on_change', 'before_update_after_submit'];
    if (!events.includes(method)) return;
    for (const hook of this.hooks.values()) {
      if (!hook.enabled || hook.doctype !== meta.name || hook.event !== method) continue;
      const snapshot = asDict(meta, doc);
      if (hook.condition && !hook.condition(toPlain(snapshot) as Record<string, unknown>)) continue;
      ctx.webhookQueue.push({ webhook: hook.name, doctype: meta.name, name: String(doc.name), event: method, doc: snapshot as unknown as Row });
    }
  }

  /** flush_webhook_execution_queue, on commit: last instance per (webhook, doc name), in first-seen order of those. */
  flush(ctx: Ctx): void {
    const seen = new Set<string>();
    const last = [...ctx.webhookQueue].reverse().filter((q) => {
      const key = `${q.webhook}\u0000${q.name}`;
      return !seen.has(key) && seen.add(key);
    });
    ctx.webhookQueue = [];
    for (const item of last.reverse()) {
      const hook = this.hooks.get(item.webhook);
      if (!hook) continue;
      const job = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.deliver(hook, item.doc as unknown as PyDict, item));
      this.pending.add(job);
      void job.finally(() => this.pending.delete(job));
    }
  }

  async settle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  private data(hook: Hook, doc: PyDict): PyValue {
    if (hook.fields?.length) return new PyDict(hook.fields.map((w) => [w.key, doc.has(w.fieldname) ? doc.get(w.fieldname) : null]));
    if (hook.json && hook.requestStructure !== 'Form URL-Encoded') return loads(renderTemplate(hook.json, { doc }));
    return new PyDict();
  }

  /** enqueue_webhook */
  private async deliver(hook: Hook, doc: PyDict, item: { doctype: string; name: string; event: string }): Promise<void> {
    const entry = (status: number | null, error: string | null, attempt: number, body: string | null): void => {
      this.log.push({ webhook: hook.name, doctype: item.doctype, name: item.name, event: item.event, url: hook.url, status, error, attempt, body });
    };
    let data: PyValue;
    let body: string;
    const headers: Record<string, string> = { 'User-Agent': 'python-requests/2.32.3', 'Accept-Encoding': 'gzip, deflate', Accept: '*/*', Connection: 'keep-alive' };
    try {
      data = this.data(hook, doc);
      const signed = dumps(data);
      body = signed;
      if (hook.legacyFormBody && hook.requestStructure === 'Form URL-Encoded' && data instanceof Map) {
        const form = new URLSearchParams();
        for (const [k, v] of data) if (v !== null && v !== undefined) for (const one of Array.isArray(v) ? v : [v]) form.append(k, pyStr(one));
        body = form.toString();
        headers['Content-Type'] = 'application/x-www-form-urlencoded';
      }
      if (hook.secret) headers['X-Frappe-Webhook-Signature'] = createHmac('sha256', hook.secret).update(signed, 'utf8').digest('base64');
      for (const [k, v] of Object.entries(hook.headers ?? {})) if (k && v) headers[k] = v;
    } catch (err) {
      entry(null, `Failed to build the request: ${(err as Error).message}`, 0, null);
      return;
    }
    for (let i = 0; i < 3; i++) {
      const result = await send(hook.requestMethod ?? 'POST', hook.url, headers, body, (hook.timeout || 5) * 1000);
      if (result.status !== null && result.status < 400) {
        entry(result.status, null, i + 1, body);
        return;
      }
      entry(result.status, result.error, i + 1, body);
      if (!result.timedOut) await new Promise((r) => setTimeout(r, (3 * i + 1) * this.retryDelayMs));
    }
  }
}

/** One `requests.request(...)` + raise_for_status(), without connection reuse. */
function send(method: string, url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<{ status: number | null; error: string | null; timedOut: boolean }> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const req = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, { method, headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const kind = status >= 500 ? 'Server Error' : 'Client Error';
        resolve({ status, error: status >= 400 ? `requests.exceptions.HTTPError: ${status} ${kind}: ${res.statusMessage ?? ''} for url: ${url}` : null, timedOut: false });
      });
    });
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      resolve({ status: null, error: `requests.exceptions.ReadTimeout: Read timed out. (read timeout=${timeoutMs / 1000})`, timedOut: true });
    });
    req.on('error', (err) => resolve({ status: null, error: `requests.exceptions.ConnectionError: ${err.message}`, timedOut: false }));
    req.end(body);
  });
}
