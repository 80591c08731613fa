import { fork, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { FrameChannel, type Frame } from './frame-channel.js';
import type { SandboxOptions } from './options.js';
import type { HostToKernel, IsolateConfig, KernelToHost } from './protocol.js';

/**
 * The host runs what the kernel runs: compiled JavaScript in production (`dist/`), TypeScript through
 * tsx when the kernel itself is running from source (tests, `dogan-module dev`).
 */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const HOST_ENTRY = fileURLToPath(new URL(FROM_SOURCE ? './host/main.ts' : './host/main.js', import.meta.url));
const HOST_EXEC_ARGV = FROM_SOURCE
  ? ['--conditions=dogan-source', '--import', import.meta.resolve('tsx')]
  : ['--enable-source-maps'];
/** Only what node (and tsx) need: a host never sees the kernel's secrets (database URLs, tokens). */
const PASSED_ENV = ['PATH', 'HOME', 'TMPDIR', 'TEMP', 'TZ', 'LANG', 'NODE_ENV', 'TSX_TSCONFIG_PATH'];

export interface HostHandlers {
  frame(host: HostProcess, frame: Frame<HostToKernel>): void;
  exit(host: HostProcess, reason: string): void;
}

/**
 * One sandbox-host child process as the kernel sees it: its frame channel, the bundles and isolate
 * configurations it has been sent (forgotten when it is replaced), and a generation that changes
 * on every restart.
 */
export class HostProcess {
  private child: ChildProcess | undefined;
  private channel: FrameChannel<HostToKernel, KernelToHost> | undefined;
  readonly loaded = new Set<string>();
  readonly configured = new Map<string, string>();
  /** The configuration of every isolate this process was sent, by isolate key: who is who when it reports a crash. */
  readonly isolates = new Map<string, IsolateConfig>();
  /** Isolates this process named as ending it (a catastrophic error), since it started. */
  readonly culprits = new Map<string, { config: IsolateConfig; reason: string }>();
  generation = 0;
  pid: number | undefined;
  ready: Promise<void> = Promise.resolve();
  alive = false;
  /** Not running and not to be restarted until a call needs it: never started yet, or stopped for idleness. */
  dormant = true;
  /** When this host last received a call (ms since the epoch): idle hosts are stopped. */
  lastCallAt = 0;

  constructor(
    readonly index: number,
    private readonly options: SandboxOptions,
    private readonly handlers: HostHandlers,
  ) {}

  start(): Promise<void> {
    this.dormant = false;
    this.generation++;
    this.loaded.clear();
    this.configured.clear();
    this.isolates.clear();
    this.culprits.clear();
    const env: Record<string, string> = { DOGAN_SANDBOX_OPTIONS: JSON.stringify(this.options) };
    for (const name of PASSED_ENV) if (process.env[name] !== undefined) env[name] = process.env[name]!;
    const child = fork(HOST_ENTRY, [], {
      // --expose-gc: a heap check collects garbage before it judges what an isolate keeps (host/heap-check.ts).
      execArgv: ['--no-node-snapshot', '--expose-gc', ...HOST_EXEC_ARGV],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc', 'pipe'],
      env,
      serialization: 'json',
    });
    this.child = child;
    this.pid = child.pid;
    const generation = this.generation;
    this.ready = new Promise<void>((resolve, reject) => {
      const socket = child.stdio[4] as Socket;
      this.channel = new FrameChannel<HostToKernel, KernelToHost>(
        socket,
        (frame) => {
          if (frame.header.t === 'ready') {
            this.alive = true;
            resolve();
          }
          this.handlers.frame(this, frame);
        },
        () => child.kill('SIGKILL'),
      );
      // 'close', not 'exit': it comes after the last frame the host sent (a 'fatal' naming its culprit).
      child.once('close', (code, signal) => {
        if (generation !== this.generation) return;
        this.alive = false;
        const reason = signal ? `host ${this.index} killed by ${signal}` : `host ${this.index} exited with ${code}`;
        reject(new Error(reason));
        this.handlers.exit(this, reason);
      });
    });
    this.ready.catch(() => undefined);
    return this.ready;
  }

  send(header: KernelToHost, payload?: string | Buffer): void {
    this.channel?.send(header, payload);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.child?.kill(signal);
  }

  /** Stops the host for good (shutdown); its exit is not reported as a crash. */
  async stop(): Promise<void> {
    const child = this.child;
    this.generation++;
    this.alive = false;
    this.channel?.close();
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      // Hosts ignore SIGTERM (the process group's shutdown signal is the kernel's); closing the IPC
      // channel is how the kernel tells one to exit.
      if (child.connected) child.disconnect();
      else child.kill('SIGKILL');
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    });
  }
}
