import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

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
export async function demoKeyOf(dogan: { output(): string }): Promise<string> {
  const find = () => /DOGAN_DEMO_KEY=(\S+)/.exec(dogan.output());
  await waitFor(async () => find() !== null, 5_000, 20);
  const m = find();
  if (!m) throw new Error(`no demo key in the output:\n${dogan.output()}`);
  return m[1]!;
}

/** A well-formed key that was never issued. */
export const UNKNOWN_KEY = 'dgn_0123456789ab_' + 'A'.repeat(43);

export interface Platform {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a signal to the platform's whole process group, as systemd, Docker or Ctrl-C do. */
  signalGroup(signal: NodeJS.Signals): void;
}

const repoRoot = new URL('../../', import.meta.url).pathname;

/**
 * Starts the platform the way the README says (`npm start`), in a process group of its own, on the
 * data dir and database given in `env`, and resolves once it prints where it listens.
 */
export async function startPlatform(env: Record<string, string>, command: string[] = ['npm', 'start']): Promise<Platform> {
  const { spawn } = await import('node:child_process');
  const child = spawn(command[0]!, command.slice(1), {
    cwd: repoRoot,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the platform did not start within 60 s:\n${output}`)), 60_000);
    const onData = () => {
      const m = /Dogan is running at (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the platform exited before listening:\n${output}`));
    });
  });
  return {
    child,
    url,
    output: () => output,
    exited,
    signalGroup(signal) {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    },
  };
}
