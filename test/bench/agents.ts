/**
 * `npm run bench:agents`: what the platform adds to each step of an agent task, and how many tasks one
 * node runs at once before its steps slow down, on SQLite and PostgreSQL.
 *
 * A task here is BENCH_STEPS (default 10) model calls that each ask for one tool call, then one model
 * call that answers: BENCH_STEPS + 1 model calls. The model is the LLM simulator (test/simulators/llm),
 * which answers at once; it runs in a worker thread of its own (BENCH_SIM_INLINE=1: on the kernel's
 * event loop) and is scripted per task with `sim.on(marker, ...)`, so tasks running together each get
 * their own answers. The kernel (tenants, modules with one sandbox host, agents) is driven in-process
 * through `app.inject`; model calls go over real HTTP, through the agents plugin's own keep-alive
 * client (undici, `llmDispatcher`), to the simulator on 127.0.0.1.
 *
 * 1. Per step, one task at a time, BENCH_TASKS measured tasks per row (default 20, after BENCH_WARMUP = 3):
 *    - `bench_echo`, a tool registered through `agentToolRegistryRef` that answers at once;
 *    - `bench_tools__echo`, the same tool in a module, run in the sandbox.
 *    A step is one model call and the tool call it asked for: the time from one model request leaving
 *    the client to the next one leaving (undici's diagnostics channels, in this process). Baseline in
 *    the same run, interleaved with the tasks: the requests each task sent, replayed as bare round
 *    trips to the simulator through the same kind of client (an `llmDispatcher`, keep-alive), one after
 *    another; the ratio is "a platform step against one LLM round trip with the same payload".
 * 2. Concurrency: BENCH_LEVELS (default 1,2,4,8,16,32) tasks started at once, each in its own tenant with
 *    its own agent (BENCH_SHARED_TENANT=1: all in one tenant, still one agent each), with the registered
 *    tool; a step's latency is the time between two tool calls of one task. Rounds repeat until
 *    BENCH_SAMPLES (default 300) latencies are in. The level where p99 first exceeds twice the p99 of
 *    one task alone is printed.
 *
 * The kernel runs with AGENTS_CONCURRENCY=64 and AGENTS_POLL_INTERVAL_MS=10; any AGENTS_* or TENANT_*
 * variable in the environment is passed on to it (the settings used are printed). BENCH_FORMAT=anthropic
 * speaks Anthropic Messages instead of OpenAI chat completions.
 *
 * Prints tables, asserts nothing. BENCH_ENGINES=sqlite or =postgresql runs one engine only.
 */
import diagnostics from 'node:diagnostics_channel';
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { FastifyInstance } from 'fastify';
import type { AgentTool, Kernel, PluginDefinition } from '@dogan/runtime';
import type { LlmFormat, RejectedRequest, ScriptedReply, UnscriptedRequest } from '../simulators/llm/index.js';

const STEPS = Number(process.env.BENCH_STEPS ?? 10);
const TASKS = Number(process.env.BENCH_TASKS ?? 20);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const LEVELS = (process.env.BENCH_LEVELS ?? '1,2,4,8,16,32').split(',').map(Number);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 300);
const SHARED_TENANT = process.env.BENCH_SHARED_TENANT === '1';
const SIM_INLINE = process.env.BENCH_SIM_INLINE === '1';
const FORMAT: LlmFormat = process.env.BENCH_FORMAT === 'anthropic' ? 'anthropic' : 'openai';
/** Longest wait for one task (or one round) before the run gives up with what it knows. */
const STALL_MS = 60_000;
const FINAL = ['completed', 'failed', 'cancelled', 'rejected'];

// ---------------------------------------------------------------------------------------------
// The simulator, in a worker thread (or inline): scripts in, requests and handling times out.
// ---------------------------------------------------------------------------------------------

type SimOp =
  | { op: 'on'; entries: Array<[string, ScriptedReply[]]> }
  | { op: 'script'; replies: ScriptedReply[] }
  | { op: 'count' }
  | { op: 'requests'; from: number }
  | { op: 'handling' }
  | { op: 'problems' }
  | { op: 'close' };

interface SimRequest {
  format: LlmFormat;
  body: unknown;
  headers: Record<string, string>;
}

