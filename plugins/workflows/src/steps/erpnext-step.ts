import type { DoganError } from '@dogan/runtime';
import type { ErpnextApi } from '@dogan/plugin-erpnext';
import type { ErpnextStep } from '../definition/types.js';
import { abortable, failureFrom, retryableByStatus, unavailable } from './step-failures.js';
import type { StepContext, StepExecutor, StepOutcome } from './step-executor.js';

/**
 * `erpnext`: one document operation through the tenant's own ERPNext connection
 * (`arguments.connection`, else the default), as a module's `erpnext.<operation>` call runs it.
 *
 * Retries: by the ERPNext plugin's codes. The site timed out, failed (5xx), rate-limited us or could
 * not be reached: another attempt may pass. ERPNext refused the request (validation, not found,
 * duplicate, a changed document, no permission), the credentials or the URL are wrong, or the tenant
 * has no connection: the same request meets the same answer, so it is final.
 *
 * Idempotency: Frappe takes no idempotency key. Reads, updates with the same values, submit and
 * cancel (a second one is refused as already done) are safe to repeat; a `create` retried after a
 * timeout may create the document twice unless the definition names it (`doc.name`), which makes the
 * second one a duplicate the site refuses.
 */

/** What the step needs of the ERPNext plugin. */
export type ErpnextOperations = Pick<ErpnextApi, 'moduleOperation'>;

/** ERPNext failures that another attempt may not meet. */
const RETRYABLE_CODES: ReadonlySet<string> = new Set(['ERPNEXT_TIMEOUT', 'ERPNEXT_SERVER_ERROR', 'ERPNEXT_RATE_LIMITED', 'ERPNEXT_TOO_MANY_REQUESTS', 'ERPNEXT_UNREACHABLE']);

/** Retryable by the table for ERPNext's own codes; by status for any other platform error (the tenant's record being unavailable). */
export function erpnextRetryable(err: DoganError): boolean {
  return err.code.startsWith('ERPNEXT_') ? RETRYABLE_CODES.has(err.code) : retryableByStatus(err);
}

export function erpnextExecutor(erpnext: () => ErpnextOperations | undefined): StepExecutor<ErpnextStep> {
  return {
    type: 'erpnext',
    // The client waits 15 s per request by default and retries 429/502-504 itself within the call.
    defaultTimeoutMs: 60_000,
    async perform(step: ErpnextStep, ctx: StepContext): Promise<StepOutcome> {
      const api = erpnext();
      if (!api) throw unavailable('erpnext', 'erpnext');
      try {
        const output = await abortable(ctx.signal, api.moduleOperation(ctx.tenant.id, `erpnext.${step.operation}`, step.arguments));
        return { kind: 'done', output: output ?? null };
      } catch (err) {
        throw failureFrom(ctx, err, 'WORKFLOW_ERPNEXT_FAILED', `ERPNext ${step.operation}`, erpnextRetryable);
      }
    },
  };
}
