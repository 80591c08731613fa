import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';

/**
 * `npx dogan-module` runs the CLI through node_modules/.bin, a symlink: the CLI's "am I the entry
 * script" check compared process.argv[1] with its own path, failed, and printed nothing with exit 0.
 * Run from a folder outside the repository, as a module author does.
 */

const bin = new URL('../../node_modules/.bin/dogan-module', import.meta.url).pathname;
const outside = mkdtempSync(join(tmpdir(), 'dogan-module-author-'));
t.teardown(() => rmSync(outside, { recursive: true, force: true }));

const run = (args: string[]) => spawnSync(bin, args, { cwd: outside, encoding: 'utf8', timeout: 60_000 });

t.test('help through the .bin symlink prints the commands', async (t) => {
  const res = run(['help']);
  t.equal(res.status, 0);
  t.match(res.stdout, /usage: dogan-module <command>/);
  t.match(res.stdout, /init <publisher\.name>/);
});

t.test('an unknown command says so and exits non-zero', async (t) => {
  const res = run(['bogus']);
  t.equal(res.status, 1);
  t.match(res.stderr, /unknown command "bogus"/);
});