interface SimHandle {
  readonly url: string;
  readonly apiKey: string;
  on(entries: Array<[string, ScriptedReply[]]>): Promise<void>;
  script(replies: ScriptedReply[]): Promise<void>;
  /** Model requests received so far (the simulator's `requests.length`). */
  count(): Promise<number>;
  requests(from: number): Promise<SimRequest[]>;
  /** The simulator's own time per request (ms, headers in to the last byte handed to the socket) since the last call. */
  handling(): Promise<number[]>;
  problems(): Promise<{ unscripted: UnscriptedRequest[]; rejected: RejectedRequest[] }>;
  close(): Promise<void>;
}

/** The simulator and the operations on it, where it runs; its handling times come from Node's http diagnostics channels. */
async function simCore(): Promise<{ url: string; apiKey: string; handle(m: SimOp): Promise<unknown> }> {
  const { startLlmSimulator } = await import('../simulators/llm/index.js');
  const sim = await startLlmSimulator();
  const port = Number(new URL(sim.url).port);
  const started = new WeakMap<object, number>();
  let times: number[] = [];
  const ours = (m: unknown) => (m as { socket?: { localPort?: number } }).socket?.localPort === port;
  const onStart = (m: unknown) => void (ours(m) && started.set((m as { request: object }).request, performance.now()));
  const onFinish = (m: unknown) => {
    const at = started.get((m as { request: object }).request);
    if (at !== undefined) times.push(performance.now() - at);
  };
  diagnostics.subscribe('http.server.request.start', onStart);
  diagnostics.subscribe('http.server.response.finish', onFinish);
  return {
    url: sim.url,
    apiKey: sim.apiKey,
    async handle(m) {
      switch (m.op) {
        case 'on':
          for (const [when, replies] of m.entries) sim.on(when, ...replies);
          return undefined;
        case 'script':
          return sim.script(...m.replies);
        case 'count':
          return sim.requests.length;
        case 'requests':
          return sim.requests.slice(m.from).map((r) => ({ format: r.format, body: r.body, headers: r.headers }));
        case 'handling': {
          const out = times;
          times = [];
          return out;
        }
        case 'problems':
          return { unscripted: sim.unscripted, rejected: sim.rejected };
        case 'close':
          diagnostics.unsubscribe('http.server.request.start', onStart);
          diagnostics.unsubscribe('http.server.response.finish', onFinish);
          return sim.close();
      }
    },
  };
}

function simHandle(url: string, apiKey: string, call: (m: SimOp) => Promise<unknown>, close: () => Promise<void>): SimHandle {
  return {
    url,
    apiKey,
    on: async (entries) => void (await call({ op: 'on', entries })),
    script: async (replies) => void (await call({ op: 'script', replies })),
    count: async () => (await call({ op: 'count' })) as number,
    requests: async (from) => (await call({ op: 'requests', from })) as SimRequest[],
    handling: async () => (await call({ op: 'handling' })) as number[],
    problems: async () => (await call({ op: 'problems' })) as { unscripted: UnscriptedRequest[]; rejected: RejectedRequest[] },
    close,
  };
}

/** The worker thread's side: answers the main thread's operations by id; id 0 announces the simulator. */
async function simWorker(): Promise<void> {
  const core = await simCore();
  const port = parentPort!;
  port.on('message', (msg: { id: number } & SimOp) => {
    core.handle(msg).then(
      (result) => port.postMessage({ id: msg.id, result }),
      (err: Error) => port.postMessage({ id: msg.id, error: err.stack ?? err.message }),
    );
  });
  port.postMessage({ id: 0, result: { url: core.url, apiKey: core.apiKey } });
}

async function startSim(): Promise<SimHandle> {
  if (SIM_INLINE) {
    const core = await simCore();
    return simHandle(core.url, core.apiKey, (m) => core.handle(m), async () => void (await core.handle({ op: 'close' })));
  }
  // Node 20 does not carry `--import tsx` into workers: the worker registers tsx, then loads this file.
  const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const worker = new Worker(bootstrap, { eval: true, workerData: { role: 'llm-simulator' } });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let seq = 0;
  worker.on('message', (m: { id: number; result?: unknown; error?: string }) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error !== undefined) p?.reject(new Error(`LLM simulator thread: ${m.error}`));
    else p?.resolve(m.result);
  });
  worker.on('error', (err) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  });
  const call = (m: SimOp) =>
    new Promise<unknown>((resolve, reject) => {
      const id = ++seq;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, ...m });
    });
  const ready = (await new Promise((resolve, reject) => pending.set(0, { resolve, reject }))) as { url: string; apiKey: string };
  return simHandle(ready.url, ready.apiKey, call, async () => {
    await call({ op: 'close' });
    await worker.terminate();
  });
}

