import { createHash, randomUUID } from 'node:crypto';
import type { Collection } from '@dogan/module-manifest';
import type { SqlSession, Tenant, TenantData } from '@dogan/tenants';
import type { ValidateFunction } from 'ajv';
import { ModuleErrors } from '../errors.js';
import type { LoadedModule } from '../loaded-module.js';
import { compileSchema } from '../schemas.js';
import { buildQuery, QueryBuilder, type StorageQuery } from './query-builder.js';

interface DocumentRow {
  id: string;
  data: unknown;
}

const DOC_ID = /^[A-Za-z0-9_-]{1,64}$/;
const invalid = (why: string) => ModuleErrors.MODULE_STORAGE_INVALID(why);

interface CollectionInfo {
  validate: ValidateFunction;
  fields: ReadonlySet<string> | undefined;
}

function info(collection: Collection): CollectionInfo {
  const props = (collection.schema as { properties?: Record<string, unknown> }).properties;
  return { validate: compileSchema(collection.schema), fields: props ? new Set(Object.keys(props)) : undefined };
}

/**
 * Module documents in the tenant's database. Every statement is built here with the module id and
 * collection of the call as its first conditions; documents are checked against the collection's
 * JSON schema before they are written.
 */
export class DocumentStore {
  private readonly infos = new WeakMap<Collection, CollectionInfo>();

  constructor(
    private readonly data: TenantData,
    private readonly limits: { maxStorageValueBytes: number; maxQueryLimit: number },
  ) {}

  private collection(module: LoadedModule, name: unknown): { name: string; info: CollectionInfo } {
    const c = module.collections.get(String(name));
    if (!c) throw invalid(`module ${module.manifest.id} declares no collection "${String(name).slice(0, 64)}"`);
    let i = this.infos.get(c);
    if (!i) this.infos.set(c, (i = info(c)));
    return { name: c.name, info: i };
  }

  private check(info: CollectionInfo, data: unknown): string {
    if (!data || typeof data !== 'object' || Array.isArray(data)) throw invalid('a document is a JSON object');
    if (!info.validate(data)) {
      throw invalid(`the document does not match the collection schema: ${(info.validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')}`);
    }
    const text = JSON.stringify(data);
    // PostgreSQL's jsonb cannot hold U+0000 and SQLite can: refuse it on both, so a module behaves the same everywhere.
    if (text.includes('\\u0000')) throw invalid('a document must not contain the NUL character (U+0000)');
    if (Buffer.byteLength(text) > this.limits.maxStorageValueBytes) throw invalid(`a document is at most ${this.limits.maxStorageValueBytes} bytes`);
    return text;
  }

  private row(r: DocumentRow): Record<string, unknown> {
    const data = typeof r.data === 'string' ? (JSON.parse(r.data) as Record<string, unknown>) : (r.data as Record<string, unknown>);
    return { ...data, id: r.id };
  }

  /** Runs one operation; `args` is the module's JSON, untrusted. */
  async run(tenant: Tenant, module: LoadedModule, op: string, args: Record<string, unknown>): Promise<unknown> {
    return this.runOn(await this.data.of(tenant), module, op, args);
  }

  private async runOn(db: SqlSession, module: LoadedModule, op: string, args: Record<string, unknown>): Promise<unknown> {
    const { name, info } = this.collection(module, args.collection);
    const moduleId = module.manifest.id;
    const now = new Date().toISOString();
    switch (op) {
      case 'storage.insert': {
        const { id: given, ...data } = (args.doc ?? {}) as Record<string, unknown>;
        const id = given === undefined ? randomUUID() : String(given);
        if (!DOC_ID.test(id)) throw invalid('a document id is 1 to 64 letters, digits, "_" or "-"');
        const text = this.check(info, data);
        try {
          await db.run(`INSERT INTO module_documents (module_id, collection, id, data, created_at, updated_at) VALUES (?, ?, ?, ${db.json}, ?, ?)`, [moduleId, name, id, text, now, now]);
        } catch (err) {
          if (/unique|duplicate/i.test((err as Error).message)) throw ModuleErrors.MODULE_STORAGE_CONFLICT(name, id);
          throw err;
        }
        return { ...data, id };
      }
      case 'storage.get': {
        const rows = await db.query<DocumentRow>('SELECT id, data FROM module_documents WHERE module_id = ? AND collection = ? AND id = ?', [moduleId, name, String(args.id)]);
        return rows[0] ? this.row(rows[0]) : null;
      }
      case 'storage.update': {
        const current = (await this.runOn(db, module, 'storage.get', args)) as Record<string, unknown> | null;
        if (!current) return null;
        const patch = args.patch;
        if (!patch || typeof patch !== 'object' || Array.isArray(patch)) throw invalid('an update takes an object of fields to change');
        const { id, ...rest } = { ...current, ...(patch as Record<string, unknown>), id: current.id };
        const text = this.check(info, rest);
        await db.run(`UPDATE module_documents SET data = ${db.json}, updated_at = ? WHERE module_id = ? AND collection = ? AND id = ?`, [text, now, moduleId, name, String(id)]);
        return { ...rest, id };
      }
      case 'storage.delete': {
        const existed = await this.runOn(db, module, 'storage.get', args);
        if (existed) await db.run('DELETE FROM module_documents WHERE module_id = ? AND collection = ? AND id = ?', [moduleId, name, String(args.id)]);
        return { deleted: existed !== null };
      }
      case 'storage.query': {
        const page = buildQuery(db.dialect, info.fields, moduleId, name, (args.query ?? {}) as StorageQuery, this.limits.maxQueryLimit);
        const rows = await db.query<DocumentRow>(page.sql, page.params);
        const items = rows.slice(0, page.limit).map((r) => this.row(r));
        const last = items[items.length - 1];
        const nextCursor = rows.length > page.limit && last ? Buffer.from(JSON.stringify([page.sortField ? (last[page.sortField] ?? null) : null, last.id])).toString('base64url') : null;
        return { items, nextCursor };
      }
      default:
        throw invalid(`unknown storage operation ${op}`);
    }
  }

  /** Creates the expression indexes a module's collections declare (idempotent; run at enable). */
  async ensureIndexes(tenant: Tenant, module: LoadedModule): Promise<void> {
    const db = await this.data.of(tenant);
    for (const collection of module.manifest.collections) {
      const { info: i } = this.collection(module, collection.name);
      for (const index of collection.indexes ?? []) {
        const q = new QueryBuilder(db.dialect, i.fields);
        const columns = index.fields.map((f) => q.field(f));
        const name = `mdx_${createHash('sha1').update(`${module.manifest.id}/${collection.name}/${index.fields.join(',')}/${index.unique ? 'u' : ''}`).digest('hex').slice(0, 20)}`;
        // module_id and collection lead every index, so a unique index is unique within one collection only.
        const exprs = columns.map((c) => (db.dialect === 'postgresql' && c !== 'id' ? `(${c})` : c));
        await db.run(`CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${name} ON module_documents (module_id, collection, ${exprs.join(', ')})`);
      }
    }
  }
}
