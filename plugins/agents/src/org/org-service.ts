import { randomUUID } from 'node:crypto';
import type { SqlSession, Tenant } from '@dogan/tenants';
import { AgentErrors } from '../errors.js';
import { agentEvent } from '../events.js';
import { AgentStore } from '../store/agent-store.js';
import { TeamStore } from '../store/team-store.js';
import type { Agent, AgentChanges, AgentFilter, AgentInput, Bilingual, WorkingHours, WorkingHoursInput } from './agent.js';
import { seedDefaultOrg } from './default-agents.js';
import { changeOrg, checkManagers, named, type OrgChange, type OrgDeps } from './org-change.js';
import { canDelegate, OrgChart, type OrgTreeNode } from './org-chart.js';
import { checkWorkingHours } from './working-hours.js';

/** Agents a tenant may have whatever its plan: every request about the chart loads them all. */
export const MAX_AGENTS_PER_TENANT = 1000;

/** The fields of an agent a change can touch, as `agent.updated` names them. */
const FIELDS = ['name', 'title', 'role', 'department', 'team', 'manager', 'skills', 'status', 'goal', 'persona', 'llmProfile', 'tools', 'workingHours'] as const;
type Field = (typeof FIELDS)[number];
const valueOf = (a: Agent, field: Field): unknown => (field === 'team' ? a.teamId : field === 'manager' ? a.managerId : a[field]);

const bilingual = (value: Bilingual): Bilingual => ({ ar: value.ar.trim(), en: value.en.trim() });
const hours = (value: WorkingHoursInput | null | undefined): WorkingHours | null => (value ? checkWorkingHours(value) : null);

/** A tenant's agents and their management lines: the rules of the chart, and what it answers. */
export class OrgService {
  constructor(private readonly deps: OrgDeps) {}

  private db(tenant: Tenant): Promise<SqlSession> {
    return this.deps.data.of(tenant);
  }

  async count(tenant: Tenant): Promise<number> {
    return AgentStore.count(await this.db(tenant));
  }

  async page(tenant: Tenant, filter: AgentFilter, q: { limit: number; offset: number }): Promise<{ items: Agent[]; total: number }> {
    return AgentStore.page(await this.db(tenant), filter, q.limit, q.offset);
  }

  /** Every agent matching `filter`, oldest first. */
  async list(tenant: Tenant, filter: AgentFilter = {}): Promise<Agent[]> {
    return AgentStore.all(await this.db(tenant), filter);
  }

  async get(tenant: Tenant, id: string): Promise<Agent> {
    const agent = await AgentStore.get(await this.db(tenant), id);
    if (!agent) throw AgentErrors.AGENT_NOT_FOUND(id);
    return agent;
  }

  /** Creates an agent; counts against the plan's agent limit (PLAN_LIMIT_REACHED when billing is loaded). */
  async create(tenant: Tenant, input: AgentInput): Promise<Agent> {
    const workingHours = hours(input.workingHours);
    return changeOrg(this.deps, tenant, async (change) => {
      await this.assertRoomFor(tenant, change.links.length);
      await this.checkLinks(change, { manager: input.manager, team: input.team });
      const id = randomUUID();
      if (input.manager) checkManagers(change.links, new Map([[id, input.manager]]));
      const agent: Agent = {
        id,
        name: bilingual(input.name),
        title: bilingual(input.title),
        role: input.role,
        department: input.department,
        teamId: input.team ?? null,
        managerId: input.manager ?? null,
        skills: input.skills ?? [],
        status: input.status ?? 'available',
        goal: input.goal?.trim() ?? '',
        persona: input.persona?.trim() ?? '',
        llmProfile: input.llmProfile ?? null,
        tools: input.tools ?? [],
        workingHours,
        createdAt: change.now,
        updatedAt: change.now,
      };
      await AgentStore.insert(change.tx, agent);
      change.record(agentEvent('agent.created', tenant.id, agent));
      return agent;
    });
  }

