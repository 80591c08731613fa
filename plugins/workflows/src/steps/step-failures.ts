import { isDoganError, isUnavailableError, type DoganError } from '@dogan/runtime';
import { StepFailure, type StepContext } from './step-executor.js';

/**
 * The codes action steps fail with, and what each means. A run's record keeps the code and the
 * message, so the code of the part that refused (MODULE_NOT_ENABLED, ERPNEXT_NOT_FOUND) goes into the
 * message too, and into `details.cause`.
 */
export const STEP_FAILURES = {
  WORKFLOW_STEP_UNAVAILABLE: 'the step needs a plugin this platform does not load (never retried)',
  WORKFLOW_MODULE_CALL_FAILED: 'a module route or tool refused or failed (retried when the module or its sandbox may answer differently later)',
  WORKFLOW_AGENT_TASK_REFUSED: 'the agents plugin refused to create the task (retried only when no agent was available)',
  WORKFLOW_AGENT_TASK_FAILED: 'the agent task ended failed, cancelled or rejected, or is gone (never retried)',
  WORKFLOW_ERPNEXT_FAILED: 'the ERPNext operation failed (retried on timeouts, 5xx, rate limits and an unreachable site)',
  WORKFLOW_EMAIL_FAILED: 'the email plugin refused or could not record the message (retried on 5xx)',
  WORKFLOW_HTTP_REQUEST_INVALID: 'the URL or a header cannot be sent: not http(s), credentials in the URL, a bad header (never retried)',
  WORKFLOW_HTTP_FORBIDDEN_ADDRESS: 'the host resolves to a private, loopback, link-local or reserved address (never retried)',
  WORKFLOW_HTTP_FAILED: 'no answer, or an answer that is not 2xx (retried on network failures, 408, 429 and 5xx)',
  WORKFLOW_HTTP_RESPONSE_TOO_LARGE: 'the answer is larger than the step may read (never retried)',
} as const;

export type StepFailureCode = keyof typeof STEP_FAILURES;

export function stepFailure(code: StepFailureCode, message: string, retryable: boolean, details?: Record<string, unknown>): StepFailure {
  return new StepFailure(code, message, retryable, details);
}

/** The failure of a step whose plugin is not loaded: a definition that cannot run here, so no retry helps. */
export function unavailable(stepType: string, plugin: string): StepFailure {
  return stepFailure('WORKFLOW_STEP_UNAVAILABLE', `the ${stepType} step needs the ${plugin} plugin, which this platform does not load`, false, { plugin });
}

/** A platform error is worth another attempt when the other side may answer differently later. */
export function retryableByStatus(err: DoganError): boolean {
  return err.statusCode >= 500 || err.statusCode === 429 || err.statusCode === 408;
}

/**
 * What to throw for an error a service threw: the signal's reason when the attempt was aborted (the
 * engine knows its own timeout), a StepFailure for a platform error (retryable by `retryable`) or an
 * unavailable dependency (retryable), and anything else as it is: a bug is not a decision.
 */
export function failureFrom(ctx: StepContext, err: unknown, code: StepFailureCode, what: string, retryable: (err: DoganError) => boolean = retryableByStatus): unknown {
  if (ctx.signal.aborted) return ctx.signal.reason;
  if (err instanceof StepFailure) return err;
  if (isDoganError(err)) {
    const extensions = err.extensions ?? {};
    const failure = stepFailure(code, `${what}: ${err.code}: ${err.message}`, retryable(err), { cause: err.code, status: err.statusCode, ...pickScalars(extensions) });
    failure.cause = err;
    return failure;
  }
  if (isUnavailableError(err)) {
    const failure = stepFailure(code, `${what}: a service it depends on is unavailable (${(err as Error).message})`, true, { cause: 'UNAVAILABLE' });
    failure.cause = err;
    return failure;
  }
  return err;
}

/** Scalar problem extensions (moduleCode, retryAfterSeconds, upstreamStatus): enough to read, small enough to keep. */
function pickScalars(extensions: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(extensions)) {
    if (value === null || typeof value === 'number' || typeof value === 'boolean' || (typeof value === 'string' && value.length <= 200)) out[key] = value;
  }
  return out;
}

/**
 * `work`, or a rejection with the signal's reason as soon as the attempt is aborted: services that
 * take no signal must not hold a timed-out attempt open. The work itself goes on; what it does is
 * safe to repeat, since every call carries the attempt's idempotency key.
 */
export function abortable<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
