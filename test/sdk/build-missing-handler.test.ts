import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { runDoganModuleCli } from '../../sdk/src/cli/dogan-module.js';
import { tempDir } from './helpers/dev-process.js';

/**
 * Regression: a manifest route (or event, or job) whose handler the bundle does not export built,
 * packed and published, and failed only at request time with a 502. `build`, `pack` and `publish`
 * now load the built bundle and refuse, naming the route and the handler.
 */

async function cli(cwd: string, args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDoganModuleCli(args, { cwd, env, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function newModule(): Promise<{ dir: string; edit(change: (m: Record<string, any>) => void): void; source(text: string): void }> {
  const work = tempDir('dogan-handlers-');
  const init = await cli(work, ['init', 'acme.notes']);
  if (init.code !== 0) throw new Error(init.err);
  const dir = join(work, 'notes');
  const manifestPath = join(dir, 'manifest.json');
  return {
    dir,
    edit(change) {
      const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, any>;
      change(m);
      writeFileSync(manifestPath, JSON.stringify(m, null, 2));
    },
    source: (text) => writeFileSync(join(dir, 'src', 'index.ts'), text),
  };
}

t.test('build refuses a route, event or job whose handler the bundle does not export', async (t) => {
  const mod = await newModule();
  t.equal((await cli(mod.dir, ['build'])).code, 0, 'the generated module builds');

  mod.edit((m) => m.routes.push({ method: 'DELETE', path: '/notes/:id', handler: 'deleteNote' }));
  const route = await cli(mod.dir, ['build']);
  t.equal(route.code, 1);
  t.match(route.err, /route DELETE \/notes\/:id: handler "deleteNote" is not exported by dist\/module\.js/);

  mod.edit((m) => {
    m.permissions.push({ name: 'hear', kind: 'events', required: false, description: { en: 'a', ar: 'b' }, emit: [] });
    m.permissions.push({ name: 'cron', kind: 'schedules', required: false, description: { en: 'a', ar: 'b' } });
    m.events = [{ event: 'tenant.updated', handler: 'onTenant' }];
    m.jobs = [{ name: 'nightly', cron: '0 2 * * *', handler: 'nightly' }];
  });
  const all = await cli(mod.dir, ['build']);
  t.equal(all.code, 1);
  t.match(all.err, /route DELETE \/notes\/:id: handler "deleteNote"/, 'every missing handler is named at once');
  t.match(all.err, /event "tenant\.updated": handler "onTenant" is not exported/);
  t.match(all.err, /job "nightly": handler "nightly" is not exported/);
  t.match(all.err, /routes\.deleteNote/, 'and where the platform looks for it');
});

t.test('handlers are found as named exports too, and a bundle that fails to load is refused', async (t) => {
  const mod = await newModule();
  mod.source(`import { storage } from 'dogan:module';
export const routes = {
  listNotes: async () => ({ status: 200, body: await storage.query('notes', { limit: 5 }) }),
  createNote: async () => ({ status: 201, body: {} }),
};
`);
  t.equal((await cli(mod.dir, ['build'])).code, 0, 'named exports count');

  mod.source(`export const routes = { listNotes: 1, createNote: async () => ({}) };\n`);
  const notFunction = await cli(mod.dir, ['build']);
  t.equal(notFunction.code, 1, 'a member that is not a function is not a handler');
  t.match(notFunction.err, /route GET \/notes: handler "listNotes"/);

  mod.source(`throw new Error('boom at load');\nexport const routes = {};\n`);
  const throws = await cli(mod.dir, ['build']);
  t.equal(throws.code, 1);
  t.match(throws.err, /dist\/module\.js fails when the sandbox loads it: Error: boom at load/);

  mod.source(`while (true) {}\nexport const routes = {};\n`);
  const spins = await cli(mod.dir, ['build']);
  t.equal(spins.code, 1, 'a bundle that never finishes loading is refused, not waited for');
  t.match(spins.err, /fails when the sandbox loads it: it did not finish loading within \d+ ms/);
});

t.test('pack and publish refuse a bundle that lacks a handler, before anything is uploaded', async (t) => {
  const mod = await newModule();
  t.equal((await cli(mod.dir, ['build'])).code, 0);
  // The manifest changes after the build: pack reads the bundle that is there.
  mod.edit((m) => m.routes.push({ method: 'GET', path: '/count', handler: 'countNotes' }));
  const pack = await cli(mod.dir, ['pack']);
  t.equal(pack.code, 1);
  t.match(pack.err, /route GET \/count: handler "countNotes" is not exported/);
  const publish = await cli(mod.dir, ['publish', '--no-build', '--registry', 'http://127.0.0.1:9'], { DOGAN_REGISTRY_TOKEN: 'x', DOGAN_HOME: join(mod.dir, 'home') });
  t.equal(publish.code, 1);
  t.match(publish.err, /route GET \/count: handler "countNotes" is not exported/);
  t.notMatch(publish.out, /uploading/);
});
