import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readModuleManifest } from '../../pack/pack-module.js';
import { loadModuleTestHarness } from '../../testing/harness.js';
import { CliError, type CliContext } from '../cli-context.js';

/** Exit code of a command that exists but cannot run in this build yet. */
export const NOT_AVAILABLE_EXIT_CODE = 2;

/** `test`: runs test/*.test.ts against dist/module.js in the local sandbox harness. */
export async function testCommand(ctx: CliContext): Promise<void> {
  const harness = await loadModuleTestHarness();
  if (!harness) {
    throw new CliError('"dogan-module test" is not available yet: it runs your tests in the production sandbox, which this SDK version does not include', NOT_AVAILABLE_EXIT_CODE);
  }
  const manifest = readModuleManifest(ctx.cwd);
  const bundlePath = join(ctx.cwd, 'dist', 'module.js');
  if (!existsSync(bundlePath)) throw new CliError('dist/module.js is missing; run "dogan-module build" first');
  const testDir = join(ctx.cwd, 'test');
  const testFiles = existsSync(testDir) ? readdirSync(testDir).filter((f) => f.endsWith('.test.ts')).map((f) => join(testDir, f)) : [];
  const report = await harness.run({ dir: ctx.cwd, bundlePath, manifest, testFiles, log: ctx.out });
  ctx.out(`${report.passed} passed, ${report.failed} failed`);
  if (report.failed > 0) throw new CliError(`${report.failed} test(s) failed`);
}

/** `dev`: a local platform with the module mounted and rebuilt on change. */
export async function devCommand(): Promise<void> {
  throw new CliError('"dogan-module dev" is not available yet: it needs the sandbox, which this SDK version does not include', NOT_AVAILABLE_EXIT_CODE);
}
