import { int, optionalInt, type Config, type ConfigValues } from '@dogan/runtime';
import type { SandboxOptionsInput } from '@dogan/runtime/sandbox';

/**
 * The modules plugin's variables: the sandbox's limits. Unset means the sandbox's own default
 * (runtime/src/sandbox/options.ts); `defaultText` repeats it for `.env.example` and a test keeps the two equal.
 */
export const modulesConfigSchema = {
  SANDBOX_HOSTS: optionalInt({ description: 'Sandbox host processes at most (each starts on first use)', min: 1, max: 256, defaultText: 'one per core' }),
  SANDBOX_HOST_IDLE_MS: optionalInt({ description: 'A sandbox host with no call this long stops until needed again, ms', min: 1000, max: 86400000, defaultText: '600000' }),
  SANDBOX_MEMORY_MB: optionalInt({ description: 'Memory limit of one module isolate, MB', min: 8, max: 4096, defaultText: '64' }),
  SANDBOX_CPU_MS: optionalInt({ description: 'CPU limit of a module route or event call, ms', min: 1, max: 60000, defaultText: '100' }),
  SANDBOX_JOB_CPU_MS: optionalInt({ description: 'CPU limit of a module job, agent tool or install/upgrade hook, ms', min: 1, max: 600000, defaultText: '1000' }),
  SANDBOX_WALL_MS: optionalInt({ description: 'Wall-clock deadline of a module route or event call, ms', min: 10, max: 600000, defaultText: '10000' }),
  SANDBOX_JOB_WALL_MS: optionalInt({ description: 'Wall-clock deadline of a module job, agent tool or install/upgrade hook, ms', min: 10, max: 3600000, defaultText: '60000 for jobs, 30000 for hooks' }),
  SANDBOX_MAX_PENDING: optionalInt({ description: 'Calls waiting for one isolate before new ones are refused', min: 1, max: 10000, defaultText: '64' }),
  SANDBOX_IDLE_MS: optionalInt({ description: 'An isolate unused this long is disposed, ms', min: 1000, max: 86400000, defaultText: '300000' }),
  SANDBOX_HOST_MEMORY_MB: optionalInt({ description: 'Memory budget of all isolates of one host, MB', min: 64, max: 1000000, defaultText: '1024' }),
  SANDBOX_HOST_RSS_MB: optionalInt({ description: 'Resident memory of one sandbox host above which its largest isolates are recycled, MB', min: 128, max: 1000000, defaultText: '2048' }),
  SANDBOX_MAX_ISOLATES: optionalInt({ description: 'Most isolates alive in one host', min: 1, max: 1000000, defaultText: '2000' }),
  SANDBOX_STORAGE_OPS: optionalInt({ description: 'Storage operations per module call', min: 1, max: 1000000, defaultText: '500' }),
  SANDBOX_STORAGE_VALUE_BYTES: optionalInt({ description: 'Largest stored document, bytes', min: 1024, max: 67108864, defaultText: '262144' }),
  SANDBOX_HTTP_REQUESTS: optionalInt({ description: 'Outbound HTTP requests per module call', min: 0, max: 10000, defaultText: '20' }),
  SANDBOX_HTTP_CONCURRENCY: optionalInt({ description: 'Outbound HTTP requests in flight per isolate', min: 1, max: 1000, defaultText: '4' }),
  SANDBOX_HTTP_TIMEOUT_MS: optionalInt({ description: 'Timeout of one outbound HTTP request, ms', min: 100, max: 600000, defaultText: '5000' }),
  SANDBOX_HTTP_RESPONSE_BYTES: optionalInt({ description: 'Largest outbound HTTP response body, bytes', min: 1024, max: 1073741824, defaultText: '1048576' }),
  SANDBOX_LOG_LINES: optionalInt({ description: 'Log lines kept per module call', min: 0, max: 1000000, defaultText: '100' }),
  SANDBOX_REQUEST_BYTES: optionalInt({ description: 'Largest request body passed to a module, bytes', min: 1024, max: 1073741824, defaultText: '1048576' }),
  SANDBOX_RESPONSE_BYTES: optionalInt({ description: 'Largest response body from a module, bytes', min: 1024, max: 1073741824, defaultText: '1048576' }),
  SANDBOX_CODE_BYTES: optionalInt({ description: 'Largest module bundle, bytes', min: 1024, max: 1073741824, defaultText: '5242880' }),
};

