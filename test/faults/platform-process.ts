import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { TEST_ADMIN_TOKEN } from '../helpers/kernel.js';
import { call } from './helpers.js';
import { doganNodeArgs } from '../helpers/dogan-command.js';

const root = new URL('../../', import.meta.url).pathname;

// A test that fails or times out must not leave platforms running: kill what is left when it exits.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Shared by every node of a test, as every node of a deployment must share it. */
export const TEST_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

export interface PlatformProcess {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  /** Resolves with the exit code, or the signal's name when a signal ended it. */
  readonly exited: Promise<number | string | null>;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
}

/**
 * Starts `dogan start` in a child process, as a node of a deployment runs it, and resolves once it
 * listens (after onReady, so start-up recovery has run). Unlike spawnDogan, it waits as long as a
 * loaded CI machine needs, keeps the data dir it is given (a restart must find it again) and lets the
 * caller see a start that failed: `started` resolves with the output instead of throwing.
 */
export function launchPlatform(env: Record<string, string>, options: { timeoutMs?: number } = {}): {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | string | null>;
  started: Promise<PlatformProcess | { failed: string }>;
} {
  const ownDir = env.DOGAN_DATA_DIR ? undefined : mkdtempSync(join(tmpdir(), 'dogan-node-'));
  const child = spawn(process.execPath, [...doganNodeArgs(env), 'start'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: '0',
      LOG_LEVEL: 'info',
      DOGAN_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      DOGAN_SECRET_KEY: TEST_SECRET_KEY,
      ...(ownDir ? { DOGAN_DATA_DIR: ownDir } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | string | null>((resolve) =>
    child.on('exit', (code, signal) => {
      running.delete(child);
      if (ownDir) rmSync(ownDir, { recursive: true, force: true });
      resolve(signal ?? code);
    }),
  );
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  const started = new Promise<PlatformProcess | { failed: string }>((resolve) => {
    const timer = setTimeout(() => resolve({ failed: `not listening within ${options.timeoutMs ?? 90_000} ms:\n${output}` }), options.timeoutMs ?? 90_000);
    const onData = () => {
      const m = /Dogan is running at (http:\/\/\S+)/.exec(output);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve({ child, url: m[1]!.replace('localhost', '127.0.0.1'), output: () => output, exited, kill });
    };
    child.stdout!.on('data', onData);
    void exited.then((how) => {
      clearTimeout(timer);
      resolve({ failed: `exited (${how}) before listening:\n${output}` });
    });
  });
  return { child, output: () => output, exited, started };
}

/** Starts a node and waits until it listens; throws with its output when it does not. */
export async function startPlatform(env: Record<string, string>, options: { timeoutMs?: number } = {}): Promise<PlatformProcess> {
  const launched = launchPlatform(env, options);
  const started = await launched.started;
  if ('failed' in started) {
    launched.child.kill('SIGKILL');
    throw new Error(started.failed);
  }
  return started;
}

/**
 * Starts two nodes at the same moment with one environment (each with its own data dir and port, as
 * on separate machines): each must come up and answer `/ready` 200. Returns them, or undefined when
 * one did not start (the test has failed, with that node's output).
 */
export async function startTwoNodesAtOnce(t: Test, env: Record<string, string>): Promise<Array<ReturnType<typeof launchPlatform>> | undefined> {
  const nodes = [launchPlatform(env), launchPlatform(env)];
  t.teardown(async () => {
    for (const node of nodes) node.child.kill('SIGKILL');
    await Promise.all(nodes.map((n) => n.exited));
  });
  let allStarted = true;
  for (const [i, node] of (await Promise.all(nodes.map((n) => n.started))).entries()) {
    if ('failed' in node) {
      t.fail(`node ${i + 1} did not start`, { output: node.failed.slice(-4000) });
      allStarted = false;
      continue;
    }
    const ready = await call(node.url, 'GET', '/ready');
    t.equal(ready.status, 200, `node ${i + 1} is ready`, { body: ready.body });
  }
  return allStarted ? nodes : undefined;
}
