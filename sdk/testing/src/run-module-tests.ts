import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { ErpnextTestConnection, ModuleTest, ModuleTestReport, ModuleTestRun } from '@dogan/sdk/testing';
import { installModule } from './install-module.js';
import { loadTestFiles } from './load-test-files.js';
import { startLocalPlatform, type LocalPlatform } from './local-platform.js';
import { connectErpnext, createTestContext, erpnextFromEnvironment } from './test-context.js';

const DEFAULT_TIMEOUT_MS = 30_000;

function ms(start: number): string {
  return `${Math.round(performance.now() - start)} ms`;
}

/** The message, and the line of the test file that threw when the stack names it. */
function describeFailure(err: unknown, file: string): string[] {
  const error = err instanceof Error ? err : new Error(String(err));
  const code = (error as { code?: unknown }).code;
  // Platform errors carry a code worth seeing (MODULE_SETTINGS_INVALID); an assertion's says nothing new.
  const prefix = typeof code === 'string' && code !== 'ERR_ASSERTION' && !error.message.includes(code) ? `${code}: ` : '';
  const lines = `${prefix}${error.message}`.split('\n');
  const at = error.stack?.split('\n').find((l) => l.includes(file));
  if (at) lines.push(at.trim().replace(/\?run=\d+/, ''));
  return lines;
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs one test in a tenant of its own: a new tenant database, the module enabled in it, the test
 * given its context. Tenants are cheap on SQLite, and no test sees another's documents or logs.
 */
async function runOne(
  platform: LocalPlatform,
  run: ModuleTestRun,
  code: string,
  n: number,
  test: ModuleTest,
  options: { settings?: Record<string, unknown>; timeoutMs?: number },
  erpnext: ErpnextTestConnection | undefined,
): Promise<void> {
  const tenant = await platform.tenants.tenants.create({ name: `Test tenant ${n}`, subdomain: `test-${n}`, locale: 'en' }, 'dogan-module test');
  // Connected before the module is enabled, so an install hook can already reach ERPNext.
  if (erpnext) await connectErpnext(platform, tenant.id, erpnext).catch((err: unknown) => {
    throw new Error(`could not connect the test tenant to the ERPNext of DOGAN_TEST_ERPNEXT_URL (${erpnext.url}): ${(err as Error).message}`);
  });
  const installed = await installModule(platform, tenant.id, run.manifest, code, { settings: options.settings });
  const ctx = createTestContext(platform, tenant, run.manifest, installed);
  await withTimeout(Promise.resolve().then(() => test(ctx)), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
}

/**
 * The harness behind `dogan-module test`: loads the test files, starts the real platform on a
 * throwaway data dir, runs every test against the built bundle, prints one line per test, and
 * always closes the platform and removes the data dir.
 */
export async function runModuleTests(run: ModuleTestRun): Promise<ModuleTestReport> {
  const files = await loadTestFiles(run.testFiles);
  const code = readFileSync(run.bundlePath, 'utf8');
  const erpnext = erpnextFromEnvironment();
  const started = performance.now();
  const platform = await startLocalPlatform({ dataDir: mkdtempSync(join(tmpdir(), 'dogan-module-test-')), removeDataDir: true });
  run.log(`platform and sandbox ready in ${ms(started)}; testing ${run.manifest.id}@${run.manifest.version}`);
  if (erpnext) run.log(`each test's tenant is connected to the ERPNext at ${erpnext.url} (DOGAN_TEST_ERPNEXT_URL)`);
  let passed = 0;
  const failures: string[] = [];
  let n = 0;
  try {
    for (const loaded of files) {
      const name = relative(run.dir, loaded.file);
      run.log(name);
      if ('error' in loaded) {
        failures.push(name);
        run.log(`  ✗ could not load ${name}`);
        for (const line of describeFailure(loaded.error, loaded.file)) run.log(`      ${line}`);
        continue;
      }
      for (const [title, test] of Object.entries(loaded.suite.tests)) {
        const start = performance.now();
        try {
          await runOne(platform, run, code, ++n, test, loaded.suite.options, erpnext);
          passed++;
          run.log(`  ✓ ${title} (${ms(start)})`);
        } catch (err) {
          failures.push(`${name} › ${title}`);
          run.log(`  ✗ ${title} (${ms(start)})`);
          for (const line of describeFailure(err, loaded.file)) run.log(`      ${line}`);
        }
      }
    }
  } finally {
    await platform.close();
  }
  return { passed, failed: failures.length, failures };
}
