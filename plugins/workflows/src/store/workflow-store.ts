import type { SqlSession } from '@dogan/tenants';
import type { TriggerType, WorkflowDefinition } from '../definition/types.js';

/** A workflow with its current definition. */
export interface WorkflowRecord {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly version: number;
  readonly triggerType: TriggerType;
  /** The event type or pattern of an event trigger, for finding the workflows an event starts. */
  readonly triggerEvent: string | null;
  readonly enabled: boolean;
  /** The hash of the webhook trigger's secret (never the secret). */
  readonly webhookSecretHash: string | null;
  /** The built-in template it was installed from at provisioning, if any. */
  readonly template: string | null;
  readonly definition: WorkflowDefinition;
  readonly createdAt: number;
  readonly updatedAt: number;
}

type Row = Record<string, unknown>;

const SELECT = `SELECT w.*, v.definition FROM workflows w JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.version`;

function fromRow(r: Row): WorkflowRecord {
  return {
    id: String(r.id),
    name: String(r.name),
    description: String(r.description),
    version: Number(r.version),
    triggerType: String(r.trigger_type) as TriggerType,
    triggerEvent: r.trigger_event === null ? null : String(r.trigger_event),
    enabled: Number(r.enabled) === 1,
    webhookSecretHash: r.webhook_secret === null ? null : String(r.webhook_secret),
    template: r.template === null ? null : String(r.template),
    definition: JSON.parse(String(r.definition)) as WorkflowDefinition,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

const triggerEvent = (d: WorkflowDefinition) => (d.trigger.type === 'event' ? d.trigger.event : null);

/** The tenant's workflows and their versions. */
export const WorkflowStore = {
  async insert(db: SqlSession, w: { id: string; definition: WorkflowDefinition; enabled: boolean; webhookSecretHash: string | null; template: string | null }, now: number): Promise<void> {
    await db.run(
      'INSERT INTO workflows (id, name, description, version, trigger_type, trigger_event, enabled, webhook_secret, template, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)',
      [w.id, w.definition.name, w.definition.description ?? '', w.definition.trigger.type, triggerEvent(w.definition), w.enabled ? 1 : 0, w.webhookSecretHash, w.template, now, now],
    );
    await db.run('INSERT INTO workflow_versions (workflow_id, version, definition, created_at) VALUES (?, 1, ?, ?)', [w.id, JSON.stringify(w.definition), now]);
  },

  /** A new version (when the definition changed); runs started earlier keep theirs. */
  async update(db: SqlSession, current: WorkflowRecord, definition: WorkflowDefinition, webhookSecretHash: string | null, now: number): Promise<number> {
    const changed = JSON.stringify(definition) !== JSON.stringify(current.definition);
    const version = changed ? current.version + 1 : current.version;
    if (changed) await db.run('INSERT INTO workflow_versions (workflow_id, version, definition, created_at) VALUES (?, ?, ?, ?)', [current.id, version, JSON.stringify(definition), now]);
    await db.run('UPDATE workflows SET name = ?, description = ?, version = ?, trigger_type = ?, trigger_event = ?, webhook_secret = ?, updated_at = ? WHERE id = ?', [
      definition.name,
      definition.description ?? '',
      version,
      definition.trigger.type,
      triggerEvent(definition),
      webhookSecretHash,
      now,
      current.id,
    ]);
    return version;
  },

  /** Serialises creations within a transaction (see the workflow_lock table). */
  async lock(db: SqlSession): Promise<void> {
    await db.run('UPDATE workflow_lock SET version = version + 1 WHERE id = 1');
  },

  async setEnabled(db: SqlSession, id: string, enabled: boolean, now: number): Promise<void> {
    await db.run('UPDATE workflows SET enabled = ?, updated_at = ? WHERE id = ?', [enabled ? 1 : 0, now, id]);
  },

  async setWebhookSecret(db: SqlSession, id: string, hash: string | null, now: number): Promise<void> {
    await db.run('UPDATE workflows SET webhook_secret = ?, updated_at = ? WHERE id = ?', [hash, now, id]);
  },

  async get(db: SqlSession, id: string): Promise<WorkflowRecord | undefined> {
    const [row] = await db.query(`${SELECT} WHERE w.id = ?`, [id]);
    return row ? fromRow(row) : undefined;
  },

  async list(db: SqlSession, options: { limit: number; offset: number }): Promise<{ items: WorkflowRecord[]; total: number }> {
    const rows = await db.query(`${SELECT} ORDER BY w.created_at, w.id LIMIT ? OFFSET ?`, [options.limit, options.offset]);
    const [count] = await db.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM workflows');
    return { items: rows.map(fromRow), total: Number(count?.n ?? 0) };
  },

  async count(db: SqlSession): Promise<number> {
    const [count] = await db.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM workflows');
    return Number(count?.n ?? 0);
  },

  /** Enabled workflows with a trigger of `type`. */
  async enabledWith(db: SqlSession, type: TriggerType): Promise<WorkflowRecord[]> {
    return (await db.query(`${SELECT} WHERE w.trigger_type = ? AND w.enabled = 1`, [type])).map(fromRow);
  },

  async definitionAt(db: SqlSession, id: string, version: number): Promise<WorkflowDefinition | undefined> {
    const [row] = await db.query<{ definition: string }>('SELECT definition FROM workflow_versions WHERE workflow_id = ? AND version = ?', [id, version]);
    return row ? (JSON.parse(row.definition) as WorkflowDefinition) : undefined;
  },

  async hasTemplate(db: SqlSession, template: string): Promise<boolean> {
    const rows = await db.query('SELECT id FROM workflows WHERE template = ?', [template]);
    return rows.length > 0;
  },

  /** Removes the workflow, its versions, runs and their records. */
  async remove(db: SqlSession, id: string): Promise<void> {
    await db.run('DELETE FROM workflow_run_steps WHERE run_id IN (SELECT id FROM workflow_runs WHERE workflow_id = ?)', [id]);
    await db.run('DELETE FROM workflow_runs WHERE workflow_id = ?', [id]);
    await db.run('DELETE FROM workflow_versions WHERE workflow_id = ?', [id]);
    await db.run('DELETE FROM workflows WHERE id = ?', [id]);
  },
};
