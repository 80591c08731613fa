// tap's `before` step: tests that start the platform as users do (`dogan start`, the sandbox hosts) run
// the compiled output, so it is brought up to date with the sources first (only changed files).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const build = fileURLToPath(new URL('../../build.mjs', import.meta.url));
// Without tap's process tracking and coverage (NODE_OPTIONS, NODE_V8_COVERAGE): the build is not under
// test, and tap would print a coverage table for it.
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_OPTIONS' && name !== 'NODE_V8_COVERAGE' && !name.startsWith('_TAPJS')));
const run = spawnSync(process.execPath, [build, '--js-only', '--quiet'], { stdio: 'inherit', env: { ...env, _TAPJS_PROCESSINFO_COVERAGE_: '0' } });
if (run.status !== 0) process.exit(run.status ?? 1);
