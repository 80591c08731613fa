import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { RegistryErrors } from '@dogan/marketplace-registry';
import { hashToken } from '@dogan/runtime';

// The compiled CLI, as `npm run registry` runs it.
const CLI = fileURLToPath(new URL('../../marketplace-registry/dist/cli.js', import.meta.url));

function registryCli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--enable-source-maps', CLI, ...args], { env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

t.test('registry publisher add prints the token once and stores only its hash', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dogan-registry-cli-'));
  const env = { REGISTRY_DATA_DIR: dataDir, LOG_LEVEL: 'silent', REGISTRY_ADMIN_TOKEN: 'x'.repeat(30) };
  const add = await registryCli(['publisher', 'add', 'acme', '--display-name', 'Acme Co'], env);
  t.equal(add.code, 0, add.stderr);
  const token = /token \(shown once, stored hashed\): (\S+)/.exec(add.stdout)?.[1];
  t.ok(token, add.stdout);
  const db = readFileSync(join(dataDir, 'registry.db')).toString('latin1');
  t.notMatch(db, token!, 'the token is not in the database in clear');
  t.match(db, hashToken(token!), 'its SHA-256 is');
  const again = await registryCli(['publisher', 'add', 'acme'], env);
  t.equal(again.code, 1);
  t.match(again.stderr, /PUBLISHER_EXISTS/);
  const verify = await registryCli(['publisher', 'verify', 'acme'], env);
  t.match(verify.stdout, /acme is verified/);
  const bad = await registryCli(['start'], { ...env, REGISTRY_PORT: 'eighty', REGISTRY_MAX_FILES: '1' });
  t.equal(bad.code, 1);
  t.match(bad.stderr, /REGISTRY_PORT must be a whole number.*REGISTRY_MAX_FILES must be between/);
  t.same(readdirSync(dataDir).filter((f) => f.includes('token')), [], 'a configured admin token leaves no file');
});

t.test('every registry error code is unique, upper snake case and a 4xx/5xx', async (t) => {
  const codes = Object.values(RegistryErrors).map((f) => f.code);
  t.equal(new Set(codes).size, codes.length);
  for (const f of Object.values(RegistryErrors)) {
    t.match(f.code, /^[A-Z][A-Z0-9_]+$/);
    t.ok(f.spec.status >= 400 && f.spec.status < 600, f.code);
  }
  t.ok(codes.includes('MODULE_INTEGRITY_MISMATCH') && codes.includes('MODULE_SIGNATURE_INVALID'));
});
