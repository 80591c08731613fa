import type { Logger } from 'pino';
import type { EventConsumer, PlatformEvent } from '@dogan/runtime';
import type { DeadLetterStore } from '../dead-letters/dead-letter-store.js';
import type { ProcessedLedger } from './processed-ledger.js';

/** Deliveries of one event to a shared consumer before it becomes a dead letter, unless the consumer says. */
export const DEFAULT_MAX_DELIVER = 5;

/** Waits before the 2nd, 3rd... delivery; the last value repeats. About 4 hours over the default five. */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1_000, 10_000, 60_000, 600_000, 3_600_000];

export type DeliveryOutcome =
  | { readonly kind: 'applied' }
  /** Already applied (by an earlier delivery, here or on another node): acknowledged, handler not called. */
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'retry'; readonly delayMs: number; readonly error: string }
  | { readonly kind: 'dead'; readonly error: string };

export interface DeliveryDeps {
  readonly ledger: ProcessedLedger;
  readonly deadLetters: DeadLetterStore;
  readonly retryDelaysMs: readonly number[];
  readonly log: Logger;
}

export function maxDeliverOf(consumer: EventConsumer): number {
  return Math.max(1, consumer.maxDeliver ?? DEFAULT_MAX_DELIVER);
}

export function retryDelay(delays: readonly number[], attempt: number): number {
  return delays[Math.min(attempt - 1, delays.length - 1)] ?? 1_000;
}

/**
 * One delivery of an event to a shared consumer, the same on both buses: skipped when the ledger says
 * it was applied; otherwise the handler runs and, when it succeeds, the ledger records it. A failure
 * is retried after a growing delay until the consumer's `maxDeliver`, then the event is a dead letter.
 */
export async function deliverOnce(
  consumer: EventConsumer,
  event: PlatformEvent,
  attempt: number,
  deps: DeliveryDeps,
  /** Records the application (default: the ledger); the in-process bus also drops its row, in one transaction. */
  recordApplied: () => Promise<void> = () => deps.ledger.add(consumer.name, event.id),
): Promise<DeliveryOutcome> {
  if (await deps.ledger.has(consumer.name, event.id)) return { kind: 'duplicate' };
  try {
    await consumer.handle(event, { attempt, consumer: consumer.name });
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    if (attempt >= maxDeliverOf(consumer)) {
      await deps.deadLetters.add(consumer.name, event, attempt, error);
      deps.log.warn({ consumer: consumer.name, eventId: event.id, type: event.type, attempt, error }, 'event is a dead letter');
      return { kind: 'dead', error };
    }
    return { kind: 'retry', delayMs: retryDelay(deps.retryDelaysMs, attempt), error };
  }
  await recordApplied();
  return { kind: 'applied' };
}

/** An every-node delivery: no ledger, no retry (cache invalidation and the like); a failure is logged. */
export async function deliverToNode(consumer: EventConsumer, event: PlatformEvent, log: Logger): Promise<void> {
  try {
    await consumer.handle(event, { attempt: 1, consumer: consumer.name });
  } catch (err) {
    log.warn({ err, consumer: consumer.name, eventId: event.id }, 'every-node consumer failed');
  }
}
