/** `@dogan/sdk/testing`: what a module's test files import. */
export { defineModuleTests, type ModuleTestContext, type ModuleTestResponse, type ModuleTests } from './define-tests.js';
export { loadModuleTestHarness, type ModuleTestHarness, type ModuleTestReport, type ModuleTestRun } from './harness.js';
