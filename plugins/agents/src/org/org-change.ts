import type { EventOutbox, NewPlatformEvent, PlanLimits, SqlSession, Tenant, TenantData } from '@dogan/tenants';
import { AgentErrors } from '../errors.js';
import { recordEvents } from '../events.js';
import { AgentStore, type AgentLink } from '../store/agent-store.js';
import { findCycle, MAX_ORG_DEPTH, maxDepth, withManagers } from './org-chart.js';

/** What the org services need: the tenant databases, and billing's limits and the outbox when loaded. */
export interface OrgDeps {
  readonly data: TenantData;
  readonly limits: () => PlanLimits | undefined;
  readonly outbox: () => EventOutbox | undefined;
}

/** One change of a tenant's chart, as its work sees it. */
export interface OrgChange {
  /** The change's transaction, holding the chart's lock. */
  readonly tx: SqlSession;
  readonly now: number;
  /** Every agent's links as the last change committed them, oldest first. */
  readonly links: readonly AgentLink[];
  /** Whether events are recorded (the events plugin is loaded): skip loading what only an event would show. */
  readonly recording: boolean;
  /** An event to record with the change when it commits. */
  record(event: NewPlatformEvent): void;
}

/**
 * Runs `work` as one change of the tenant's chart: in a transaction that first takes the chart's lock
 * (so the rules are checked against what the last change committed, never a state another change is
 * writing meanwhile), with the change's events recorded in the same transaction.
 */
export async function changeOrg<T>(deps: OrgDeps, tenant: Tenant, work: (change: OrgChange) => Promise<T>): Promise<T> {
  const db = await deps.data.of(tenant);
  return db.transaction(async (tx) => {
    await AgentStore.lock(tx);
    const outbox = deps.outbox();
    const events: NewPlatformEvent[] = [];
    const result = await work({ tx, now: Date.now(), links: await AgentStore.links(tx), recording: outbox !== undefined, record: (event) => void events.push(event) });
    await recordEvents(outbox, tx, events);
    return result;
  });
}

/** `{ id, name }` of agents, for problems that list them. */
export function named(links: readonly AgentLink[], ids: readonly string[]): Array<{ id: string; name: string }> {
  const names = new Map(links.map((l) => [l.id, l.name]));
  return ids.map((id) => ({ id, name: names.get(id) ?? id }));
}

/**
 * Refuses new manager links (`changes`: agent → manager, null for none; `removed`: agents deleted by
 * the same change) that would close a cycle, naming it, or put more than MAX_ORG_DEPTH managers above
 * an agent.
 */
export function checkManagers(links: readonly AgentLink[], changes: ReadonlyMap<string, string | null>, removed?: ReadonlySet<string>): void {
  const after = withManagers(links, changes, removed);
  const cycle = findCycle(after, changes.keys());
  if (cycle) {
    const agents = named(links, cycle);
    throw AgentErrors.AGENT_MANAGER_CYCLE.with({ cycle: agents }, agents.map((a) => `"${a.name}"`).join(' → '));
  }
  const depth = maxDepth(after);
  if (depth > MAX_ORG_DEPTH) throw AgentErrors.AGENT_HIERARCHY_TOO_DEEP(depth, MAX_ORG_DEPTH);
}
