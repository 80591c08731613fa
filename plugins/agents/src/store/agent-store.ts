import type { SqlParam, SqlSession } from '@dogan/tenants';
import type { Agent, AgentFilter, AgentStatus, WorkingHours } from '../org/agent.js';

type Row = Record<string, unknown>;

function agentFromRow(r: Row, skills: readonly string[]): Agent {
  return {
    id: String(r.id),
    name: { ar: String(r.name_ar), en: String(r.name_en) },
    title: { ar: String(r.title_ar), en: String(r.title_en) },
    role: String(r.role),
    department: String(r.department),
    teamId: (r.team_id as string | null) ?? null,
    managerId: (r.manager_id as string | null) ?? null,
    skills,
    status: String(r.status) as AgentStatus,
    goal: String(r.goal),
    persona: String(r.persona),
    llmProfile: (r.llm_profile as string | null) ?? null,
    tools: JSON.parse(String(r.tools)) as string[],
    workingHours: r.working_hours === null || r.working_hours === undefined ? null : (JSON.parse(String(r.working_hours)) as WorkingHours),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** An agent as the chart's rules need it, without its long texts. */
export interface AgentLink {
  readonly id: string;
  readonly name: string;
  readonly managerId: string | null;
  readonly teamId: string | null;
}

function where(filter: AgentFilter): { sql: string; params: SqlParam[] } {
  const clauses: string[] = [];
  const params: SqlParam[] = [];
  const equal = (column: string, value: string | undefined) => {
    if (value === undefined) return;
    clauses.push(`${column} = ?`);
    params.push(value);
  };
  equal('department', filter.department);
  equal('team_id', filter.team);
  equal('status', filter.status);
  equal('role', filter.role);
  if (filter.skill !== undefined) {
    clauses.push('EXISTS (SELECT 1 FROM agent_skills s WHERE s.agent_id = agents.id AND s.skill = ?)');
    params.push(filter.skill);
  }
  return { sql: clauses.length > 0 ? ` WHERE ${clauses.join(' AND ')}` : '', params };
}

/** Skills of the agents of `rows` (all agents' when `all`), in one query. */
async function withSkills(db: SqlSession, rows: Row[], all: boolean): Promise<Agent[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => String(r.id));
  const skillRows = all
    ? await db.query<{ agent_id: string; skill: string }>('SELECT agent_id, skill FROM agent_skills ORDER BY agent_id, sort_order')
    : await db.query<{ agent_id: string; skill: string }>(`SELECT agent_id, skill FROM agent_skills WHERE agent_id IN (${ids.map(() => '?').join(', ')}) ORDER BY agent_id, sort_order`, ids);
  const skills = new Map<string, string[]>();
  for (const { agent_id: id, skill } of skillRows) {
    const list = skills.get(id);
    if (list) list.push(skill);
    else skills.set(id, [skill]);
  }
  return rows.map((r) => agentFromRow(r, skills.get(String(r.id)) ?? []));
}

async function writeSkills(db: SqlSession, id: string, skills: readonly string[]): Promise<void> {
  await db.run('DELETE FROM agent_skills WHERE agent_id = ?', [id]);
  if (skills.length === 0) return;
  await db.run(`INSERT INTO agent_skills (agent_id, skill, sort_order) VALUES ${skills.map(() => '(?, ?, ?)').join(', ')}`, skills.flatMap((skill, i) => [id, skill, i]));
}

function columns(a: Agent): SqlParam[] {
  return [
    a.name.ar,
    a.name.en,
    a.title.ar,
    a.title.en,
    a.role,
    a.department,
    a.teamId,
    a.managerId,
    a.status,
    a.goal,
    a.persona,
    a.llmProfile,
    JSON.stringify(a.tools),
    a.workingHours === null ? null : JSON.stringify(a.workingHours),
  ];
}

const ORDER = ' ORDER BY created_at, id';

/** The `agents` and `agent_skills` tables of one tenant database. */
export const AgentStore = {
  async count(db: SqlSession): Promise<number> {
    const rows = await db.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM agents');
    return Number(rows[0]?.n ?? 0);
  },

  /** Every agent matching `filter`, oldest first: a tenant has a few hundred at most. */
  async all(db: SqlSession, filter: AgentFilter = {}): Promise<Agent[]> {
    const w = where(filter);
    return withSkills(db, await db.query(`SELECT * FROM agents${w.sql}${ORDER}`, w.params), w.params.length === 0);
  },

  async page(db: SqlSession, filter: AgentFilter, limit: number, offset: number): Promise<{ items: Agent[]; total: number }> {
    const w = where(filter);
    const rows = await db.query(`SELECT * FROM agents${w.sql}${ORDER} LIMIT ? OFFSET ?`, [...w.params, limit, offset]);
    const total = await db.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM agents${w.sql}`, w.params);
    return { items: await withSkills(db, rows, false), total: Number(total[0]?.n ?? 0) };
  },

  async get(db: SqlSession, id: string): Promise<Agent | null> {
    const rows = await db.query('SELECT * FROM agents WHERE id = ?', [id]);
    return (await withSkills(db, rows, false))[0] ?? null;
  },

  /** Every agent's links and English name, oldest first: what a change of the chart is checked against. */
  async links(db: SqlSession): Promise<AgentLink[]> {
    const rows = await db.query<{ id: string; name_en: string; manager_id: string | null; team_id: string | null }>(`SELECT id, name_en, manager_id, team_id FROM agents${ORDER}`);
    return rows.map((r) => ({ id: r.id, name: r.name_en, managerId: r.manager_id ?? null, teamId: r.team_id ?? null }));
  },

  async insert(db: SqlSession, a: Agent): Promise<void> {
    await db.run(
      'INSERT INTO agents (name_ar, name_en, title_ar, title_en, role, department, team_id, manager_id, status, goal, persona, llm_profile, tools, working_hours, id, created_at, updated_at) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [...columns(a), a.id, a.createdAt, a.updatedAt],
    );
    await writeSkills(db, a.id, a.skills);
  },

  /** Writes every column of `a` (the service merged the change); skills only when they changed. */
  async update(db: SqlSession, a: Agent, skillsChanged: boolean): Promise<void> {
    await db.run(
      'UPDATE agents SET name_ar = ?, name_en = ?, title_ar = ?, title_en = ?, role = ?, department = ?, team_id = ?, manager_id = ?, status = ?, goal = ?, persona = ?, llm_profile = ?, tools = ?, working_hours = ?, updated_at = ? WHERE id = ?',
      [...columns(a), a.updatedAt, a.id],
    );
    if (skillsChanged) await writeSkills(db, a.id, a.skills);
  },

  /** Moves the agents `ids` under another manager. */
  async setManager(db: SqlSession, ids: readonly string[], managerId: string | null, now: number): Promise<void> {
    if (ids.length === 0) return;
    await db.run(`UPDATE agents SET manager_id = ?, updated_at = ? WHERE id IN (${ids.map(() => '?').join(', ')})`, [managerId, now, ...ids]);
  },

  async setTeam(db: SqlSession, id: string, teamId: string | null, now: number): Promise<void> {
    await db.run('UPDATE agents SET team_id = ?, updated_at = ? WHERE id = ?', [teamId, now, id]);
  },

  /** The members of a deleted team are in no team; returns their ids. */
  async leaveTeam(db: SqlSession, teamId: string, now: number): Promise<string[]> {
    const rows = await db.query<{ id: string }>(`SELECT id FROM agents WHERE team_id = ?${ORDER}`, [teamId]);
    await db.run('UPDATE agents SET team_id = NULL, updated_at = ? WHERE team_id = ?', [now, teamId]);
    return rows.map((r) => r.id);
  },

  async delete(db: SqlSession, id: string): Promise<number> {
    await db.run('DELETE FROM agent_skills WHERE agent_id = ?', [id]);
    return db.run('DELETE FROM agents WHERE id = ?', [id]);
  },

  /**
   * Takes the tenant's org-chart lock for the rest of the caller's transaction: changes of one
   * tenant's chart run one after another, each checking its rules against what the last committed.
   */
  async lock(db: SqlSession): Promise<void> {
    await db.run('UPDATE agent_org SET version = version + 1 WHERE id = 1');
  },
};
