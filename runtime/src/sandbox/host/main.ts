/**
 * A sandbox host: a child process of the kernel (started with --no-node-snapshot) that runs module
 * isolates. It talks to the kernel over the frame pipe on fd 4 and exits when the kernel goes away.
 */
import { Socket } from 'node:net';
import type { SandboxOptions } from '../options.js';
import type { HostToKernel, KernelToHost, LogEntry, ProblemShape } from '../protocol.js';
import { FrameChannel, type Frame } from '../frame-channel.js';
import { parseRouteAnswer } from './answer.js';
import { CapabilityBridge } from './capabilities.js';
import { CodeCache } from './code-cache.js';
import { IsolatePool } from './isolate-pool.js';
import { HostMemoryGuard } from './memory-guard.js';
import { Watchdog } from './watchdog.js';
import type { CallOutcome, InstanceHost, SandboxInstance } from './sandbox-instance.js';

const options = JSON.parse(process.env.DOGAN_SANDBOX_OPTIONS ?? '{}') as SandboxOptions;
const LEVELS = new Set(['debug', 'info', 'warn', 'error']);

const channel = new FrameChannel<KernelToHost, HostToKernel>(
  new Socket({ fd: 4, readable: true, writable: true }),
  (frame) => onFrame(frame),
  () => process.exit(1),
);
const send = (header: HostToKernel, payload?: string) => channel.send(header, payload);
const code = new CodeCache();
/** Isolates recycled for memory (their own limit or the host's ceiling), for the stats. */
let memoryRecycled = 0;

const host: InstanceHost = {
  options,
  code,
  request: (instance, reqId, tag, op, target, args) => bridge.request(instance, reqId, tag, op, target, args),
  logs: (instance, json) => forwardLogs(instance, json),
  breach: (instance, problem) => reportBreach(instance, problem),
  watch: (instance) => watchdog.watch(instance),
  disposed: (instance) => pool.forget(instance),
  catastrophic: (instance, message) => {
    // isolated-vm's docs: after a catastrophic error the process must end; the kernel replaces it,
    // and suspends the module whose isolate this was so it cannot do it again to its neighbours.
    send({ t: 'fatal', message: String(message).slice(0, 500), iso: instance.key });
    setImmediate(() => process.abort());
  },
};
const pool = new IsolatePool(options, host, () => guard.check());
const guard = new HostMemoryGuard(options.hostRssMb * 1024 * 1024, () => pool.live());
const watchdog = new Watchdog(options.watchdogIntervalMs, options.limits, () => guard.check());
const bridge = new CapabilityBridge(options, send, (instance, problem) => reportBreach(instance, problem));

function reportBreach(instance: SandboxInstance, problem: ProblemShape): void {
  if (problem.code === 'SANDBOX_MEMORY_LIMIT') memoryRecycled++;
  send({ t: 'breach', tenant: instance.config.tenant.id, module: instance.config.moduleKey, code: problem.code, detail: problem.message });
}

/** Re-checks what the isolate claims about its log lines, stamps them and passes them on. */
function forwardLogs(instance: SandboxInstance, json: string): void {
  let parsed: { entries?: unknown; dropped?: unknown };
  try {
    parsed = JSON.parse(json) as typeof parsed;
  } catch {
    return;
  }
  const { maxLogLinesPerCall: maxLines, maxLogLineBytes: maxBytes } = options.limits;
  const at = new Date().toISOString();
  const entries: LogEntry[] = [];
  for (const e of Array.isArray(parsed.entries) ? parsed.entries.slice(0, maxLines) : []) {
    const { level, message, data } = (e ?? {}) as Record<string, unknown>;
    entries.push({
      level: LEVELS.has(level as string) ? (level as LogEntry['level']) : 'info',
      message: String(message).slice(0, maxBytes),
      data: typeof data === 'string' && data.length <= maxBytes ? data : null,
      at,
    });
  }
  const dropped = Number(parsed.dropped) || 0;
  if (entries.length > 0) send({ t: 'log', iso: instance.key, tenant: instance.config.tenant.id, module: instance.config.moduleKey, entries });
  if (dropped > 0) reportBreach(instance, instance.problem('SANDBOX_LOG_LIMIT', `${dropped} log lines over the limit of ${maxLines} were dropped`));
}

function finishCall(id: number, kind: string, outcome: CallOutcome): void {
  if (!outcome.ok) return send({ t: 'result', id, ok: false, error: outcome.error });
  const raw = outcome.raw;
  if (kind !== 'route') return send({ t: 'result', id, ok: true, answer: null }, raw.charAt(0) === 'V' ? raw.slice(1) : 'null');
  const parsed = parseRouteAnswer(raw, options.limits.maxResponseBytes);
  if ('code' in parsed) send({ t: 'result', id, ok: false, error: parsed });
  else send({ t: 'result', id, ok: true, answer: parsed.answer }, parsed.body);
}

function onCall(header: Extract<KernelToHost, { t: 'call' }>, payload: Buffer): void {
  const instance = pool.get(header.iso);
  if (!instance) return send({ t: 'result', id: header.id, ok: false, error: { code: 'SANDBOX_UNAVAILABLE', message: 'isolate not configured' } });
  if (instance.calls.size >= options.limits.maxPendingCalls) {
    return send({ t: 'result', id: header.id, ok: false, error: { code: 'SANDBOX_BUSY', message: String(instance.calls.size) } });
  }
  void instance.invoke(header.kind, header.id, header.name, payload.toString('utf8'), (o) => finishCall(header.id, header.kind, o));
}

async function onStats(id: number): Promise<void> {
  const heapBytes = await pool.heapBytes();
  send({ t: 'stats', id, stats: { pid: process.pid, isolates: pool.size, rssBytes: process.memoryUsage.rss(), heapBytes, compiledModules: code.size, memoryRecycled } });
}

function onFrame({ header, payload }: Frame<KernelToHost>): void {
  switch (header.t) {
    case 'call':
      return onCall(header, payload);
    case 'capResult':
      return bridge.answer(header.id, header.ok, header.ok ? undefined : header.error, payload);
    case 'load':
      return code.add(header.module, payload.toString('utf8'));
    case 'configure':
      return pool.configure(header.iso, header.config);
    case 'evict':
      return pool.evict(header.iso);
    case 'stats':
      return void onStats(header.id);
  }
}

// The kernel ends a host by closing the IPC channel (and it closes by itself if the kernel dies).
process.on('disconnect', () => process.exit(0));
// Signals sent to the whole process group (Ctrl-C, systemd, Docker) are the kernel's to handle: it
// drains HTTP first and stops the hosts last, so calls in flight are not cut while their writes commit.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => undefined);
process.on('uncaughtException', (err) => {
  send({ t: 'fatal', message: String(err?.message ?? err).slice(0, 500) });
  setImmediate(() => process.exit(70));
});
send({ t: 'ready', pid: process.pid });
