import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { runDoganModule } from '../registry/helpers/run-cli.js';
import { call, eventually, startDev, tempDir } from './helpers/dev-process.js';

/**
 * Regression: `dogan-module dev` stopped rebuilding after the first atomic save (write a temporary
 * file, rename it over the source, as many editors save), because Node 20's recursive fs.watch kept
 * watching the replaced file; and a build error was reported only when another file changed, never
 * on start (dev exited instead). A change must be seen after any number of atomic saves, and a
 * broken build reported within seconds.
 */

// Prompt, but with room for a loaded CI machine: a rebuild takes well under a second here.
const PROMPT_MS = 15_000;

let saves = 0;
/** Saves as JetBrains' "safe write", vim's backupcopy=no and many others do: a new file renamed over the old. */
function atomicSave(path: string, text: string): void {
  const temp = `${path}.tmp-${++saves}`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}

t.test('dev rebuilds after every atomic save and reports a syntax error at once', async (t) => {
  const work = tempDir();
  t.equal((await runDoganModule(['init', 'acme.notes'], { cwd: work })).code, 0);
  const dir = join(work, 'notes');
  const source = join(dir, 'src', 'index.ts');
  const original = readFileSync(source, 'utf8');
  const edition = (name: string) => original.replace('body: { notes: page.items }', `body: { notes: page.items, edition: '${name}' }`);

  const dev = startDev(dir);
  t.teardown(() => void dev.child.kill('SIGKILL'));
  const [, url] = await dev.waitFor(/dev platform running at (http:\/\/127\.0\.0\.1:\d+)/);
  const [, key] = await dev.waitFor(/API key: (dgn_\S+)/);
  await dev.waitFor(/watching src\/ and manifest\.json/);
  const notes = `${url}/api/v1/dev-tenant/apps/acme.notes/notes`;

  for (const name of ['first', 'second', 'third']) {
    const mark = dev.output().length;
    atomicSave(source, edition(name));
    await dev.waitFor(/rebuilt: now serving acme\.notes@0\.1\.0-dev\.\d+/, mark, PROMPT_MS);
    t.ok(await eventually(async () => (await call(notes, key!)).body.edition === name, PROMPT_MS), `atomic save "${name}" is served`);
  }

  const broken = dev.output().length;
  atomicSave(source, 'export default {{{\n');
  await dev.waitFor(/rebuild failed; still serving acme\.notes@0\.1\.0-dev\.\d+:\n[\s\S]*?src\/index\.ts:1:\d+: /, broken, PROMPT_MS);
  t.equal((await call(notes, key!)).body.edition, 'third', 'the previous build keeps serving');

  dev.child.kill('SIGTERM');
  t.equal(await dev.exited, 0, dev.output());
});

t.test('a module that does not build on start is reported at once, and served after the fix', async (t) => {
  const work = tempDir();
  t.equal((await runDoganModule(['init', 'acme.notes'], { cwd: work })).code, 0);
  const dir = join(work, 'notes');
  const source = join(dir, 'src', 'index.ts');
  const original = readFileSync(source, 'utf8');
  writeFileSync(source, 'export default {{{\n');

  const dev = startDev(dir);
  t.teardown(() => void dev.child.kill('SIGKILL'));
  await dev.waitFor(/build failed; serving nothing until it builds:\n[\s\S]*?src\/index\.ts:1:\d+: /);
  const [, url] = await dev.waitFor(/dev platform running at (http:\/\/127\.0\.0\.1:\d+)/);
  const [, key] = await dev.waitFor(/API key: (dgn_\S+)/);
  await dev.waitFor(/watching src\/ and manifest\.json/);

  const mark = dev.output().length;
  atomicSave(source, original);
  await dev.waitFor(/rebuilt: now serving acme\.notes@0\.1\.0-dev\.\d+/, mark, PROMPT_MS);
  t.ok(await eventually(async () => (await call(`${url}/api/v1/dev-tenant/apps/acme.notes/notes`, key!)).status === 200, PROMPT_MS), 'the fixed module is served');

  dev.child.kill('SIGTERM');
  t.equal(await dev.exited, 0, dev.output());
});
