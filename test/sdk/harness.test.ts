import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import t from 'tap';
import { runDoganModule } from '../registry/helpers/run-cli.js';

/** A module that exercises every part of the test context: routes, events, jobs, settings, logs. */
const PROBE_MANIFEST = {
  id: 'acme.probe',
  version: '2.1.0',
  engine: '^0.1.0',
  name: { en: 'Probe', ar: 'مسبار' },
  description: { en: 'Exercises the test harness', ar: 'يختبر أداة الاختبار' },
  category: 'productivity',
  pricing: { model: 'free' },
  permissions: [
    { name: 'store', kind: 'storage', required: true, description: { en: 'Keep items', ar: 'حفظ' } },
    { name: 'notify', kind: 'events', required: false, description: { en: 'Emit events', ar: 'أحداث' }, emit: ['acme.probe.*'] },
    { name: 'cron', kind: 'schedules', required: false, description: { en: 'Jobs', ar: 'مهام' } },
  ],
  collections: [{ name: 'items', schema: { type: 'object', required: ['label'], properties: { label: { type: 'string' } }, additionalProperties: false } }],
  routes: [
    { method: 'GET', path: '/echo', handler: 'echo' },
    { method: 'POST', path: '/echo', handler: 'echo' },
    { method: 'GET', path: '/items', handler: 'items' },
    { method: 'GET', path: '/text', handler: 'text' },
  ],
  events: [
    { event: 'acme.probe.add', handler: 'onAdd' },
    { event: 'acme.probe.fail', handler: 'onFail' },
  ],
  jobs: [{ name: 'count', cron: '0 * * * *', handler: 'count' }],
  agentTools: [],
  settings: { type: 'object', properties: { greeting: { type: 'string', default: 'hello' } }, additionalProperties: false },
  dependencies: {},
};

const PROBE_SOURCE = `import { log, settings, storage, tenant } from 'dogan:module';

export const routes = {
  echo(req) {
    log.info('echo called', { query: req.query });
    return { status: 200, body: { method: req.method, path: req.path, query: req.query, probe: req.headers['x-probe'] ?? null, body: req.body, greeting: settings.get().greeting, tenant: tenant.id } };
  },
  async items() {
    return { status: 200, body: await storage.query('items', { sort: 'label' }) };
  },
  text: () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'plain words' }),
};
export const events = {
  async onAdd(event) {
    await storage.insert('items', { label: event.payload.label });
  },
  onFail() {
    throw new Error('boom in onFail');
  },
};
export const jobs = {
  async count() {
    return { items: (await storage.query('items', { limit: 100 })).items.length };
  },
};
`;

const PROBE_TESTS = `import assert from 'node:assert/strict';
import { defineModuleTests } from '@dogan/sdk/testing';

type Items = { items: Array<{ label: string }> };

export default defineModuleTests({
  async 'requests carry method, path, query, headers and body'(t) {
    const res = await t.request('POST', '/echo', { body: { a: 1 }, query: { q: 'x', many: ['1', '2'] }, headers: { 'X-Probe': 'yes' } });
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'], /json/);
    assert.deepEqual(res.body, { method: 'POST', path: '/echo', query: { q: 'x', many: ['1', '2'] }, probe: 'yes', body: { a: 1 }, greeting: 'hello', tenant: t.tenant.id });
  },
  async 'text answers come back as text; unknown routes as problem+json'(t) {
    const text = await t.request('GET', '/text');
    assert.equal(text.body, 'plain words');
    const missing = await t.request('GET', 'nope');
    assert.equal(missing.status, 404);
    assert.equal((missing.body as { code: string }).code, 'MODULE_ROUTE_NOT_FOUND');
  },
  async 'events reach the module, and a failing handler fails emit'(t) {
    await t.emit('acme.probe.add', { label: 'from an event' });
    assert.deepEqual(((await t.request('GET', '/items')).body as Items).items.map((i) => i.label), ['from an event']);
    await assert.rejects(t.emit('acme.probe.fail', {}), /boom in onFail/);
    await t.emit('acme.probe.nobody-listens', {});
  },
  async 'jobs run on demand and give back their value'(t) {
    await t.emit('acme.probe.add', { label: 'a' });
    await t.emit('acme.probe.add', { label: 'b' });
    assert.deepEqual(await t.runJob('count'), { items: 2 });
    await assert.rejects(t.runJob('nope'), /nope/);
  },
  async 'settings start at the schema defaults and change with setSettings'(t) {
    assert.equal(((await t.request('GET', '/echo')).body as { greeting: string }).greeting, 'hello');
    await t.setSettings({ greeting: 'marhaba' });
    assert.equal(((await t.request('GET', '/echo')).body as { greeting: string }).greeting, 'marhaba');
    await assert.rejects(t.setSettings({ greeting: 5 }), /MODULE_SETTINGS_INVALID|settings/i);
  },
  async "the module's log is read back oldest first"(t) {
    await t.request('GET', '/echo', { query: { n: 1 } });
    await t.request('GET', '/echo', { query: { n: 2 } });
    const lines = (await t.logs()).filter((l) => l.message === 'echo called');
    assert.deepEqual(lines.map((l) => l.data), [{ query: { n: '1' } }, { query: { n: '2' } }]);
    assert.equal(lines[0]!.version, '2.1.0');
  },
  async 'every test runs in a tenant of its own'(t) {
    assert.match(t.tenant.subdomain, /^test-\\d+$/);
    assert.deepEqual(((await t.request('GET', '/items')).body as Items).items, []);
  },
});
`;

