import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { anthropicFormat, anthropicModels } from './anthropic.js';
import type { Turn, WireFormat } from './format.js';
import { flattenHeaders, readBody, send } from './http.js';
import { openaiFormat, openaiModels } from './openai.js';
import { ScriptBook } from './script.js';
import { roughTokens } from './tokens.js';
import type { LlmSimulator, LlmSimulatorOptions, RecordedRequest, RejectedRequest, ScriptedReply, UnscriptedRequest } from './types.js';

/**
 * The simulator's HTTP server on 127.0.0.1. A model request goes: record it, check auth and headers,
 * check the request shape, take a script, play it (delay, error, raw bytes or an answer written by
 * the format). Refusals come before scripts so a malformed request never uses up a scripted reply.
 */
export class LlmServer implements LlmSimulator {
  url = '';
  readonly apiKey: string;
  readonly requests: RecordedRequest[] = [];
  readonly unscripted: UnscriptedRequest[] = [];
  readonly rejected: RejectedRequest[] = [];
  private readonly book = new ScriptBook();
  private readonly openai: WireFormat;
  private readonly anthropic: WireFormat;
  private readonly timers = new Set<NodeJS.Timeout>();
  private server: Server | undefined;

  constructor(options: LlmSimulatorOptions = {}) {
    this.apiKey = options.apiKey ?? `sk-sim-${randomBytes(16).toString('hex')}`;
    this.openai = openaiFormat(this.apiKey);
    this.anthropic = anthropicFormat(this.apiKey);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      // A client that hung up must not take the test process down.
      res.on('error', () => undefined);
      this.onRequest(req, res).catch((err: Error) => send(res, 500, { error: { type: 'api_error', message: `LLM simulator crashed: ${err.stack ?? err.message}` } }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  script(...replies: ScriptedReply[]): void {
    this.book.push(replies);
  }

  on(when: string, ...replies: ScriptedReply[]): void {
    this.book.on(when, replies);
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const headers = flattenHeaders(req.headers);
    const path = new URL(req.url ?? '/', 'http://sim').pathname.replace(/\/+$/, '');
    const method = req.method ?? 'GET';
    if (method === 'POST' && path === '/v1/chat/completions') return this.model(this.openai, res, headers, raw);
    if (method === 'POST' && path === '/v1/messages') return this.model(this.anthropic, res, headers, raw);
    // Anthropic clients always send x-api-key or anthropic-version; anything else is treated as OpenAI.
    const wire = headers['x-api-key'] || headers['anthropic-version'] ? this.anthropic : this.openai;
    const requestId = wire.newRequestId();
    const out = { [wire.requestIdHeader]: requestId };
    if (method === 'GET' && path === '/v1/models') {
      const refusal = wire.authenticate(headers);
      if (refusal) return send(res, refusal.status, wire.errorBody(refusal.status, refusal.message, requestId, refusal.fields), out);
      return send(res, 200, wire === this.anthropic ? anthropicModels() : openaiModels(), out);
    }
    send(res, 404, wire.errorBody(404, `The LLM simulator has no ${method} ${path}: it serves POST /v1/chat/completions, POST /v1/messages and GET /v1/models.`, requestId), out);
  }

  private async model(wire: WireFormat, res: ServerResponse, headers: Record<string, string>, raw: string): Promise<void> {
    let body: any = raw;
    try {
      body = JSON.parse(raw);
    } catch {
      // Left as text: validation refuses it in the format's words.
    }
    this.requests.push({ format: wire.format, body, headers, at: Date.now() });
    const requestId = wire.newRequestId();
    const out = { [wire.requestIdHeader]: requestId };
    const refusal = wire.authenticate(headers) ?? wire.validate(body);
    if (refusal) {
      this.rejected.push({ format: wire.format, status: refusal.status, message: refusal.message });
      return send(res, refusal.status, wire.errorBody(refusal.status, refusal.message, requestId, refusal.fields), out);
    }
    const lastMessage = wire.lastMessage(body);
    const reply = this.book.take(lastMessage);
    if (!reply) return this.loud(wire, res, out, lastMessage, 'no scripted reply left');
    await this.play(wire, res, body, reply, requestId, out, lastMessage);
  }

  private async play(wire: WireFormat, res: ServerResponse, body: any, reply: ScriptedReply, requestId: string, out: Record<string, string>, lastMessage: string): Promise<void> {
    if ('delayMs' in reply) {
      await this.sleep(reply.delayMs);
      return this.play(wire, res, body, reply.then, requestId, out, lastMessage);
    }
    if ('status' in reply) {
      const errorBody = reply.body === undefined ? wire.errorBody(reply.status, undefined, requestId) : reply.body;
      return send(res, reply.status, errorBody, { ...out, ...(reply.headers ?? {}) });
    }
    if ('raw' in reply) {
      const contentType = reply.contentType ?? (body.stream === true ? 'text/event-stream; charset=utf-8' : 'application/json');
      return send(res, 200, reply.raw, { ...out, 'content-type': contentType });
    }
    if (!('text' in reply) && !('toolCalls' in reply)) return this.loud(wire, res, out, lastMessage, `a script entry that is no reply (${JSON.stringify(reply)})`);
    const toolCalls = 'toolCalls' in reply ? reply.toolCalls : [];
    // A model can only call tools it was offered: this catches a client that forgot to send its tools.
    if (toolCalls.length > 0 && !wire.offersTools(body)) return this.loud(wire, res, out, lastMessage, 'the scripted reply calls tools but the request offered none');
    const text = reply.text;
    const turn: Turn = {
      text,
      toolCalls: toolCalls.map((c) => ({ id: c.id ?? wire.newToolCallId(), name: c.name, arguments: c.arguments })),
      usage: reply.usage ?? {
        input: roughTokens(wire.promptText(body)),
        output: Math.max(1, roughTokens((text ?? '') + toolCalls.map((c) => c.name + JSON.stringify(c.arguments ?? {})).join(''))),
      },
    };
    await wire.answer(res, body, turn, out);
  }

  /**
   * A request no script answers: a 500 whose message says so, and an entry in `unscripted`.
   * `x-should-retry: false` makes the official SDKs fail at once instead of retrying into the same hole.
   */
  private loud(wire: WireFormat, res: ServerResponse, out: Record<string, string>, lastMessage: string, reason: string): void {
    this.unscripted.push({ format: wire.format, lastMessage, reason });
    const shown = lastMessage.length > 200 ? `${lastMessage.slice(0, 200)}…` : lastMessage;
    const message = `LLM simulator: ${reason} for this ${wire.format} request (last user/tool message: ${JSON.stringify(shown)}). Script one with sim.script(...) or sim.on(marker, ...).`;
    send(res, 500, wire.errorBody(500, message, out[wire.requestIdHeader]!), { ...out, 'x-should-retry': 'false' });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }
}
