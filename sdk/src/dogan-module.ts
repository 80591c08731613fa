/**
 * What `import ... from 'dogan:module'` means to TypeScript in a module's source: a module's
 * tsconfig maps the specifier here (`paths`), while at run time the sandbox provides the module and
 * the build leaves the import external.
 */
export * from './module-api.js';
export { defineModule, type Handler, type ModuleDefinition } from './define-module.js';
