import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import t, { type Test } from 'tap';
import { call, demoKeyOf, startPlatform, waitFor } from '../faults/helpers.js';
import { freePort } from '../helpers/free-port.js';

/**
 * A new module author's path, as the README tells it: the block under "From nothing to a published
 * module" is read from README.md and every command in it is run as written, in a shell, from a folder
 * outside the repository, against `npm start` on SQLite: pack the SDK, get a publisher token, `init`,
 * `npm install`, type-check, test, register a key, publish, install in the demo tenant and call the
 * module. A second tenant installs the same module and sees none of the demo tenant's data. Then the
 * SDK alone: installed from its tarballs it pulls in no database driver, Fastify or isolated-vm.
 */

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '../..');
// The module's `npm install` builds isolated-vm and better-sqlite3 from source: minutes, not seconds.
t.setTimeout(20 * 60_000);

/** The shell lines of the README block, comments removed. */
function readmeCommands(): string[] {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.split('### From nothing to a published module')[1];
  const block = section?.split('```sh\n')[1]?.split('```')[0];
  if (!block) throw new Error('README.md has no "From nothing to a published module" block');
  return block
    .split('\n')
    .map((line) => line.replace(/\s{2,}#.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

interface Shell {
  cwd: string;
  readonly env: Record<string, string>;
  readonly outputs: Map<string, string>;
}

/** Runs one README line: `cd` and `export` change the shell, anything else runs in `sh -c`. */
async function runLine(t: Test, shell: Shell, line: string, expand: (text: string) => string): Promise<void> {
  for (const step of line.split(' && ')) {
    const command = expand(step);
    if (command.startsWith('cd ')) {
      shell.cwd = resolve(shell.cwd, command.slice(3).trim());
      continue;
    }
    if (command.startsWith('export ')) {
      for (const assignment of command.slice(7).trim().split(/\s+/)) {
        const [name, ...value] = assignment.split('=');
        shell.env[name!] = value.join('=');
      }
      continue;
    }
    const curl = command.startsWith('curl ') ? command.replace(/^curl /, 'curl -sS --fail-with-body ') : command;
    const started = Date.now();
    const result = await run('sh', ['-c', curl], { cwd: shell.cwd, env: shell.env, maxBuffer: 64 * 1024 * 1024 }).then(
      ({ stdout, stderr }) => ({ ok: true, stdout, stderr }),
      (err: { stdout?: string; stderr?: string; message: string }) => ({ ok: false, stdout: err.stdout ?? '', stderr: `${err.stderr ?? ''}\n${err.message}` }),
    );
    shell.outputs.set(step, result.stdout);
    t.ok(result.ok, `"${step.slice(0, 100)}" succeeds (${((Date.now() - started) / 1000).toFixed(1)} s)`, result.ok ? {} : { stdout: result.stdout.slice(-3000), stderr: result.stderr.slice(-3000) });
    if (!result.ok) throw new Error(`README command failed: ${step}`);
  }
}

t.test('from nothing to a published module, every README command as written', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'dogan-author-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const port = await freePort();
  const dataDir = join(work, 'platform-data');
  const platform = await startPlatform({ DOGAN_DATA_DIR: dataDir, PORT: String(port), DOGAN_ADMIN_TOKEN: '', DATABASE_URL: '' });
  t.teardown(() => platform.signalGroup('SIGKILL'));
  const demoKey = await demoKeyOf(platform);
  // The banner arrives in several writes: the admin token is its last line, after the demo key.
  const tokenIn = () => /Platform admin token[^\n]*\n\s*(\S+)\n/.exec(platform.output())?.[1];
  await waitFor(async () => tokenIn() !== undefined, 10_000, 20);
  const adminToken = tokenIn();
  t.ok(/Module registry: http:\/\/localhost:\d+\/registry/.test(platform.output()), 'the banner says where module developers publish');

  const modulesDir = join(work, 'modules');
  const shell: Shell = {
    cwd: repoRoot,
    // The platform's data folder for `npx dogan ...`; keys in a throwaway DOGAN_HOME, not the user's.
    env: { ...(process.env as Record<string, string>), DOGAN_DATA_DIR: dataDir, DATABASE_URL: '', DOGAN_HOME: join(work, 'dogan-home'), DOGAN_DEMO_KEY: demoKey, LOG_LEVEL: 'warn' },
    outputs: new Map(),
  };
  let publisherToken = '';
  const expand = (text: string) =>
    text
      .replaceAll('~/dogan', repoRoot)
      .replaceAll('~/modules', modulesDir)
      .replaceAll('localhost:3000', `127.0.0.1:${port}`)
      .replaceAll('dgr_...', publisherToken);

  const commands = readmeCommands();
  t.ok(commands.length >= 12, `${commands.length} commands in the README block`);
  for (const line of commands) {
    await runLine(t, shell, line, expand);
    if (line.includes('registry publisher add')) {
      publisherToken = /token \(shown once, stored hashed\): (dgr_\S+)/.exec(shell.outputs.get(line) ?? '')?.[1] ?? '';
      t.ok(publisherToken, 'the publisher token is printed');
    }
  }

  const output = (fragment: string) => [...shell.outputs.entries()].find(([line]) => line.includes(fragment))?.[1] ?? '';
  t.notOk(resolve(shell.cwd).startsWith(repoRoot), 'the module lives outside the repository');
  t.ok(existsSync(join(shell.cwd, 'node_modules/@dogan/module-testing')), "the module's own npm install put the SDK and its harness there");
  t.match(output('npm test'), /2 passed, 0 failed/, "the generated module's tests pass in the sandbox");
  t.match(output('dogan-module publish'), /published acme\.hello@0\.1\.0/, 'published to the embedded registry');
  t.match(output('/modules/acme.hello/install'), /"status":"installed"/, 'installed in the demo tenant');
  const notes = await call(`http://127.0.0.1:${port}`, 'GET', '/api/v1/demo/apps/acme.hello/notes', { key: demoKey });
  t.same((notes.body as { notes: Array<{ text: string }> }).notes.map((n) => n.text), ['hello'], 'the note posted through the README line is stored');

  await t.test('a second tenant with the same module sees none of it', async (t) => {
    const base = `http://127.0.0.1:${port}`;
    const created = await call(base, 'POST', '/api/admin/tenants', { key: adminToken, body: { name: 'Other Co', subdomain: 'other-co' } });
    t.equal(created.status, 201);
    const key = await call(base, 'POST', '/api/admin/tenants/other-co/api-keys', { key: adminToken, body: { name: 'e2e', scopes: ['read', 'write', 'admin'] } });
    const otherKey = (key.body as { key: string }).key;
    const install = await call(base, 'POST', '/api/v1/other-co/modules/acme.hello/install', { key: otherKey, body: { grants: ['notes-storage'] } });
    t.equal(install.status, 201, JSON.stringify(install.body));
    const theirs = await call(base, 'GET', '/api/v1/other-co/apps/acme.hello/notes', { key: otherKey });
    t.same(theirs.body, { notes: [] }, "the other tenant's list is empty");
    const crossed = await call(base, 'GET', '/api/v1/demo/apps/acme.hello/notes', { key: otherKey });
    t.equal(crossed.status, 403, "the other tenant's key cannot read the demo tenant's module");
  });

  await t.test('the SDK alone installs no platform, and says what "test" needs', async (t) => {
    const solo = join(work, 'sdk-only');
    const env = { ...shell.env };
    const sh = (command: string, cwd = solo) => run('sh', ['-c', command], { cwd, env, maxBuffer: 16 * 1024 * 1024 });
    await run('mkdir', ['-p', solo]);
    await sh('npm init -y >/dev/null');
    await sh(`npm install --no-audit --no-fund --save-dev ${repoRoot}/dist/sdk/dogan-sdk-0.1.0.tgz ${repoRoot}/dist/sdk/dogan-module-manifest-0.1.0.tgz`);
    for (const heavy of ['pg', 'better-sqlite3', '@mikro-orm/core', 'fastify', 'isolated-vm', '@dogan/runtime', '@dogan/module-testing']) {
      t.notOk(existsSync(join(solo, 'node_modules', heavy)), `no ${heavy}`);
    }
    await sh('npx dogan-module init acme.solo');
    const built = await sh('npx dogan-module build', join(solo, 'solo'));
    t.match(built.stdout, /bundling acme\.solo@0\.1\.0[\s\S]*built dist\/module\.js/, 'build works with the SDK alone');
    const tested = await sh('npx dogan-module test', join(solo, 'solo')).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    t.equal(tested.code, 1, '"test" without the harness exits 1');
    t.match(tested.stderr, /@dogan\/module-testing: install it beside @dogan\/sdk/, 'and says which package to install');
  });
});