  /** Applies a partial change: what is left out stays, `null` clears (`manager`, `team`, `llmProfile`, `workingHours`). */
  async update(tenant: Tenant, id: string, changes: AgentChanges): Promise<Agent> {
    const workingHours = changes.workingHours === undefined ? undefined : hours(changes.workingHours);
    return changeOrg(this.deps, tenant, async (change) => {
      const current = await AgentStore.get(change.tx, id);
      if (!current) throw AgentErrors.AGENT_NOT_FOUND(id);
      await this.checkLinks(change, { manager: changes.manager, team: changes.team });
      if (changes.manager !== undefined && changes.manager !== current.managerId) checkManagers(change.links, new Map([[id, changes.manager]]));
      const next: Agent = {
        ...current,
        name: bilingual({ ...current.name, ...changes.name }),
        title: bilingual({ ...current.title, ...changes.title }),
        role: changes.role ?? current.role,
        department: changes.department ?? current.department,
        teamId: changes.team === undefined ? current.teamId : changes.team,
        managerId: changes.manager === undefined ? current.managerId : changes.manager,
        skills: changes.skills ?? current.skills,
        status: changes.status ?? current.status,
        goal: changes.goal?.trim() ?? current.goal,
        persona: changes.persona?.trim() ?? current.persona,
        llmProfile: changes.llmProfile === undefined ? current.llmProfile : changes.llmProfile,
        tools: changes.tools ?? current.tools,
        workingHours: workingHours === undefined ? current.workingHours : workingHours,
        updatedAt: change.now,
      };
      const changed = FIELDS.filter((f) => JSON.stringify(valueOf(current, f)) !== JSON.stringify(valueOf(next, f)));
      if (changed.length === 0) return current;
      await AgentStore.update(change.tx, next, changed.includes('skills'));
      change.record(agentEvent('agent.updated', tenant.id, next, { changed }));
      return next;
    });
  }

  /**
   * Deletes an agent. One that manages agents or leads teams is refused (AGENT_HAS_DEPENDENTS, listing
   * them) unless `reassignTo` names the agent who takes them over: its reports then report to that
   * agent (which, if it was one of them, takes the deleted agent's own manager), and its teams get
   * that agent as their lead.
   */
  async delete(tenant: Tenant, id: string, reassignTo?: string): Promise<void> {
    await changeOrg(this.deps, tenant, async (change) => {
      const { tx, links, now } = change;
      const gone = await AgentStore.get(tx, id);
      if (!gone) throw AgentErrors.AGENT_NOT_FOUND(id);
      if (reassignTo === id) throw AgentErrors.AGENT_REASSIGN_TO_SELF(id);
      if (reassignTo !== undefined && !links.some((l) => l.id === reassignTo)) throw AgentErrors.AGENT_REASSIGN_TARGET_UNKNOWN(reassignTo);
      const reports = links.filter((l) => l.managerId === id).map((l) => l.id);
      const teams = (await TeamStore.all(tx)).filter((t) => t.leadId === id);
      if (reassignTo === undefined && (reports.length > 0 || teams.length > 0)) {
        const what = [
          ...(reports.length > 0 ? [`manages ${reports.length} agent${reports.length === 1 ? '' : 's'} (${named(links, reports).map((a) => a.name).join(', ')})`] : []),
          ...(teams.length > 0 ? [`leads ${teams.length} team${teams.length === 1 ? '' : 's'} (${teams.map((t) => t.name.en).join(', ')})`] : []),
        ].join(' and ');
        throw AgentErrors.AGENT_HAS_DEPENDENTS.with({ reports: named(links, reports), teams: teams.map((t) => ({ id: t.id, name: t.name.en })) }, gone.name.en, what);
      }
      if (reassignTo !== undefined) {
        const moves = new Map(reports.map((r) => [r, r === reassignTo ? gone.managerId : reassignTo]));
        checkManagers(links, moves, new Set([id]));
        await AgentStore.setManager(tx, reports.filter((r) => r !== reassignTo), reassignTo, now);
        if (moves.has(reassignTo)) await AgentStore.setManager(tx, [reassignTo], gone.managerId, now);
        await TeamStore.replaceLead(tx, id, reassignTo, now);
        if (reports.length > 0 && change.recording) {
          const after = new Map((await AgentStore.all(tx)).map((a) => [a.id, a]));
          for (const report of reports) change.record(agentEvent('agent.updated', tenant.id, after.get(report)!, { changed: ['manager'] }));
        }
      }
      await AgentStore.delete(tx, id);
      change.record(agentEvent('agent.deleted', tenant.id, gone, { reassignedTo: reassignTo ?? null }));
    });
  }

