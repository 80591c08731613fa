import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { doganNodeArgs } from './dogan-command.js';

const root = new URL('../../', import.meta.url).pathname;

export interface SpawnedDogan {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs the real `dogan` CLI in a child process and resolves once it prints where it listens. */
export async function spawnDogan(args: string[], env: Record<string, string> = {}): Promise<SpawnedDogan> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dogan-cli-'));
  const child = spawn(process.execPath, [...doganNodeArgs(env), ...args], {
    cwd: root,
    env: { ...process.env, DOGAN_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      rmSync(dataDir, { recursive: true, force: true });
      resolve(code);
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dogan did not start within 20 s:\n${output}`)), 20_000);
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
      reject(new Error(`dogan exited before listening:\n${output}`));
    });
  });
  return { child, url, output: () => output, exited };
}

/** Runs a `dogan` command to completion and returns its exit code and output. */
export async function runDogan(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...doganNodeArgs(env), ...args], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout, stderr };
}
