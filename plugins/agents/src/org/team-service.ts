import { randomUUID } from 'node:crypto';
import type { Tenant } from '@dogan/tenants';
import { AgentErrors } from '../errors.js';
import { agentEvent } from '../events.js';
import { AgentStore } from '../store/agent-store.js';
import { TeamStore } from '../store/team-store.js';
import type { Team, TeamChanges, TeamInput } from './agent.js';
import { changeOrg, type OrgChange, type OrgDeps } from './org-change.js';

/** Teams a tenant may have. */
export const MAX_TEAMS_PER_TENANT = 200;

/** A team with its members' ids, oldest member first. */
export interface TeamView {
  readonly team: Team;
  readonly members: readonly string[];
}

/**
 * A tenant's teams: a name, a department, an optional lead, and members (an agent is in one team at
 * most: its `team`). Membership changes are changes of the agents, recorded as `agent.updated`.
 */
export class TeamService {
  constructor(private readonly deps: OrgDeps) {}

  async list(tenant: Tenant): Promise<TeamView[]> {
    const db = await this.deps.data.of(tenant);
    const members = await TeamStore.members(db);
    return (await TeamStore.all(db)).map((team) => ({ team, members: members.get(team.id) ?? [] }));
  }

  async get(tenant: Tenant, id: string): Promise<TeamView> {
    const db = await this.deps.data.of(tenant);
    const team = await TeamStore.get(db, id);
    if (!team) throw AgentErrors.AGENT_TEAM_NOT_FOUND(id);
    return { team, members: (await TeamStore.members(db, id)).get(id) ?? [] };
  }

  async create(tenant: Tenant, input: TeamInput): Promise<TeamView> {
    return changeOrg(this.deps, tenant, async (change) => {
      if ((await TeamStore.count(change.tx)) >= MAX_TEAMS_PER_TENANT) throw AgentErrors.AGENT_TEAM_LIMIT_REACHED(MAX_TEAMS_PER_TENANT);
      checkLead(change, input.lead);
      const team: Team = {
        id: randomUUID(),
        name: { ar: input.name.ar.trim(), en: input.name.en.trim() },
        department: input.department,
        leadId: input.lead ?? null,
        createdAt: change.now,
        updatedAt: change.now,
      };
      await TeamStore.insert(change.tx, team);
      return { team, members: [] };
    });
  }

  /** A partial change; `"lead": null` leaves the team without a lead. */
  async update(tenant: Tenant, id: string, changes: TeamChanges): Promise<TeamView> {
    await changeOrg(this.deps, tenant, async (change) => {
      const current = await TeamStore.get(change.tx, id);
      if (!current) throw AgentErrors.AGENT_TEAM_NOT_FOUND(id);
      checkLead(change, changes.lead);
      const name = { ...current.name, ...changes.name };
      await TeamStore.update(change.tx, {
        ...current,
        name: { ar: name.ar.trim(), en: name.en.trim() },
        department: changes.department ?? current.department,
        leadId: changes.lead === undefined ? current.leadId : changes.lead,
        updatedAt: change.now,
      });
    });
    return this.get(tenant, id);
  }

  /** Deletes a team; its members are then in no team. */
  async delete(tenant: Tenant, id: string): Promise<void> {
    await changeOrg(this.deps, tenant, async (change) => {
      if (!(await TeamStore.get(change.tx, id))) throw AgentErrors.AGENT_TEAM_NOT_FOUND(id);
      const left = await AgentStore.leaveTeam(change.tx, id, change.now);
      await TeamStore.delete(change.tx, id);
      if (left.length > 0) await recordMoves(tenant, change, left);
    });
  }

  /** Puts an agent in the team, out of the one it was in (an agent is in one team at most). */
  async addMember(tenant: Tenant, teamId: string, agentId: string): Promise<TeamView> {
    await this.setTeam(tenant, teamId, agentId, 'add');
    return this.get(tenant, teamId);
  }

  async removeMember(tenant: Tenant, teamId: string, agentId: string): Promise<void> {
    await this.setTeam(tenant, teamId, agentId, 'remove');
  }

  private async setTeam(tenant: Tenant, teamId: string, agentId: string, how: 'add' | 'remove'): Promise<void> {
    await changeOrg(this.deps, tenant, async (change) => {
      if (!(await TeamStore.get(change.tx, teamId))) throw AgentErrors.AGENT_TEAM_NOT_FOUND(teamId);
      const agent = change.links.find((l) => l.id === agentId);
      if (!agent) throw AgentErrors.AGENT_NOT_FOUND(agentId);
      if (how === 'remove' && agent.teamId !== teamId) throw AgentErrors.AGENT_TEAM_MEMBER_NOT_FOUND(agentId, teamId);
      const next = how === 'add' ? teamId : null;
      if (agent.teamId === next) return;
      await AgentStore.setTeam(change.tx, agentId, next, change.now);
      await recordMoves(tenant, change, [agentId]);
    });
  }
}

/** The lead a body names is one of this tenant's agents. */
function checkLead(change: OrgChange, lead: string | null | undefined): void {
  if (lead && !change.links.some((l) => l.id === lead)) throw AgentErrors.AGENT_LEAD_UNKNOWN(lead);
}

/** `agent.updated` (team) for agents that moved, as they are now. */
async function recordMoves(tenant: Tenant, change: OrgChange, ids: readonly string[]): Promise<void> {
  if (!change.recording) return;
  const moved = new Set(ids);
  for (const agent of await AgentStore.all(change.tx)) if (moved.has(agent.id)) change.record(agentEvent('agent.updated', tenant.id, agent, { changed: ['team'] }));
}
