import { manifest } from './helpers.js';

const taskSchema = (extra: Record<string, unknown> = {}, required: string[] = ['title']) => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties: { title: { type: 'string', minLength: 1, maxLength: 200 }, ...extra },
});

const routes = [
  { method: 'POST' as const, path: '/tasks', handler: 'create' },
  { method: 'GET' as const, path: '/tasks', handler: 'list' },
];

const common = `import { defineModule, storage } from 'dogan:module';
const list = async () => ({ status: 200, body: { tasks: (await storage.query('tasks', { sort: 'title', limit: 100 })).items } });
const create = async (req) => ({ status: 201, body: await storage.insert('tasks', req.body) });
`;

/** v1: tasks with a title. */
export const tasksV1 = {
  manifest: manifest({ id: 'acme.tasks', version: '1.0.0', collections: [{ name: 'tasks', schema: taskSchema() }], routes, settings: { type: 'object', additionalProperties: false, properties: { team: { type: 'string', maxLength: 20 }, token: { type: 'string', secret: true } } } }),
  code: `${common}export default defineModule({ routes: { create, list } });`,
};

/** v2: every task gets `done`; the upgrade hook fills it in; a new required permission. */
export const tasksV2 = {
  manifest: manifest({
    id: 'acme.tasks',
    version: '1.1.0',
    collections: [{ name: 'tasks', schema: taskSchema({ done: { type: 'boolean' } }, ['title', 'done']) }],
    routes,
    permissions: [
      { name: 'store', kind: 'storage', required: true, description: { en: 'Keep tasks', ar: 'حفظ المهام' } },
      { name: 'notify', kind: 'events', required: true, description: { en: 'Announce finished tasks', ar: 'إعلان المهام' }, emit: ['acme.tasks.*'] },
    ],
    settings: tasksV1.manifest.settings,
  }),
  code: `${common}
export default defineModule({
  routes: { create: async (req) => ({ status: 201, body: await storage.insert('tasks', { done: false, ...req.body }) }), list },
  hooks: {
    async upgrade() {
      for (const t of (await storage.query('tasks', { limit: 100 })).items) if (t.done === undefined) await storage.update('tasks', t.id, { done: false });
    },
  },
});`,
};

/** v3: an upgrade hook that migrates half the data, then throws. */
export const tasksV3Broken = {
  manifest: { ...tasksV2.manifest, version: '1.2.0' },
  code: `${common}
export default defineModule({
  routes: { create, list },
  hooks: {
    async upgrade() {
      const first = (await storage.query('tasks', { limit: 1 })).items[0];
      if (first) await storage.update('tasks', first.id, { title: 'CORRUPTED' });
      throw new Error('migration bug');
    },
  },
});`,
};

/** Needs acme.tasks ^1. */
export const addon = {
  manifest: manifest({ id: 'acme.addon', version: '1.0.0', permissions: [], dependencies: { 'acme.tasks': '^1.0.0' } }),
  code: `export const routes = {};`,
};

/** Needs a Dogan engine from the future. */
export const future = {
  manifest: manifest({ id: 'acme.future', version: '1.0.0', engine: '^9.0.0', permissions: [] }),
  code: `export const routes = {};`,
};

/** A paid module. */
export const paid = {
  manifest: manifest({ id: 'acme.ledger', version: '1.0.0', pricing: { model: 'one_time', amount: 4900, currency: 'SAR' }, permissions: [] }),
  code: `export const routes = {};`,
};

/** An install hook that writes, then fails: nothing of it may stay. */
export const brokenInstall = {
  manifest: { ...tasksV1.manifest, id: 'acme.brittle' },
  code: `import { defineModule, storage } from 'dogan:module';
export default defineModule({
  routes: {},
  hooks: { async install() { await storage.insert('tasks', { title: 'half' }); throw new Error('install bug'); } },
});`,
};
