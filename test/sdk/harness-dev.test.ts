import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { runDoganModule } from '../registry/helpers/run-cli.js';

const BIN = fileURLToPath(new URL('../../sdk/bin/dogan-module.js', import.meta.url));
// Generous: a loaded CI machine may take many seconds to start a kernel and a sandbox host.
const WAIT_MS = 90_000;

// Every folder a test makes goes when the test process ends, however it ended.
const made: string[] = [];
process.once('exit', () => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dogan-dev-'));
  made.push(dir);
  return dir;
}

interface Dev {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in stdout+stderr after `from` characters. */
  waitFor(pattern: RegExp, from?: number): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
}

function startDev(cwd: string): Dev {
  // Without LOG_LEVEL the platform's own log stays silent, as a developer sees it.
  const { LOG_LEVEL: _ignored, ...env } = process.env;
  const child = spawn(process.execPath, [BIN, 'dev', '--port', '0'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    exited,
    waitFor(pattern, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = pattern.exec(text.slice(from));
          if (!m) return;
          cleanup();
          resolve(m);
        };
        const timer = setTimeout(() => (cleanup(), reject(new Error(`timed out waiting for ${pattern}; output so far:\n${text}`))), WAIT_MS);
        const cleanup = () => (clearTimeout(timer), listeners.delete(check));
        listeners.add(check);
        void exited.then(() => (cleanup(), reject(new Error(`dev exited while waiting for ${pattern}:\n${text}`))));
        check();
      });
    },
  };
}

async function call(url: string, key: string, method = 'GET', body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: await res.json() };
}

/** Polls until `check` is true; the rebuild is asynchronous and its timing is not what is tested. */
async function eventually(check: () => Promise<boolean>): Promise<boolean> {
  const until = Date.now() + WAIT_MS;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

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