// ---------------------------------------------------------------------------------------------
// Measuring: model calls as the kernel's client makes them, tool calls as the registered tool sees them.
// ---------------------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? NaN; // nearest rank
}
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const ms = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)} ms` : '-');

/**
 * Model calls to the simulator (start and end, client side) while a window is open: undici publishes
 * them for any client in the process. `failed` is called on any answer but a 200 (an unscripted
 * request, a refusal), so a run that went wrong is reported at once instead of stalling.
 */
const llm = {
  origin: '',
  window: null as Array<{ start: number; end: number; ok: boolean }> | null,
  started: new WeakMap<object, number>(),
  refused: new WeakSet<object>(),
  want: Infinity,
  reached: () => undefined as void,
  failed: () => undefined as void,
};
function watchModelCalls(): void {
  const requestOf = (m: unknown) => (m as { request: { origin?: unknown } }).request;
  const ours = (request: { origin?: unknown }) => llm.origin !== '' && String(request.origin).startsWith(llm.origin);
  diagnostics.subscribe('undici:request:create', (m) => {
    const request = requestOf(m);
    if (llm.window && ours(request)) llm.started.set(request, performance.now());
  });
  diagnostics.subscribe('undici:request:headers', (m) => {
    const request = requestOf(m);
    if (!ours(request) || (m as { response: { statusCode: number } }).response.statusCode === 200) return;
    llm.refused.add(request);
    llm.failed();
  });
  const done = (ok: boolean) => (m: unknown) => {
    const request = requestOf(m);
    const start = llm.started.get(request);
    if (start === undefined || !llm.window) return;
    llm.started.delete(request);
    llm.window.push({ start, end: performance.now(), ok: ok && !llm.refused.has(request) });
    if (llm.window.length >= llm.want) llm.reached();
  };
  diagnostics.subscribe('undici:request:trailers', done(true));
  diagnostics.subscribe('undici:request:error', (m) => {
    done(false)(m);
    if (ours(requestOf(m))) llm.failed();
  });
}

/** Tool calls of `bench_echo` by task tag: the time of each call, in step order. */
const toolCalls = new Map<string, number[]>();
/** Called once a task's last tool call is in. */
const lastToolCall = new Map<string, () => void>();

function within<T>(promise: Promise<T>, what: () => Promise<string> | string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stall = new Promise<never>((_, reject) => {
    timer = setTimeout(() => void Promise.resolve(what()).then((why) => reject(new Error(`stalled for ${STALL_MS / 1000} s: ${why}`))), STALL_MS);
  });
  return Promise.race([promise, stall]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------
// The platform, loaded in the main thread only (the simulator's thread needs none of it).
// ---------------------------------------------------------------------------------------------

async function loadPlatform() {
  const [runtime, tenants, agents, modules, distribution, address, releases, engines, fixtures] = await Promise.all([
    import('@dogan/runtime'),
    import('@dogan/tenants'),
    import('@dogan/plugin-agents'),
    import('@dogan/plugin-modules'),
    import('@dogan/distribution'),
    import('../../plugins/agents/src/llm/address.js'),
    import('../registry/helpers/releases.js'),
    import('../helpers/engines.js'),
    import('../helpers/tenant-fixtures.js'),
  ]);
  return {
    buildKernel: runtime.buildKernel,
    agentToolRegistryRef: runtime.agentToolRegistryRef,
    tenantsPlugin: tenants.default as PluginDefinition,
    agentsPlugin: agents.default as PluginDefinition,
    createModulesPlugin: modules.createModulesPlugin,
    moduleFromSource: modules.moduleFromSource,
    modulesRuntimeRef: modules.modulesRuntimeRef,
    firstPartyPlugins: distribution.firstPartyPlugins,
    llmDispatcher: address.llmDispatcher,
    manifestFor: releases.manifestFor,
    ENGINES: engines.ENGINES,
    openEngine: engines.openEngine,
    postgresUnavailable: engines.postgresUnavailable,
    adminHeaders: fixtures.adminHeaders,
  };
}
type Platform = Awaited<ReturnType<typeof loadPlatform>>;
type EngineName = Platform['ENGINES'][number];

const cleanups: Array<() => unknown> = [];
async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) {
    try {
      await cleanups.pop()!();
    } catch (err) {
      process.stderr.write(`cleanup: ${(err as Error).message}\n`);
    }
  }
}

const MODULE_ID = 'bench.tools';
const MODULE_TOOL = 'bench_tools__echo';
const TOOL = 'bench_echo';
const echoSchema = { type: 'object', additionalProperties: false, required: ['tag'], properties: { tag: { type: 'string', minLength: 1, maxLength: 64 } } };
const moduleCode = 'export const tools = { echo: async (req) => ({ echo: req.arguments.tag }) };';
const USAGE = { input: 100, output: 10 };

/** The kernel's variables besides the engine's: ours, then AGENTS_* / TENANT_* from the environment. */
function kernelEnv(tenants: number): Record<string, string> {
  const env: Record<string, string> = {
    LOG_LEVEL: 'warn',
    AGENTS_LLM_ALLOW_PRIVATE_NETWORKS: 'true',
    AGENTS_CONCURRENCY: '64',
    AGENTS_POLL_INTERVAL_MS: '10',
    AGENTS_MAX_STEPS: String(Math.min(200, Math.max(20, STEPS + 2))),
    TENANT_ORM_CACHE_SIZE: String(Math.max(100, tenants + 10)),
  };
  for (const [name, value] of Object.entries(process.env)) if (/^(AGENTS|TENANT)_/.test(name) && value !== undefined) env[name] = value;
  return env;
}

interface Slot {
  subdomain: string;
  headers: Record<string, string>;
  agentId: string;
}

/** One task's script: the task message asks for the first tool call, each tool result for the next, the last for the answer. */
function scriptFor(tag: string, tool: string): Array<[string, ScriptedReply[]]> {
  const call = (k: number): ScriptedReply => ({ toolCalls: [{ name: tool, arguments: { tag: `${tag}.${k}` } }], usage: USAGE });
  const entries: Array<[string, ScriptedReply[]]> = [[`[${tag}]`, [call(1)]]];
  for (let k = 1; k < STEPS; k++) entries.push([`"echo":"${tag}.${k}"`, [call(k + 1)]]);
  entries.push([`"echo":"${tag}.${STEPS}"`, [{ text: `done ${tag}`, usage: USAGE }]]);
  return entries;
}

interface StepRow {
  tool: string;
  steps: number[];
  llm: number[];
  sim: number[];
  bare: number[];
  walls: number[];
}
interface LevelRow {
  level: number;
  rounds: number;
  latencies: number[];
  inFlight: number;
  stepsPerSecond: number;
  sim: number[];
  loopDelayP99: number;
}

async function run(p: Platform, engineName: EngineName): Promise<{ steps: StepRow[]; levels: LevelRow[]; settings: Record<string, string> }> {
  const maxLevel = Math.max(...LEVELS);
  const tenantCount = SHARED_TENANT ? 1 : maxLevel;
  const engine = await p.openEngine(engineName, (fn) => cleanups.push(fn), { connectionLimit: tenantCount + 40 });
  const env = kernelEnv(tenantCount);
  const kernel: Kernel = await p.buildKernel({
    config: engine.config(env),
    plugins: [p.tenantsPlugin, p.createModulesPlugin({ sandbox: { hosts: 1 } }) as PluginDefinition, p.agentsPlugin],
    catalog: p.firstPartyPlugins,
  });
  cleanups.push(() => kernel.close());
  const app: FastifyInstance = kernel.app;
  const sim = await startSim();
  cleanups.push(() => sim.close());
  llm.origin = sim.url;
  const dispatcher = p.llmDispatcher({ allowPrivateNetworks: true });
  cleanups.push(() => dispatcher.close());

  const echo: AgentTool = {
    name: TOOL,
    description: { en: 'Echo a tag back', ar: 'إعادة الوسم' },
    inputSchema: echoSchema,
    risky: false,
    run: async (_context, input) => {
      const tag = String(input.tag);
      const dot = tag.lastIndexOf('.');
      const task = tag.slice(0, dot);
      const k = Number(tag.slice(dot + 1));
      const times = toolCalls.get(task);
      if (times) {
        times[k - 1] = performance.now();
        if (k === STEPS) lastToolCall.get(task)?.();
      }
      return { echo: tag };
    },
  };
  kernel.host.service(p.agentToolRegistryRef).register('bench', [echo]);
  const manifest = p.manifestFor(MODULE_ID, '1.0.0', {
    permissions: [{ name: 'tools', kind: 'agent-tools', required: true, description: { en: 'Echo', ar: 'صدى' } }],
    collections: [],
    routes: [],
    agentTools: [{ name: 'echo', description: { en: 'Echo a tag back', ar: 'إعادة الوسم' }, parameters: echoSchema, handler: 'echo' }],
  });
  const modules = kernel.host.service(p.modulesRuntimeRef);
  modules.register(p.moduleFromSource(manifest, moduleCode));

  // Tenants, each with the simulator as its default model, and one agent per slot.
  process.stderr.write(`${engineName}: ${tenantCount} tenant(s), ${maxLevel + 1} agents...\n`);
  const call = (slot: { subdomain: string; headers: Record<string, string> }, method: 'GET' | 'POST' | 'PUT', path: string, payload?: object) =>
    app.inject({ method, url: `/api/v1/${slot.subdomain}${path}`, headers: slot.headers, ...(payload ? { payload } : {}) });
  const tenants: Array<{ id: string; subdomain: string; headers: Record<string, string> }> = [];
  for (let i = 0; i < tenantCount; i++) {
    const subdomain = `bench-${i}`;
    const created = await app.inject({ method: 'POST', url: '/api/admin/tenants', headers: p.adminHeaders, payload: { name: subdomain, subdomain, plan: 'enterprise' } });
    if (created.statusCode !== 201) throw new Error(`tenant: ${created.statusCode} ${created.body}`);
    const id = (created.json() as { id: string }).id;
    const key = await app.inject({ method: 'POST', url: `/api/admin/tenants/${id}/api-keys`, headers: p.adminHeaders, payload: { name: 'bench', scopes: ['read', 'write', 'admin'] } });
    const t = { id, subdomain, headers: { authorization: `Bearer ${(key.json() as { key: string }).key}` } };
    const baseUrl = FORMAT === 'openai' ? `${sim.url}/v1` : sim.url;
    const profile = await call(t, 'PUT', '/agents/llm-profiles/default', { kind: FORMAT, model: `${FORMAT}-bench`, baseUrl, apiKey: sim.apiKey, inputHalalasPerMillionTokens: 1000, outputHalalasPerMillionTokens: 2000, isDefault: true });
    if (profile.statusCode !== 200) throw new Error(`profile: ${profile.statusCode} ${profile.body}`);
    tenants.push(t);
  }
  const newAgent = async (t: (typeof tenants)[number], tools: string[], n: number): Promise<Slot> => {
    const res = await call(t, 'POST', '/agents', { name: { ar: `وكيل ${n}`, en: `Bench agent ${n}` }, title: { ar: 'موظف', en: 'Officer' }, role: 'officer', department: 'operations', tools });
    if (res.statusCode !== 201) throw new Error(`agent: ${res.statusCode} ${res.body}`);
    return { subdomain: t.subdomain, headers: t.headers, agentId: (res.json() as { id: string }).id };
  };
  const slots: Slot[] = [];
  for (let i = 0; i < maxLevel; i++) slots.push(await newAgent(tenants[SHARED_TENANT ? 0 : i]!, [TOOL], i));
  await modules.enableForTenant(tenants[0]!.id, MODULE_ID, ['tools']);
  const moduleSlot = await newAgent(tenants[0]!, [MODULE_TOOL], maxLevel);

  let seq = 0;
  const trace = async (slot: Slot, id: string) => (await call(slot, 'GET', `/agents/tasks/${id}/trace`)).body.slice(0, 2000);
  const problems = async () => JSON.stringify(await sim.problems()).slice(0, 2000);
  const startTask = async (slot: Slot, tag: string): Promise<string> => {
    const res = await call(slot, 'POST', '/agents/tasks', { title: `Bench task [${tag}]`, description: 'Echo each tag back, one step at a time.', agentId: slot.agentId });
    if (res.statusCode !== 201) throw new Error(`task: ${res.statusCode} ${res.body}`);
    return (res.json() as { id: string }).id;
  };
  /** Polls the task until it is final; it must have completed with every model call made. */
  const finished = async (slot: Slot, id: string, pollMs: number) => {
    for (;;) {
      const task = (await call(slot, 'GET', `/agents/tasks/${id}`)).json() as { status: string; usage: { steps: number }; createdAt: string; finishedAt: string };
      if (FINAL.includes(task.status)) {
        if (task.status !== 'completed' || task.usage.steps !== STEPS + 1) throw new Error(`task ${id} ended ${task.status} after ${task.usage.steps} model calls: ${await trace(slot, id)}; simulator: ${await problems()}`);
        return task;
      }
      await sleep(pollMs);
    }
  };

  // 1. Per step, one task at a time, and the same requests as bare round trips.
  const bareRoundTrip = async (r: SimRequest): Promise<number> => {
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'accept', 'user-agent', 'authorization', 'x-api-key', 'anthropic-version']) if (r.headers[name] !== undefined) headers[name] = r.headers[name];
    const body = JSON.stringify(r.body);
    const path = r.format === 'openai' ? '/v1/chat/completions' : '/v1/messages';
    const start = performance.now();
    const res = await dispatcher.request({ origin: sim.url, path, method: 'POST', headers, body });
    JSON.parse(await res.body.text());
    const took = performance.now() - start;
    if (res.statusCode !== 200) throw new Error(`bare round trip answered ${res.statusCode}`);
    return took;
  };
  // One round trip first, so the baseline's connection is open as the kernel's is.
  await (await dispatcher.request({ origin: sim.url, path: '/v1/models', method: 'GET', headers: FORMAT === 'openai' ? { authorization: `Bearer ${sim.apiKey}` } : { 'x-api-key': sim.apiKey } })).body.dump();

  const stepRows: StepRow[] = [];
  for (const [tool, slot] of [
    [TOOL, slots[0]!],
    [MODULE_TOOL, moduleSlot],
  ] as const) {
    process.stderr.write(`${engineName}: ${WARMUP} + ${TASKS} tasks of ${STEPS} steps with ${tool}, one at a time...\n`);
    const row: StepRow = { tool, steps: [], llm: [], sim: [], bare: [], walls: [] };
    for (let i = 0; i < WARMUP + TASKS; i++) {
      const tag = `t${++seq}`;
      await sim.on(scriptFor(tag, tool));
      const before = await sim.count();
      await sim.handling();
      llm.window = [];
      llm.want = STEPS + 1;
      // Every model call made, or one that went wrong (then `finished` below says what).
      const allCalls = new Promise<void>((resolve) => {
        llm.reached = resolve;
        llm.failed = resolve;
      });
      const id = await startTask(slot, tag);
      // A task stopped for another reason (a guard) makes no more model calls: a slow look at it ends the wait too.
      const stopped = (async () => {
        while (llm.window !== null) {
          await sleep(250);
          if (llm.window !== null && FINAL.includes(((await call(slot, 'GET', `/agents/tasks/${id}`)).json() as { status: string }).status)) return;
        }
      })();
      await within(Promise.race([allCalls, stopped]), async () => `task ${id}: ${llm.window?.length ?? 0} of ${STEPS + 1} model calls; ${await trace(slot, id)}; simulator: ${await problems()}`);
      const calls = [...llm.window].sort((a, b) => a.start - b.start);
      llm.window = null;
      const task = await finished(slot, id, 2);
      const handling = await sim.handling();
      const sent = await sim.requests(before);
      if (i < WARMUP) continue;
      if (calls.some((c) => !c.ok) || sent.length !== STEPS + 1) throw new Error(`task ${id}: ${calls.length} model calls, ${sent.length} at the simulator`);
      for (let k = 0; k < STEPS; k++) {
        row.steps.push(calls[k + 1]!.start - calls[k]!.start);
        row.llm.push(calls[k]!.end - calls[k]!.start);
        row.sim.push(handling[k] ?? NaN);
      }
      row.walls.push(Date.parse(task.finishedAt) - Date.parse(task.createdAt));
      // The baseline: the same first STEPS requests, with the same answers, as bare round trips.
      await sim.script(sent.slice(0, STEPS).map((_, k) => ({ toolCalls: [{ name: tool, arguments: { tag: `${tag}.${k + 1}` } }], usage: USAGE })));
      for (const r of sent.slice(0, STEPS)) row.bare.push(await bareRoundTrip(r));
      await sim.handling();
    }
    stepRows.push(row);
  }

  // 2. Concurrency: LEVELS tasks at once, rounds until SAMPLES step latencies are in.
  const levelRows: LevelRow[] = [];
  const loop = monitorEventLoopDelay({ resolution: 1 });
  for (const level of LEVELS) {
    const rounds = Math.max(1, Math.ceil(SAMPLES / (level * Math.max(1, STEPS - 1))));
    process.stderr.write(`${engineName}: ${level} task(s) at once, ${rounds} round(s)...\n`);
    const row: LevelRow = { level, rounds, latencies: [], inFlight: 0, stepsPerSecond: 0, sim: [], loopDelayP99: 0 };
    let busy = 0;
    let span = 0;
    let intervals = 0;
    await sim.handling();
    loop.reset();
    loop.enable();
    for (let r = 0; r < rounds; r++) {
      const tags = slots.slice(0, level).map(() => `t${++seq}`);
      await sim.on(tags.flatMap((tag) => scriptFor(tag, TOOL)));
      const lastCalls = tags.map((tag) => {
        toolCalls.set(tag, []);
        return new Promise<void>((resolve) => lastToolCall.set(tag, resolve));
      });
      const failure = new Promise<void>((resolve) => (llm.failed = resolve));
      const ids = await Promise.all(tags.map((tag, i) => startTask(slots[i]!, tag)));
      // Every last tool call in, or a model call that went wrong (then `finished` below says which task and why).
      await within(Promise.race([Promise.all(lastCalls), failure]), async () => `round of ${level}: ${tags.map((t) => toolCalls.get(t)?.filter(Boolean).length ?? 0).join(',')} tool calls of ${STEPS}; simulator: ${await problems()}`);
      await Promise.all(ids.map((id, i) => finished(slots[i]!, id, 5)));
      let first = Infinity;
      let last = -Infinity;
      for (const tag of tags) {
        const times = toolCalls.get(tag)!;
        for (let k = 1; k < STEPS; k++) row.latencies.push(times[k]! - times[k - 1]!);
        busy += times[STEPS - 1]! - times[0]!;
        intervals += STEPS - 1;
        first = Math.min(first, times[0]!);
        last = Math.max(last, times[STEPS - 1]!);
        toolCalls.delete(tag);
        lastToolCall.delete(tag);
      }
      span += last - first;
    }
    loop.disable();
    row.inFlight = span > 0 ? busy / span : 1;
    row.stepsPerSecond = span > 0 ? (intervals / span) * 1000 : NaN;
    row.sim = await sim.handling();
    row.loopDelayP99 = loop.percentile(99) / 1e6;
    levelRows.push(row);
  }

  const { unscripted, rejected } = await sim.problems();
  if (unscripted.length > 0) process.stderr.write(`WARNING (${engineName}): ${unscripted.length} model request(s) found no script, e.g. ${JSON.stringify(unscripted[0])}\n`);
  if (rejected.length > 0) process.stderr.write(`WARNING (${engineName}): the simulator refused ${rejected.length} request(s), e.g. ${JSON.stringify(rejected[0])}\n`);
  const settings: Record<string, string> = {};
  for (const name of ['AGENTS_CONCURRENCY', 'AGENTS_POLL_INTERVAL_MS', 'AGENTS_MAX_STEPS', 'AGENTS_LLM_MAX_CONCURRENT', 'TENANT_DB_POOL_MAX', 'TENANT_ORM_CACHE_SIZE']) {
    const spec = p.agentsPlugin.config?.[name] ?? p.tenantsPlugin.config?.[name];
    const value = env[name] ?? (spec?.defaultText === undefined ? undefined : `${spec.defaultText} (default)`);
    if (value !== undefined) settings[name] = value;
  }
  await cleanUp();
  return { steps: stepRows, levels: levelRows, settings };
}

function table(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const row of rows) process.stdout.write(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd() + '\n');
}

async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
  process.stderr.on('error', () => undefined);
  if (!(STEPS >= 2 && STEPS <= 198)) throw new Error('BENCH_STEPS must be 2 to 198');
  const p = await loadPlatform();
  watchModelCalls();
  const engines = (process.env.BENCH_ENGINES?.split(',') as EngineName[] | undefined) ?? [...p.ENGINES];
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  const stepTable = [['engine', 'tool', 'steps', 'step mean', 'step p50', 'bare round trip', 'platform/step', 'step/round trip', 'LLM call in task', 'sim handling', 'task wall p50']];
  const levelTable = [['engine', 'tasks at once', 'rounds', 'steps', 'step p50', 'step p99', 'max', 'p99 x single', 'in flight', 'steps/s', 'sim p99', 'loop delay p99']];
  const knees: string[] = [];
  let settings: Record<string, string> = {};
  for (const name of engines) {
    if (name === 'postgresql' && (await p.postgresUnavailable())) {
      process.stderr.write(`skipping PostgreSQL: ${await p.postgresUnavailable()}\n`);
      continue;
    }
    const result = await run(p, name);
    settings = result.settings;
    for (const r of result.steps) {
      const step = mean(r.steps);
      const bare = mean(r.bare);
      stepTable.push([
        name,
        r.tool,
        `${r.steps.length}`,
        ms(step),
        ms(percentile(r.steps, 0.5)),
        ms(bare),
        ms(step - bare),
        `${(step / bare).toFixed(1)}x`,
        ms(mean(r.llm)),
        ms(mean(r.sim)),
        `${percentile(r.walls, 0.5).toFixed(0)} ms`,
      ]);
    }
    const single = percentile(result.levels[0]?.latencies ?? [], 0.99);
    let knee: number | undefined;
    for (const r of result.levels) {
      const p99 = percentile(r.latencies, 0.99);
      if (knee === undefined && p99 > 2 * single) knee = r.level;
      levelTable.push([
        name,
        `${r.level}`,
        `${r.rounds}`,
        `${r.latencies.length}`,
        ms(percentile(r.latencies, 0.5)),
        ms(p99),
        ms(Math.max(...r.latencies)),
        `${(p99 / single).toFixed(1)}x`,
        r.inFlight.toFixed(1),
        r.stepsPerSecond.toFixed(0),
        ms(percentile(r.sim, 0.99)),
        ms(r.loopDelayP99),
      ]);
    }
    const first = result.levels[0]?.level ?? 1;
    knees.push(
      knee === undefined
        ? `${name}: p99 stays under 2x the p99 at ${first} task(s) at once (${ms(single)}) up to ${Math.max(...LEVELS)} at once`
        : `${name}: p99 first exceeds 2x the p99 at ${first} task(s) at once (${ms(single)}) at ${knee} tasks at once`,
    );
  }
  const tenancy = SHARED_TENANT ? 'all in one tenant, one agent each' : 'each in its own tenant, with its own agent';
  console.log(`Agent task steps, ${STEPS} tool-calling model calls + 1 answer per task, ${FORMAT} wire format, simulator ${SIM_INLINE ? 'on the kernel event loop' : 'in its own thread'}`);
  console.log(`kernel settings: ${Object.entries(settings).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  console.log(`machine: ${cpus().length} CPUs, load average ${load} at the start, ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end`);
  console.log('');
  console.log(`1. One task at a time, ${TASKS} tasks per row after ${WARMUP} warm-up tasks; means over every step unless p50`);
  table(stepTable);
  console.log('');
  console.log(`2. Tasks started at once (${tenancy}), tool ${TOOL}; step = time between two tool calls of one task`);
  table(levelTable);
  for (const knee of knees) console.log(knee);
  console.log('');
  console.log('step: from one model request leaving the kernel to the next (a model call, its tool call and the checkpoints around them).');
  console.log('bare round trip: the same request bodies, replayed one by one with the same kind of client, nothing else running.');
  console.log('platform/step = step mean - bare round trip mean; step/round trip = step mean / bare round trip mean.');
  console.log('LLM call in task: a model request of the task, sent to answer read, at the kernel\'s client; above the bare round trip');
  console.log('when the event loop is busy with other work meanwhile (the worker\'s poll). sim handling: the simulator\'s own time per request.');
  console.log('task wall: created to finished, from the task record (ms resolution), pickup and completion included.');
  console.log('in flight: mean tasks running during the measured part of a round; steps/s: steps finished per second then.');
  console.log('sim p99: the simulator\'s handling p99 at that level; loop delay p99: the main event loop\'s delay p99.');
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === 'llm-simulator') {
  await simWorker();
} else {
  try {
    await main();
  } catch (err) {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    await cleanUp();
    process.exitCode = 1;
  }
}
