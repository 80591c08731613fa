/**
 * `@dogan/sdk/testing`: what a module's test files import. Only the authoring API: the harness
 * (`@dogan/module-testing`, which the CLI loads) pulls in the whole platform, and a module's type check
 * should not have to compile it.
 */
export {
  defineModuleTests,
  isModuleTestSuite,
  type ErpnextTestConnection,
  type ModuleTest,
  type ModuleTestContext,
  type ModuleTestEmail,
  type ModuleTestLogLine,
  type ModuleTestOptions,
  type ModuleTestRequestOptions,
  type ModuleTestResponse,
  type ModuleTests,
  type ModuleTestSuite,
  type ModuleTestToolOptions,
} from './define-tests.js';
export {
  HARNESS_PACKAGE,
  HarnessMissingError,
  loadModuleTestHarness,
  type DevSession,
  type DevSessionOptions,
  type ModuleTestHarness,
  type ModuleTestReport,
  type ModuleTestRun,
} from './harness.js';
