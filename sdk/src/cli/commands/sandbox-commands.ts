import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildCheckedModule } from '../../build/build-module.js';
import { readModuleManifest } from '../../pack/pack-module.js';
import type { ModuleManifest } from '@dogan/module-manifest';
import { HarnessMissingError, loadModuleTestHarness, type ModuleTestHarness } from '../../testing/harness.js';
import { CliError, kib, since, type CliContext } from '../cli-context.js';

/** Validates manifest.json (every problem named by field), then bundles and checks handlers; errors become CLI errors. */
async function validateAndBuild(ctx: CliContext): Promise<{ manifest: ModuleManifest; bundlePath: string }> {
  const start = performance.now();
  try {
    const manifest = readModuleManifest(ctx.cwd);
    const result = await buildCheckedModule(ctx.cwd, manifest);
    ctx.out(`built ${manifest.id}@${manifest.version}: ${relative(ctx.cwd, result.outfile)} (${kib(result.bytes)}) in ${since(start)}`);
    return { manifest, bundlePath: result.outfile };
  } catch (err) {
    throw err instanceof CliError ? err : new CliError((err as Error).message);
  }
}

/** The local platform package; its absence is a message that says what to install, not a stack. */
async function loadHarness(): Promise<ModuleTestHarness> {
  try {
    return await loadModuleTestHarness();
  } catch (err) {
    throw err instanceof HarnessMissingError ? new CliError(err.message) : err;
  }
}

/** `test`: builds, then runs test/*.test.ts against dist/module.js in the real sandbox; exit 1 on any failure. */
export async function testCommand(ctx: CliContext): Promise<void> {
  const { manifest, bundlePath } = await validateAndBuild(ctx);
  const testDir = join(ctx.cwd, 'test');
  const testFiles = existsSync(testDir)
    ? readdirSync(testDir)
        .filter((f) => f.endsWith('.test.ts'))
        .sort()
        .map((f) => join(testDir, f))
    : [];
  // A test command that tests nothing and passes would hide a misplaced folder.
  if (testFiles.length === 0) throw new CliError('no test files: write test/<name>.test.ts with defineModuleTests (see "dogan-module init")');
  const harness = await loadHarness();
  const report = await harness.runModuleTests({ dir: ctx.cwd, bundlePath, manifest, testFiles, log: ctx.out });
  ctx.out(`\n${report.passed} passed, ${report.failed} failed`);
  if (report.failed > 0) {
    for (const name of report.failures) ctx.out(`  failed: ${name}`);
    throw new CliError(`${report.failed} test(s) failed`);
  }
}

function portOf(ctx: CliContext, flag: string | undefined): number {
  const text = flag ?? ctx.env.PORT ?? '3000';
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new CliError(`--port must be a port number (0-65535), not "${text}"`);
  return port;
}

/**
 * `dev [--port <n>]`: a local platform with the module enabled in a dev tenant, rebuilt on change,
 * until SIGINT or SIGTERM; then it drains requests, closes the sandbox and returns (exit code 0).
 */
export async function devCommand(ctx: CliContext, flags: { port?: string }): Promise<void> {
  const port = portOf(ctx, flags.port);
  const { startDevSession } = await loadHarness();
  let session;
  try {
    session = await startDevSession({ dir: ctx.cwd, port, out: ctx.out, err: ctx.err, logLevel: ctx.env.LOG_LEVEL || undefined });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new CliError(`port ${port} is in use; choose another with --port`);
    throw err instanceof CliError ? err : new CliError((err as Error).message);
  }
  let onSignal!: (signal: NodeJS.Signals) => void;
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    onSignal = resolve;
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  });
  process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  ctx.out(`${signal}: stopping ...`);
  await session.stop();
  ctx.out('stopped');
}
