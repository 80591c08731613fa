import type { SandboxOptionsInput } from './options.js';

/**
 * Reads SANDBOX_* variables until they join the kernel's config schema. A bad value throws a message
 * naming the variable, as the config loader does.
 */
const INTEGER_VARIABLES = {
  SANDBOX_HOSTS: { min: 1, max: 256, set: (o, v) => (o.hosts = v) },
  SANDBOX_MEMORY_MB: { min: 8, max: 4096, set: (o, v) => (lim(o).memoryMb = v) },
  SANDBOX_CPU_MS: { min: 1, max: 60_000, set: (o, v) => (lim(o).cpuMs = { ...lim(o).cpuMs, route: v, event: v }) },
  SANDBOX_JOB_CPU_MS: { min: 1, max: 600_000, set: (o, v) => (lim(o).cpuMs = { ...lim(o).cpuMs, job: v, hook: v }) },
  SANDBOX_WALL_MS: { min: 10, max: 600_000, set: (o, v) => (lim(o).wallMs = { ...lim(o).wallMs, route: v, event: v }) },
  SANDBOX_JOB_WALL_MS: { min: 10, max: 3_600_000, set: (o, v) => (lim(o).wallMs = { ...lim(o).wallMs, job: v, hook: v }) },
  SANDBOX_MAX_PENDING: { min: 1, max: 10_000, set: (o, v) => (lim(o).maxPendingCalls = v) },
  SANDBOX_IDLE_MS: { min: 1_000, max: 86_400_000, set: (o, v) => (o.isolateIdleMs = v) },
  SANDBOX_HOST_MEMORY_MB: { min: 64, max: 1_000_000, set: (o, v) => (o.hostMemoryBudgetMb = v) },
  SANDBOX_HOST_RSS_MB: { min: 128, max: 1_000_000, set: (o, v) => (o.hostRssMb = v) },
  SANDBOX_MAX_ISOLATES: { min: 1, max: 1_000_000, set: (o, v) => (o.maxIsolatesPerHost = v) },
  SANDBOX_STORAGE_OPS: { min: 1, max: 1_000_000, set: (o, v) => (lim(o).maxStorageOpsPerCall = v) },
  SANDBOX_STORAGE_VALUE_BYTES: { min: 1024, max: 64 * 1024 * 1024, set: (o, v) => (lim(o).maxStorageValueBytes = v) },
  SANDBOX_HTTP_REQUESTS: { min: 0, max: 10_000, set: (o, v) => (lim(o).maxHttpRequestsPerCall = v) },
  SANDBOX_HTTP_CONCURRENCY: { min: 1, max: 1_000, set: (o, v) => (lim(o).maxHttpConcurrency = v) },
  SANDBOX_HTTP_TIMEOUT_MS: { min: 100, max: 600_000, set: (o, v) => (lim(o).httpTimeoutMs = v) },
  SANDBOX_HTTP_RESPONSE_BYTES: { min: 1024, max: 1024 * 1024 * 1024, set: (o, v) => (lim(o).maxHttpResponseBytes = v) },
  SANDBOX_LOG_LINES: { min: 0, max: 1_000_000, set: (o, v) => (lim(o).maxLogLinesPerCall = v) },
  SANDBOX_REQUEST_BYTES: { min: 1024, max: 1024 * 1024 * 1024, set: (o, v) => (lim(o).maxRequestBytes = v) },
  SANDBOX_RESPONSE_BYTES: { min: 1024, max: 1024 * 1024 * 1024, set: (o, v) => (lim(o).maxResponseBytes = v) },
  SANDBOX_CODE_BYTES: { min: 1024, max: 1024 * 1024 * 1024, set: (o, v) => (lim(o).maxCodeBytes = v) },
} satisfies Record<string, { min: number; max: number; set: (o: Mutable, v: number) => unknown }>;

type Mutable = { -readonly [K in keyof SandboxOptionsInput]: SandboxOptionsInput[K] };
type MutableLimits = { -readonly [K in keyof NonNullable<SandboxOptionsInput['limits']>]: NonNullable<SandboxOptionsInput['limits']>[K] };

function lim(o: Mutable): MutableLimits {
  o.limits ??= {};
  return o.limits as MutableLimits;
}

/** The variables this parser knows, for docs and `.env.example`. */
export const SANDBOX_VARIABLES = Object.keys(INTEGER_VARIABLES);

export function sandboxOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): SandboxOptionsInput {
  const out: Mutable = {};
  for (const [name, spec] of Object.entries(INTEGER_VARIABLES)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < spec.min || value > spec.max) {
      throw new Error(`${name}: must be an integer from ${spec.min} to ${spec.max}, got "${raw}"`);
    }
    spec.set(out, value);
  }
  return out;
}
