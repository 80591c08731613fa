/**
 * @dogan/module-testing: the local platform that `dogan-module test` and `dev` run a module in (the
 * real kernel, tenants and modules plugins and isolated-vm sandbox, on SQLite in a folder of its own).
 * It implements the SDK's `ModuleTestHarness`; the SDK loads it on demand.
 */
import type { ModuleTestHarness } from '@dogan/sdk/testing';
import { startDevSession } from './dev-session.js';
import { runModuleTests } from './run-module-tests.js';

export { runModuleTests, startDevSession };
export { startLocalPlatform, type LocalPlatform, type LocalPlatformOptions } from './local-platform.js';
export { watchModuleSources } from './source-watcher.js';

// Checked here, so a change on either side that breaks the contract fails the type check.
const harness: ModuleTestHarness = { runModuleTests, startDevSession };
void harness;
