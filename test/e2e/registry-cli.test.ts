import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { freePort } from '../helpers/free-port.js';

/**
 * The standalone registry's npm script as the README gives it: `npm run registry` starts it (and
 * prints its admin token once), `npm run registry -- publisher add <name>` prints a publisher token.
 * The script used to hard-code `start`, so the second form started a server instead.
 */

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '../..');

t.test('npm run registry -- publisher add prints a token; npm run registry starts the registry', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dogan-registry-cli-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = { ...process.env, REGISTRY_DATA_DIR: dataDir, REGISTRY_DATABASE_URL: '', LOG_LEVEL: 'warn' };

  const added = await run('npm', ['run', '--silent', 'registry', '--', 'publisher', 'add', 'acme'], { cwd: repoRoot, env });
  const token = /^token \(shown once, stored hashed\): (\S+)$/m.exec(added.stdout)?.[1];
  t.ok(token, 'a publisher token is printed');
  t.match(added.stdout, /registry admin token \(shown once, stored hashed\): \S+/, 'the first command on a new data folder prints the admin token it created');

  const port = await freePort();
  const server = spawn('npm', ['run', '--silent', 'registry'], { cwd: repoRoot, env: { ...env, REGISTRY_PORT: String(port) }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    try {
      process.kill(-server.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  let output = '';
  server.stdout!.on('data', (d) => (output += d));
  const listening = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 60_000);
    server.stdout!.on('data', () => /registry listening on/.test(output) && (clearTimeout(timer), resolve(true)));
    server.on('exit', () => (clearTimeout(timer), resolve(false)));
  });
  t.ok(listening, `the registry starts with no command (${output.trim().slice(0, 200)})`);
  t.notMatch(output, /registry admin token/, 'a token already shown is not shown again');
  const whoami = await fetch(`http://127.0.0.1:${port}/v1/publishers/me`, { headers: { authorization: `Bearer ${token}` } });
  const me = await whoami.text();
  t.equal(whoami.status, 200, `the token printed by "publisher add" is accepted by the running registry: ${me}`);
  t.match(JSON.parse(me), { name: 'acme' });
});
