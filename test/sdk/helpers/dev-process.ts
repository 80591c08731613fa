import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../sdk/bin/dogan-module.js', import.meta.url));
// Generous: a loaded CI machine may take many seconds to start a kernel and a sandbox host.
export const WAIT_MS = 90_000;

// Every folder a test makes goes when the test process ends, however it ended.
const made: string[] = [];
process.once('exit', () => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
export function tempDir(prefix = 'dogan-dev-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A `dogan-module dev` child process and its combined output. */
export interface Dev {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in stdout+stderr after `from` characters. */
  waitFor(pattern: RegExp, from?: number, timeoutMs?: number): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
}

/** Starts `dogan-module dev --port 0` in `cwd` as a developer would. */
export function startDev(cwd: string): Dev {
  // Without LOG_LEVEL the platform's own log stays silent, as a developer sees it.
  const { LOG_LEVEL: _ignored, ...env } = process.env;
  const child = spawn(process.execPath, [BIN, 'dev', '--port', '0'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    exited,
    waitFor(pattern, from = 0, timeoutMs = WAIT_MS) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = pattern.exec(text.slice(from));
          if (!m) return;
          cleanup();
          resolve(m);
        };
        const timer = setTimeout(() => (cleanup(), reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}; output so far:\n${text}`))), timeoutMs);
        const cleanup = () => (clearTimeout(timer), listeners.delete(check));
        listeners.add(check);
        void exited.then(() => (cleanup(), reject(new Error(`dev exited while waiting for ${pattern}:\n${text}`))));
        check();
      });
    },
  };
}

export async function call(url: string, key: string, method = 'GET', body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: await res.json() };
}

/** Polls until `check` is true; the rebuild is asynchronous and its timing is not what is tested. */
export async function eventually(check: () => Promise<boolean>, waitMs = WAIT_MS): Promise<boolean> {
  const until = Date.now() + waitMs;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}
