/**
 * `@dogan/sdk/testing`: what a module's test files import. Only the authoring API: the harness
 * (`./harness.ts`, which the CLI loads) pulls in the whole platform, and a module's type check
 * should not have to compile it.
 */
export {
  defineModuleTests,
  isModuleTestSuite,
  type ModuleTest,
  type ModuleTestContext,
  type ModuleTestLogLine,
  type ModuleTestOptions,
  type ModuleTestRequestOptions,
  type ModuleTestResponse,
  type ModuleTests,
  type ModuleTestSuite,
} from './define-tests.js';