const SETTINGS_TESTS = `import assert from 'node:assert/strict';
import { defineModuleTests } from '@dogan/sdk/testing';

export default defineModuleTests(
  {
    async 'the suite settings replace the defaults'(t) {
      assert.equal(((await t.request('GET', '/echo')).body as { greeting: string }).greeting, 'ahlan');
    },
  },
  { settings: { greeting: 'ahlan' } },
);
`;

const FAILING_TESTS = `import assert from 'node:assert/strict';
import { defineModuleTests } from '@dogan/sdk/testing';

export default defineModuleTests(
  {
    async 'this one passes'(t) {
      assert.equal((await t.request('GET', '/echo')).status, 200);
    },
    async 'a wrong status fails'(t) {
      assert.equal((await t.request('GET', '/echo')).status, 418);
    },
    'a thrown error fails'() {
      throw new Error('thrown on purpose');
    },
    async 'a test that never ends times out'() {
      await new Promise(() => undefined);
    },
  },
  { timeoutMs: 1_000 },
);
`;

// Every folder a test makes goes when the test process ends, however it ended.
const made: string[] = [];
process.once('exit', () => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

function writeModule(files: Record<string, string>): string {
  const dir = tempDir('dogan-harness-');
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const probe = (extra: Record<string, string> = {}) =>
  writeModule({ 'manifest.json': JSON.stringify(PROBE_MANIFEST), 'src/index.ts': PROBE_SOURCE, 'test/probe.test.ts': PROBE_TESTS, 'test/settings.test.ts': SETTINGS_TESTS, ...extra });

t.test('test builds the module and runs every test in the real sandbox; the temp data dir is removed', async (t) => {
  const dir = probe();
  // A private TMPDIR: what the harness leaves behind is then visible.
  const tmp = tempDir('dogan-harness-tmp-');
  const res = await runDoganModule(['test'], { cwd: dir, env: { TMPDIR: tmp } });
  t.equal(res.code, 0, res.stdout + res.stderr);
  t.match(res.stdout, /built acme\.probe@2\.1\.0: dist\/module\.js/);
  t.match(res.stdout, /test\/probe\.test\.ts\n( {2}✓ .+\n){7}test\/settings\.test\.ts\n {2}✓ the suite settings replace the defaults/);
  t.match(res.stdout, /8 passed, 0 failed/);
  t.same(readdirSync(tmp).filter((name) => name.startsWith('dogan-')), [], 'the throwaway data dir is gone (tsx keeps its cache there)');
});

t.test('failures are named, explained, counted, and exit 1; the other tests still run', async (t) => {
  const dir = probe({ 'test/failing.test.ts': FAILING_TESTS, 'test/not-a-suite.test.ts': 'export default 42;\n', 'test/syntax.test.ts': 'export default {{\n' });
  const res = await runDoganModule(['test'], { cwd: dir });
  t.equal(res.code, 1);
  t.match(res.stdout, / {2}✓ this one passes/);
  t.match(res.stdout, / {2}✗ a wrong status fails[^\n]*\n +\S*.*\n(.*\n)*?.*418/);
  t.match(res.stdout, / {2}✗ a thrown error fails[^\n]*\n +thrown on purpose\n +at .*failing\.test\.ts:\d+/);
  t.match(res.stdout, / {2}✗ a test that never ends times out[^\n]*\n +timed out after 1000 ms/);
  t.match(res.stdout, /could not load test\/not-a-suite\.test\.ts\n +its default export must be defineModuleTests/);
  t.match(res.stdout, /could not load test\/syntax\.test\.ts/);
  t.match(res.stdout, /9 passed, 5 failed/);
  t.match(res.stdout, /failed: test\/failing\.test\.ts › a wrong status fails/);
  t.match(res.stderr, /error: 5 test\(s\) failed/);
});

t.test('test refuses an invalid manifest by field, a failing build, and a module without tests', async (t) => {
  const badManifest = probe({ 'manifest.json': JSON.stringify({ ...PROBE_MANIFEST, category: 'toys', routes: [{ method: 'GET', path: 'echo', handler: 'echo' }] }) });
  const bad = await runDoganModule(['test'], { cwd: badManifest });
  t.equal(bad.code, 1);
  t.match(bad.stderr, /category/);
  t.match(bad.stderr, /routes\[0\]\.path/);

  const badImport = probe({ 'src/index.ts': `import { readFileSync } from 'node:fs';\nexport const routes = { echo: () => ({ status: 200, body: readFileSync('x', 'utf8') }) };\n` });
  const build = await runDoganModule(['test'], { cwd: badImport });
  t.equal(build.code, 1);
  t.match(build.stderr, /import "node:fs" in src\/index\.ts is not allowed/);

  const noTests = writeModule({ 'manifest.json': JSON.stringify(PROBE_MANIFEST), 'src/index.ts': PROBE_SOURCE });
  const none = await runDoganModule(['test'], { cwd: noTests });
  t.equal(none.code, 1);
  t.match(none.stderr, /no test files/);
});

t.test('init → build → test passes for a new module as generated', async (t) => {
  const work = tempDir('dogan-harness-init-');
  t.equal((await runDoganModule(['init', 'acme.notes'], { cwd: work })).code, 0);
  const dir = join(work, 'notes');
  const build = await runDoganModule(['build'], { cwd: dir });
  t.equal(build.code, 0, build.stderr);
  const res = await runDoganModule(['test'], { cwd: dir });
  t.equal(res.code, 0, res.stdout + res.stderr);
  t.match(res.stdout, /✓ a note written can be read back[\s\S]*✓ an empty note is refused[\s\S]*2 passed, 0 failed/);
});
