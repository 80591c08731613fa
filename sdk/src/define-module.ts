/**
 * `defineModule` is an identity function that exists for types, as Directus' `defineEndpoint` does.
 * Inside the sandbox the same function comes from `dogan:module`, so a module's source imports it
 * from there and the bundle carries no SDK code. The sandbox reads the handler tables (`routes`,
 * `events`, `jobs`, `hooks`, and `tools` for the manifest's `agentTools`) from the bundle's default
 * export or from named exports of those names, and calls the handlers the manifest names with one
 * argument (the request, event, run, hook info or tool request);
 * the platform's capabilities (`storage`, `http`, `events`, `erpnext`, `email`, `log`, `settings`, `tenant`, `sleep`) are
 * imports from `dogan:module`.
 */
import type { JobRun, ModuleEvent, ModuleExports, ModuleRequest, ModuleResponse, ToolRequest } from './module-api.js';

/** One handler: its input, and what it may return. */
export type Handler<Input, Output> = (input: Input) => Output | Promise<Output>;

/** The handlers a module offers, by the names its manifest uses. */
export type ModuleDefinition = ModuleExports;

export type { JobRun, ModuleEvent, ModuleRequest, ModuleResponse, ToolRequest };

/**
 * Declares a module's handlers with full types; returns its argument unchanged.
 *
 * @example
 * import { defineModule, storage } from 'dogan:module';
 * export default defineModule({
 *   routes: { listNotes: async () => ({ status: 200, body: await storage.query('notes', { limit: 50 }) }) },
 *   // Agent tools (the manifest's agentTools): each must be safe to call twice with the same
 *   // idempotencyKey; see ToolRequest.
 *   tools: { countNotes: async () => ({ count: (await storage.query('notes', { limit: 100 })).items.length }) },
 * });
 */
export function defineModule<const D extends ModuleExports>(definition: D): D {
  return definition;
}
