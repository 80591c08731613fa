import type { EventConsumer } from '@dogan/runtime';
import type { ProcessedLedger } from '../bus/processed-ledger.js';
import { EventErrors } from '../errors.js';
import type { DeadLetter, DeadLetterStore } from './dead-letter-store.js';

/**
 * Delivers a tenant's dead letter again to its consumer, on this node, once: the letter is claimed
 * (marked replayed) before the handler runs, so two replays at once call it once; a handler that
 * fails again gives the claim back and keeps the letter with its new error.
 */
export async function replayDeadLetter(
  deps: { store: DeadLetterStore; ledger: ProcessedLedger; consumerOf(name: string): EventConsumer | undefined },
  tenantId: string,
  id: string,
): Promise<DeadLetter> {
  const letter = await deps.store.getForTenant(tenantId, id);
  if (!letter) throw EventErrors.DEAD_LETTER_NOT_FOUND(id);
  if (letter.replayedAt) throw EventErrors.DEAD_LETTER_ALREADY_REPLAYED(id, letter.replayedAt);
  const consumer = deps.consumerOf(letter.consumer);
  if (!consumer) throw EventErrors.DEAD_LETTER_CONSUMER_ABSENT(letter.consumer);
  const now = Date.now();
  if (!(await deps.store.claimReplay(id, now))) throw EventErrors.DEAD_LETTER_ALREADY_REPLAYED(id, 'this moment');
  // Applied meanwhile (a redelivery got through after all): nothing to run again.
  if (!(await deps.ledger.has(consumer.name, letter.event.id))) {
    try {
      await consumer.handle(letter.event, { attempt: letter.attempts + 1, consumer: consumer.name });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      await deps.store.releaseReplay(id, error);
      throw EventErrors.DEAD_LETTER_REPLAY_FAILED(consumer.name, error);
    }
    await deps.ledger.add(consumer.name, letter.event.id);
  }
  return { ...letter, attempts: letter.attempts + 1, replayedAt: new Date(now).toISOString() };
}
