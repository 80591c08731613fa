import type { EventOutbox, NewPlatformEvent, SqlSession } from '@dogan/tenants';
import type { Agent, Bilingual } from './org/agent.js';

/**
 * The platform events of the org chart, version 1 of each, recorded in the transaction of the change
 * (when the events plugin is loaded). Payloads carry the agent without its long texts (goal, persona).
 */
export const AGENT_EVENT_TYPES = ['agent.created', 'agent.updated', 'agent.deleted'] as const;
export type AgentEventType = (typeof AGENT_EVENT_TYPES)[number];

export interface AgentEventView {
  id: string;
  name: Bilingual;
  title: Bilingual;
  role: string;
  department: string;
  team: string | null;
  manager: string | null;
  status: string;
  skills: string[];
}

export interface AgentEventPayload {
  agent: AgentEventView;
  /** `agent.updated`: the fields that changed (`manager`, `team`, `status`...). */
  changed?: string[];
  /** `agent.deleted`: who took over its reports and teams, if anyone did. */
  reassignedTo?: string | null;
}

export function agentEvent(type: AgentEventType, tenantId: string, agent: Agent, extra: Omit<AgentEventPayload, 'agent'> = {}): NewPlatformEvent<AgentEventPayload> {
  const view: AgentEventView = {
    id: agent.id,
    name: agent.name,
    title: agent.title,
    role: agent.role,
    department: agent.department,
    team: agent.teamId,
    manager: agent.managerId,
    status: agent.status,
    skills: [...agent.skills],
  };
  return { type, tenantId, payload: { agent: view, ...extra } };
}

/** Records events on the change's own transaction; nothing without the events plugin. */
export async function recordEvents(outbox: EventOutbox | undefined, tx: SqlSession, events: readonly NewPlatformEvent[]): Promise<void> {
  if (outbox && events.length > 0) await outbox.record(tx, events);
}
