import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A tiny HTTP server for simulators: collects the body, hands over method, path and headers. */
export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export type SimResponse = { status: number; body: unknown; headers?: Record<string, string> };

export async function listen(handler: (req: SimRequest) => SimResponse | Promise<SimResponse>): Promise<{ server: Server; url: string }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://sim');
      let out: SimResponse;
      try {
        out = await handler({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      } catch (err) {
        out = { status: 500, body: { error: { type: 'api_error', message: (err as Error).message } } };
      }
      if (out.status === 0) {
        // Status 0: simulate a network failure by dropping the connection without an answer.
        req.socket.destroy();
        return;
      }
      res.writeHead(out.status, { 'content-type': 'application/json', ...(out.headers ?? {}) });
      res.end(JSON.stringify(out.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}` };
}

export function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Parses Stripe's form encoding, including nested keys (`metadata[invoice_id]=…`, `a[b][c]=…`). */
export function parseForm(body: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const parts = rawKey.split('[').map((p) => p.replace(/\]$/, ''));
    let node = out as Record<string, unknown>;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) node[part] = value;
      else node = (node[part] ??= {}) as Record<string, unknown>;
    });
  }
  return out;
}

/** What every simulator shares: a server on a free loopback port, started and closed by the test. */
export abstract class SimulatorServer {
  url = '';
  private server: Server | undefined;

  async start(): Promise<string> {
    const { server, url } = await listen((req) => this.handle(req));
    this.server = server;
    this.url = url;
    return url;
  }

  async close(): Promise<void> {
    if (this.server) await close(this.server);
  }

  protected abstract handle(req: SimRequest): SimResponse | Promise<SimResponse>;
}
