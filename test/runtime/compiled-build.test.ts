import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';

/**
 * The production build (`build.mjs`, run by `npm ci` and before the tests): every package's exports
 * resolve to compiled files that exist, the compiled code imports no TypeScript, and stack traces from
 * the compiled code name the TypeScript sources.
 */
const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const { workspaces } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
const packages = workspaces.flatMap((w) => (w.endsWith('/*') ? readdirSync(join(ROOT, w.slice(0, -2))).map((n) => `${w.slice(0, -2)}/${n}`) : [w])).filter((d) => existsSync(join(ROOT, d, 'package.json')));

function* files(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) yield* files(join(dir, e.name));
    else yield join(dir, e.name);
  }
}

t.test('every export of every package has its source and its compiled file', async (t) => {
  for (const pkg of packages) {
    const manifest = JSON.parse(readFileSync(join(ROOT, pkg, 'package.json'), 'utf8')) as { name: string; exports?: Record<string, unknown> };
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      const conditions = target as Record<string, string>;
      t.type(conditions, 'object', `${manifest.name} ${subpath}: conditional export`);
      t.ok(existsSync(join(ROOT, pkg, conditions['dogan-source']!)), `${manifest.name} ${subpath}: source ${conditions['dogan-source']}`);
      t.ok(existsSync(join(ROOT, pkg, conditions.default!)), `${manifest.name} ${subpath}: compiled ${conditions.default}`);
      t.match(conditions.default, /^\.\/dist\/.*\.js$/, 'the default condition is the compiled file');
    }
  }
});

t.test('the compiled code imports no TypeScript file and every file has its source map', async (t) => {
  let checked = 0;
  for (const pkg of packages) {
    for (const file of files(join(ROOT, pkg, 'dist'))) {
      if (!file.endsWith('.js')) continue;
      const text = readFileSync(file, 'utf8');
      t.notMatch(text, /from ['"][^'"]+\.ts['"]|import\(['"][^'"]+\.ts['"]\)/, `${file.slice(ROOT.length)} imports no .ts`);
      t.ok(existsSync(`${file}.map`), `${file.slice(ROOT.length)} has a source map`);
      checked++;
    }
  }
  t.ok(checked > 200, `${checked} compiled files checked`);
});

t.test('a stack trace from the compiled code names the TypeScript source', async (t) => {
  const script = `
    const { loadConfig } = await import('@dogan/runtime');
    try { loadConfig({ envFile: false, env: { PORT: 'not-a-port' } }); } catch (err) { console.log(err.stack); }
  `;
  // Plain node (no tsx, no source condition): what `npm start` runs.
  const { stdout } = await run(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], { cwd: join(ROOT, 'plugins/distribution'), env: { ...process.env, NODE_OPTIONS: '' } });
  t.match(stdout, /PORT/, 'the error is the config error');
  t.match(stdout, /runtime\/src\/config\/[\w-]+\.ts:\d+:\d+/, 'the stack names runtime/src/config/*.ts with line and column');
  t.notMatch(stdout, /runtime\/dist\//, 'not the compiled file');
});
