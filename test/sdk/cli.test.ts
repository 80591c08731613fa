import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { runDoganModuleCli } from '../../sdk/src/cli/dogan-module.js';

function ctx(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, c: { cwd: mkdtempSync(join(tmpdir(), 'dogan-cli-')), env, out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

t.test('test and dev outside a module folder say what is missing, with exit code 1', async (t) => {
  for (const command of ['test', 'dev']) {
    const { err, c } = ctx();
    t.equal(await runDoganModuleCli([command, '--port', '0'], c), 1);
    t.match(err.join('\n'), /no manifest\.json/);
  }
});

t.test('usage errors are clear and exit 1', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['init'], /usage: dogan-module init <publisher\.name>/],
    [['init', 'Notes'], /usage/],
    [['build'], /no manifest\.json/],
    [['publish'], /DOGAN_REGISTRY_TOKEN/],
    [['frobnicate'], /unknown command/],
    [['build', '--nope'], /Unknown option/],
  ];
  for (const [args, message] of cases) {
    const { err, c } = ctx();
    t.equal(await runDoganModuleCli(args, c), 1, args.join(' '));
    t.match(err.join('\n'), message, args.join(' '));
  }
});

t.test('keys refuses to overwrite an existing private key', async (t) => {
  const { err, c } = ctx();
  const env = { DOGAN_HOME: join(c.cwd, 'home') };
  const run = () => runDoganModuleCli(['keys', '--publisher', 'acme'], { ...c, env });
  t.equal(await run(), 0);
  t.equal(await run(), 1);
  t.match(err.join('\n'), /exists/);
});
