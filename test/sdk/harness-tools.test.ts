import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import t from 'tap';
import { runDoganModule } from '../registry/helpers/run-cli.js';

/**
 * A module's agent tools under `dogan-module test`: `t.callTool` runs them as an employee agent
 * would (arguments checked against the tool's schema, an idempotency key per call unless the test
 * passes one), and `build` refuses a manifest tool whose handler the bundle does not export.
 */

const MANIFEST = {
  id: 'acme.leads',
  version: '1.0.0',
  engine: '^0.1.0',
  name: { en: 'Leads', ar: 'العملاء المحتملون' },
  description: { en: 'Leads that agents create', ar: 'عملاء محتملون ينشئهم الوكلاء' },
  category: 'crm',
  pricing: { model: 'free' },
  permissions: [
    { name: 'data', kind: 'storage', required: true, description: { en: 'Keep leads', ar: 'حفظ العملاء' } },
    { name: 'tools', kind: 'agent-tools', required: true, description: { en: 'Offer tools to agents', ar: 'أدوات للوكلاء' } },
  ],
  collections: [
    {
      name: 'leads',
      schema: { type: 'object', required: ['name', 'idempotencyKey'], properties: { name: { type: 'string' }, idempotencyKey: { type: 'string' } } },
      indexes: [{ fields: ['idempotencyKey'], unique: true }],
    },
  ],
  routes: [{ method: 'GET', path: '/leads', handler: 'leads' }],
  events: [],
  jobs: [],
  agentTools: [
    {
      name: 'create_lead',
      description: { en: 'Create a sales lead', ar: 'إنشاء عميل محتمل' },
      parameters: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string', minLength: 1 } } },
      handler: 'createLead',
    },
    { name: 'refuse', description: { en: 'Always refuses', ar: 'يرفض دائماً' }, parameters: { type: 'object', properties: {} }, handler: 'refuse' },
  ],
  dependencies: {},
};

const SOURCE = `import { defineModule, storage, type ToolRequest } from 'dogan:module';

const byKey = (key: string) => storage.query<{ name: string }>('leads', { where: { idempotencyKey: key }, limit: 1 });

export default defineModule({
  routes: {
    leads: async () => ({ status: 200, body: (await storage.query<{ name: string }>('leads', { limit: 100 })).items.map((l) => l.name) }),
  },
  tools: {
    async createLead({ arguments: args, idempotencyKey }: ToolRequest<{ name: string }>) {
      const [done] = (await byKey(idempotencyKey)).items;
      if (done) return { id: done.id, created: false };
      return { id: (await storage.insert('leads', { name: args.name, idempotencyKey })).id, created: true };
    },
    refuse: () => {
      throw Object.assign(new Error('not today'), { code: 'NOT_TODAY' });
    },
  },
});
`;

const TESTS = `import assert from 'node:assert/strict';
import { defineModuleTests } from '@dogan/sdk/testing';

type Created = { id: string; created: boolean };

export default defineModuleTests({
  async 'a retried call with the same key stores one lead'(t) {
    const first = (await t.callTool('create_lead', { name: 'Huda' }, { idempotencyKey: 'task-1:1' })) as Created;
    assert.equal(first.created, true);
    assert.deepEqual(await t.callTool('create_lead', { name: 'Huda' }, { idempotencyKey: 'task-1:1' }), { id: first.id, created: false });
    assert.deepEqual((await t.request('GET', '/leads')).body, ['Huda']);
  },
  async 'calls without a key are separate calls'(t) {
    await t.callTool('create_lead', { name: 'A' });
    await t.callTool('create_lead', { name: 'B' });
    assert.deepEqual(((await t.request('GET', '/leads')).body as string[]).sort(), ['A', 'B']);
  },
  async 'arguments are checked before the tool runs, and errors keep their code'(t) {
    await assert.rejects(t.callTool('create_lead', { name: '' }), (err: { code?: string; message: string }) => {
      assert.equal(err.code, 'MODULE_TOOL_ARGUMENTS_INVALID');
      assert.match(err.message, /\\/name must NOT have fewer than 1 characters/);
      return true;
    });
    await assert.rejects(t.callTool('refuse'), (err: { code?: string; extensions?: { moduleCode?: string } }) => {
      assert.equal(err.code, 'MODULE_TOOL_FAILED');
      assert.equal(err.extensions?.moduleCode, 'NOT_TODAY');
      return true;
    });
    await assert.rejects(t.callTool('nope'), /declares no agent tool "nope"/);
    assert.deepEqual((await t.request('GET', '/leads')).body, []);
  },
});
`;

const made: string[] = [];
process.once('exit', () => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function writeModule(source = SOURCE): string {
  const dir = mkdtempSync(join(tmpdir(), 'dogan-harness-tools-'));
  made.push(dir);
  for (const [path, content] of Object.entries({ 'manifest.json': JSON.stringify(MANIFEST), 'src/index.ts': source, 'test/tools.test.ts': TESTS })) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

t.test('dogan-module test calls agent tools through t.callTool', async (t) => {
  const res = await runDoganModule(['test'], { cwd: writeModule() });
  t.equal(res.code, 0, res.stdout + res.stderr);
  t.match(res.stdout, /3 passed, 0 failed/);
});

t.test('build refuses an agent tool whose handler the bundle does not export', async (t) => {
  const res = await runDoganModule(['build'], { cwd: writeModule(SOURCE.replace('refuse: () =>', 'refuseLater: () =>')) });
  t.equal(res.code, 1, res.stdout + res.stderr);
  t.match(res.stderr, /agent tool "refuse": handler "refuse" is not exported by dist\/module\.js \(the sandbox calls tools\.refuse/);
});
