import type { SqlSession } from '@dogan/tenants';
import type { Team } from '../org/agent.js';

type Row = Record<string, unknown>;

function teamFromRow(r: Row): Team {
  return {
    id: String(r.id),
    name: { ar: String(r.name_ar), en: String(r.name_en) },
    department: String(r.department),
    leadId: (r.lead_id as string | null) ?? null,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** The `agent_teams` table of one tenant database; members are the agents whose `team_id` names the team. */
export const TeamStore = {
  async count(db: SqlSession): Promise<number> {
    const rows = await db.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM agent_teams');
    return Number(rows[0]?.n ?? 0);
  },

  async all(db: SqlSession): Promise<Team[]> {
    return (await db.query('SELECT * FROM agent_teams ORDER BY created_at, id')).map(teamFromRow);
  },

  async get(db: SqlSession, id: string): Promise<Team | null> {
    const rows = await db.query('SELECT * FROM agent_teams WHERE id = ?', [id]);
    return rows[0] ? teamFromRow(rows[0]) : null;
  },

  /** Member ids of every team (or of one), oldest member first. */
  async members(db: SqlSession, teamId?: string): Promise<Map<string, string[]>> {
    const rows = teamId
      ? await db.query<{ id: string; team_id: string }>('SELECT id, team_id FROM agents WHERE team_id = ? ORDER BY created_at, id', [teamId])
      : await db.query<{ id: string; team_id: string }>('SELECT id, team_id FROM agents WHERE team_id IS NOT NULL ORDER BY created_at, id');
    const out = new Map<string, string[]>();
    for (const r of rows) {
      const list = out.get(r.team_id);
      if (list) list.push(r.id);
      else out.set(r.team_id, [r.id]);
    }
    return out;
  },

  async insert(db: SqlSession, t: Team): Promise<void> {
    await db.run('INSERT INTO agent_teams (id, name_ar, name_en, department, lead_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      t.id,
      t.name.ar,
      t.name.en,
      t.department,
      t.leadId,
      t.createdAt,
      t.updatedAt,
    ]);
  },

  async update(db: SqlSession, t: Team): Promise<void> {
    await db.run('UPDATE agent_teams SET name_ar = ?, name_en = ?, department = ?, lead_id = ?, updated_at = ? WHERE id = ?', [t.name.ar, t.name.en, t.department, t.leadId, t.updatedAt, t.id]);
  },

  /** The teams `from` leads get `to` as their lead (null: none). */
  async replaceLead(db: SqlSession, from: string, to: string | null, now: number): Promise<void> {
    await db.run('UPDATE agent_teams SET lead_id = ?, updated_at = ? WHERE lead_id = ?', [to, now, from]);
  },

  async delete(db: SqlSession, id: string): Promise<number> {
    return db.run('DELETE FROM agent_teams WHERE id = ?', [id]);
  },
};
