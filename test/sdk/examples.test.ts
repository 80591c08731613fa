import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { runDoganModule } from '../registry/helpers/run-cli.js';

const EXAMPLE = fileURLToPath(new URL('../../sdk/examples/notes', import.meta.url));
const TSC = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));

/** A copy, so running the CLI never writes dist/ or .dogan/ into the repository. */
function copyOfExample(t: { teardown(fn: () => void): void }): string {
  const root = mkdtempSync(join(tmpdir(), 'dogan-example-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, 'notes');
  cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !/[/\\](dist|\.dogan|node_modules)$/.test(src) });
  return dir;
}

t.test('the notes example is the module the quick start installs', async (t) => {
  const manifest = JSON.parse(readFileSync(join(EXAMPLE, 'manifest.json'), 'utf8'));
  t.match(manifest, {
    id: 'dogan.notes',
    version: '1.0.0',
    engine: '^0.1.0',
    name: { en: String, ar: /\p{Script=Arabic}/u },
    description: { en: String, ar: /\p{Script=Arabic}/u },
    category: 'productivity',
    pricing: { model: 'free' },
  });
  t.same(manifest.permissions.map((p: { kind: string; required: boolean }) => [p.kind, p.required]), [['storage', true]], 'one required storage permission');
  t.same(manifest.collections.map((c: { name: string }) => c.name), ['notes']);
  t.same(manifest.collections[0].schema.properties, { text: { type: 'string', minLength: 1, maxLength: 2000 }, createdAt: { type: 'string' } });
  t.same(manifest.routes.map((r: { method: string; path: string }) => `${r.method} ${r.path}`).sort(), ['GET /notes', 'POST /notes']);
});

t.test('the notes example builds, passes its tests in the sandbox, and packs deterministically', async (t) => {
  const dir = copyOfExample(t);
  const build = await runDoganModule(['build'], { cwd: dir });
  t.equal(build.code, 0, build.stderr);
  t.match(build.stdout, /built dist\/module\.js/);

  const test = await runDoganModule(['test'], { cwd: dir });
  t.equal(test.code, 0, test.stdout + test.stderr);
  t.match(test.stdout, /test\/notes\.test\.ts\n( {2}✓ .+\n){5}\n5 passed, 0 failed/);

  const pack = await runDoganModule(['pack'], { cwd: dir });
  t.equal(pack.code, 0, pack.stderr);
  t.match(pack.stdout, /packed dist\/dogan\.notes-1\.0\.0\.tgz \([\d.]+ KB, 4 files\)/);
  const first = readFileSync(join(dir, 'dist', 'dogan.notes-1.0.0.tgz'));
  t.equal((await runDoganModule(['pack'], { cwd: dir })).code, 0);
  t.same(readFileSync(join(dir, 'dist', 'dogan.notes-1.0.0.tgz')), first, 'the same inputs give the same bytes');
});

t.test('the notes example and its tests type-check against the SDK', async (t) => {
  const result = await new Promise<{ code: number; out: string }>((resolve) =>
    execFile(process.execPath, [TSC, '-p', join(EXAMPLE, 'tsconfig.json')], { timeout: 120_000 }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, out: stdout + stderr })),
  );
  t.equal(result.code, 0, result.out);
});
