/**
 * What `import ... from 'dogan:module'` means to TypeScript in a module's source: a module's
 * tsconfig maps the specifier here (`paths`), while at run time the sandbox provides the module and
 * the build leaves the import external.
 */
export { defineModule, type Handler, type ModuleDefinition, type ModuleEvent, type ModuleRequest, type ModuleResponse } from './define-module.js';
// TODO(sandbox): `export * from './module-api.js';` once sdk/src/module-api.ts (the sandbox API types) lands.
