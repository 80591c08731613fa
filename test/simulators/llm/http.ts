import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The HTTP edges: reading a request, writing a whole answer, and writing a server-sent-event stream
 * one event at a time. A client that hangs up mid-answer (a timeout test, an aborted agent) must not
 * crash the simulator, so every write first checks the response is still open.
 */

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Header values as plain strings (Node gives arrays for repeated headers), names in lower case. */
export function flattenHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

const isOpen = (res: ServerResponse): boolean => !res.destroyed && !res.writableEnded;

/** A whole answer. A string body is sent as it is; anything else as JSON. */
export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (!isOpen(res)) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

/** Lets the event loop turn between events, so clients see them arrive in separate reads as from a real model. */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * One SSE response. `event(name, data)` writes `event: <name>` (when a name is given, as Anthropic
 * does) and `data: <json>`, then the blank line that ends an event; `data('[DONE]')` writes OpenAI's
 * sentinel, which is not JSON.
 */
export class SseWriter {
  constructor(
    private readonly res: ServerResponse,
    headers: Record<string, string>,
  ) {
    if (!isOpen(res)) return;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers });
  }

  async event(name: string | null, data: unknown): Promise<void> {
    if (!isOpen(this.res)) return;
    const payload = typeof data === 'string' ? data : JSON.stringify(data);
    this.res.write(`${name ? `event: ${name}\n` : ''}data: ${payload}\n\n`);
    await tick();
  }

  end(): void {
    if (isOpen(this.res)) this.res.end();
  }
}
