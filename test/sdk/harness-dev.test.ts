import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { runDoganModule } from '../registry/helpers/run-cli.js';
import { call, eventually, startDev, tempDir } from './helpers/dev-process.js';

t.test('dev serves the module in a dev tenant, rebuilds on change, survives a broken save, and stops on SIGTERM', async (t) => {
  const work = tempDir();
  t.equal((await runDoganModule(['init', 'acme.notes'], { cwd: work })).code, 0);
  const dir = join(work, 'notes');
  const source = join(dir, 'src', 'index.ts');
  const original = readFileSync(source, 'utf8');

  const dev = startDev(dir);
  t.teardown(() => void dev.child.kill('SIGKILL'));
  const [, url] = await dev.waitFor(/dev platform running at (http:\/\/127\.0\.0\.1:\d+)/);
  const [, key] = await dev.waitFor(/API key: (dgn_\S+)/);
  await dev.waitFor(/watching src\/ and manifest\.json/);
  t.match(dev.output(), /module: +acme\.notes@0\.1\.0-dev\.1/);
  t.match(dev.output(), /tenant: +Dev tenant \(subdomain "dev-tenant"/);
  t.match(dev.output(), new RegExp(`try: +curl -H 'authorization: Bearer ${key}' ${url}/api/v1/dev-tenant/apps/acme\\.notes/notes`));
  const notes = `${url}/api/v1/dev-tenant/apps/acme.notes/notes`;

  t.equal((await call(notes, key!, 'POST', { text: 'before the change' })).status, 201);
  t.same((await call(notes, key!)).body.notes.map((n: { text: string }) => n.text), ['before the change']);

  const mark = dev.output().length;
  writeFileSync(source, original.replace('body: { notes: page.items }', "body: { notes: page.items, edition: 'second' }"));
  await dev.waitFor(/rebuilt: now serving acme\.notes@0\.1\.0-dev\.\d+/, mark);
  t.ok(await eventually(async () => (await call(notes, key!)).body.edition === 'second'), 'the route answers with the new code');
  t.same((await call(notes, key!)).body.notes.map((n: { text: string }) => n.text), ['before the change'], 'the data stays');

  const broken = dev.output().length;
  writeFileSync(source, 'export default {{{\n');
  await dev.waitFor(/rebuild failed; still serving acme\.notes@0\.1\.0-dev\.\d+/, broken);
  t.equal((await call(notes, key!)).body.edition, 'second', 'the previous build keeps serving');

  dev.child.kill('SIGTERM');
  t.equal(await dev.exited, 0, dev.output());
  t.match(dev.output(), /SIGTERM: stopping[\s\S]*stopped/);
  t.notMatch(dev.output(), /"level":/, "the platform's own log is silent");

  // A second start finds the dev tenant and its notes in <module>/.dogan/dev, with a new key.
  writeFileSync(source, original);
  const again = startDev(dir);
  t.teardown(() => void again.child.kill('SIGKILL'));
  const [, url2] = await again.waitFor(/dev platform running at (http:\/\/127\.0\.0\.1:\d+)/);
  const [, key2] = await again.waitFor(/API key: (dgn_\S+)/);
  await again.waitFor(/watching/);
  t.not(key2, key, 'a new key each start');
  t.same((await call(`${url2}/api/v1/dev-tenant/apps/acme.notes/notes`, key2!)).body.notes.map((n: { text: string }) => n.text), ['before the change']);
  t.equal((await call(`${url2}/api/v1/dev-tenant/apps/acme.notes/notes`, key!)).status, 401, "the previous start's key is revoked");
  again.child.kill('SIGINT');
  t.equal(await again.exited, 0, again.output());
});

t.test('dev refuses a bad port and a folder without a module', async (t) => {
  const work = tempDir();
  const port = await runDoganModule(['dev', '--port', 'abc'], { cwd: work });
  t.equal(port.code, 1);
  t.match(port.stderr, /--port must be a port number/);
  const empty = await runDoganModule(['dev', '--port', '0'], { cwd: work });
  t.equal(empty.code, 1);
  t.match(empty.stderr, /no manifest\.json/);
});
