import { setTimeout as sleep } from 'node:timers/promises';
import type { SpawnedDogan } from '../helpers/spawn-dogan.js';

/** One HTTP answer, with its body parsed when it is JSON. */
export interface Answer {
  status: number;
  type: string;
  retryAfter: string | null;
  body: Record<string, unknown> | string;
}

export async function call(base: string, method: string, path: string, options: { key?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body), signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let body: Record<string, unknown> | string = text;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: kept as text
  }
  return { status: res.status, type: res.headers.get('content-type') ?? '', retryAfter: res.headers.get('retry-after'), body };
}

/** Polls until `check` is true or `ms` pass; returns whether it became true. */
export async function waitFor(check: () => Promise<boolean>, ms: number, every = 200): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return true;
    await sleep(every);
  }
  return false;
}

/** The demo key `dogan start --demo` prints (the banner may arrive in several chunks). */
export async function demoKeyOf(dogan: SpawnedDogan): Promise<string> {
  const find = () => /DOGAN_DEMO_KEY=(\S+)/.exec(dogan.output());
  await waitFor(async () => find() !== null, 5_000, 20);
  const m = find();
  if (!m) throw new Error(`no demo key in the output:\n${dogan.output()}`);
  return m[1]!;
}

/** A well-formed key that was never issued. */
export const UNKNOWN_KEY = 'dgn_0123456789ab_' + 'A'.repeat(43);