  /** The plan's default agents and teams in a new tenant (see default-agents.ts); returns how many agents. */
  seedDefaults(tenant: Tenant): Promise<number> {
    return seedDefaultOrg(this.deps, tenant);
  }

  /** The chart of every agent, loaded once. */
  async chart(tenant: Tenant): Promise<OrgChart<Agent>> {
    return new OrgChart(await AgentStore.all(await this.db(tenant)));
  }

  /** Agents reporting to `id`: directly, or (`all`) everyone below it, level by level. */
  async reports(tenant: Tenant, id: string, all = false): Promise<Agent[]> {
    const chart = await this.chart(tenant);
    if (!chart.get(id)) throw AgentErrors.AGENT_NOT_FOUND(id);
    return all ? chart.allReports(id) : chart.directReports(id);
  }

  /** The managers above `id`, its own first, the top last. */
  async chain(tenant: Tenant, id: string): Promise<Agent[]> {
    const chart = await this.chart(tenant);
    if (!chart.get(id)) throw AgentErrors.AGENT_NOT_FOUND(id);
    return chart.chain(id);
  }

  /** The chart as a tree; with `department`, its agents only (one whose manager is elsewhere is a root). */
  async orgChart(tenant: Tenant, department?: string): Promise<Array<OrgTreeNode<Agent>>> {
    const chart = await this.chart(tenant);
    return chart.tree(department === undefined ? undefined : (a) => a.department === department);
  }

  /** See `canDelegate` in org-chart.ts; false when either agent is unknown. */
  /** The agents `fromId` may hand work to down or across the chart (reports, members of teams it leads), from one read of the chart. */
  async delegates(tenant: Tenant, fromId: string): Promise<string[]> {
    const db = await this.db(tenant);
    const links = await AgentStore.links(db);
    const from = links.find((l) => l.id === fromId);
    if (!from) return [];
    const leads = new Map((await TeamStore.all(db)).map((t) => [t.id, t.leadId]));
    return links.filter((to) => to.id !== from.managerId && canDelegate(from, to, (teamId) => leads.get(teamId))).map((to) => to.id);
  }

  async canDelegate(tenant: Tenant, fromId: string, toId: string): Promise<boolean> {
    const db = await this.db(tenant);
    const links = await AgentStore.links(db);
    const from = links.find((l) => l.id === fromId);
    const to = links.find((l) => l.id === toId);
    if (!from || !to) return false;
    const leads = new Map((await TeamStore.all(db)).map((t) => [t.id, t.leadId]));
    return canDelegate(from, to, (teamId) => leads.get(teamId));
  }

  /** Refuses one more agent past the plan's limit (billing) or the platform's own. */
  private async assertRoomFor(tenant: Tenant, count: number): Promise<void> {
    await this.deps.limits()?.assertWithinLimit(tenant, 'agents', count);
    if (count >= MAX_AGENTS_PER_TENANT) throw AgentErrors.AGENT_LIMIT_REACHED(MAX_AGENTS_PER_TENANT);
  }

  /** The manager and team a body names exist in this tenant (another tenant's ids do not). */
  private async checkLinks(change: OrgChange, refs: { manager?: string | null; team?: string | null }): Promise<void> {
    const { manager, team } = refs;
    if (manager && !change.links.some((l) => l.id === manager)) throw AgentErrors.AGENT_MANAGER_UNKNOWN(manager);
    if (team && !(await TeamStore.get(change.tx, team))) throw AgentErrors.AGENT_TEAM_UNKNOWN(team);
  }
}