/** Variables of the modules plugin beyond the sandbox's limits. */
export const moduleJobsConfigSchema = {
  MODULE_CRON_MINUTE_MS: int({
    description: "Length of a minute of module jobs' cron schedules, ms: 60000 (real minutes); tests shorten it to see many due times quickly",
    default: 60_000,
    min: 100,
    max: 60_000,
  }),
};

export type ModulesConfig = Config & ConfigValues<typeof modulesConfigSchema> & ConfigValues<typeof moduleJobsConfigSchema>;

type Mutable = { -readonly [K in keyof SandboxOptionsInput]: SandboxOptionsInput[K] };
type MutableLimits = { -readonly [K in keyof NonNullable<SandboxOptionsInput['limits']>]: NonNullable<SandboxOptionsInput['limits']>[K] };

function lim(o: Mutable): MutableLimits {
  o.limits ??= {};
  return o.limits as MutableLimits;
}

/** Where each variable goes in the sandbox's options. */
const SETTERS: { [K in keyof typeof modulesConfigSchema]: (o: Mutable, v: number) => unknown } = {
  SANDBOX_HOSTS: (o, v) => (o.hosts = v),
  SANDBOX_HOST_IDLE_MS: (o, v) => (o.hostIdleMs = v),
  SANDBOX_MEMORY_MB: (o, v) => (lim(o).memoryMb = v),
  SANDBOX_CPU_MS: (o, v) => (lim(o).cpuMs = { ...lim(o).cpuMs, route: v, event: v }),
  SANDBOX_JOB_CPU_MS: (o, v) => (lim(o).cpuMs = { ...lim(o).cpuMs, job: v, hook: v, tool: v }),
  SANDBOX_WALL_MS: (o, v) => (lim(o).wallMs = { ...lim(o).wallMs, route: v, event: v }),
  SANDBOX_JOB_WALL_MS: (o, v) => (lim(o).wallMs = { ...lim(o).wallMs, job: v, hook: v, tool: v }),
  SANDBOX_MAX_PENDING: (o, v) => (lim(o).maxPendingCalls = v),
  SANDBOX_IDLE_MS: (o, v) => (o.isolateIdleMs = v),
  SANDBOX_HOST_MEMORY_MB: (o, v) => (o.hostMemoryBudgetMb = v),
  SANDBOX_HOST_RSS_MB: (o, v) => (o.hostRssMb = v),
  SANDBOX_MAX_ISOLATES: (o, v) => (o.maxIsolatesPerHost = v),
  SANDBOX_STORAGE_OPS: (o, v) => (lim(o).maxStorageOpsPerCall = v),
  SANDBOX_STORAGE_VALUE_BYTES: (o, v) => (lim(o).maxStorageValueBytes = v),
  SANDBOX_HTTP_REQUESTS: (o, v) => (lim(o).maxHttpRequestsPerCall = v),
  SANDBOX_HTTP_CONCURRENCY: (o, v) => (lim(o).maxHttpConcurrency = v),
  SANDBOX_HTTP_TIMEOUT_MS: (o, v) => (lim(o).httpTimeoutMs = v),
  SANDBOX_HTTP_RESPONSE_BYTES: (o, v) => (lim(o).maxHttpResponseBytes = v),
  SANDBOX_LOG_LINES: (o, v) => (lim(o).maxLogLinesPerCall = v),
  SANDBOX_REQUEST_BYTES: (o, v) => (lim(o).maxRequestBytes = v),
  SANDBOX_RESPONSE_BYTES: (o, v) => (lim(o).maxResponseBytes = v),
  SANDBOX_CODE_BYTES: (o, v) => (lim(o).maxCodeBytes = v),
};

/** The sandbox options the set variables ask for; unset ones keep the sandbox's defaults. */
export function sandboxOptionsFromConfig(config: ConfigValues<typeof modulesConfigSchema>): SandboxOptionsInput {
  const out: Mutable = {};
  for (const [name, set] of Object.entries(SETTERS) as Array<[keyof typeof SETTERS, (o: Mutable, v: number) => unknown]>) {
    const value = config[name];
    if (value !== undefined) set(out, value);
  }
  return out;
}
