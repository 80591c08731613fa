/**
 * `defineModule` is an identity function that exists for types, as Directus' `defineEndpoint` does:
 * the sandbox reads the default export of the bundle and calls the handlers the manifest names.
 * Inside the sandbox the same function comes from `dogan:module`, so a module's source imports it
 * from there and the bundle carries no SDK code.
 */

/** A handler's inputs and tools; `Context` is the sandbox API's context type once it is bound. */
export type Handler<Input, Context, Output> = (input: Input, context: Context) => Output | Promise<Output>;

/** An HTTP request as a module route sees it. */
export interface ModuleRequest {
  readonly method: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string | string[]>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/** What a route handler returns: a JSON body, with an optional status and headers. */
export interface ModuleResponse {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

/** An event delivered to a subscription. */
export interface ModuleEvent {
  readonly id: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly data: unknown;
}

/**
 * The handlers a module offers, by the names its manifest uses (`routes[].handler`,
 * `events[].handler`, `jobs[].handler`, `agentTools[].handler`).
 */
export interface ModuleDefinition<Context = unknown> {
  readonly routes?: Readonly<Record<string, Handler<ModuleRequest, Context, ModuleResponse | unknown>>>;
  readonly events?: Readonly<Record<string, Handler<ModuleEvent, Context, void>>>;
  readonly jobs?: Readonly<Record<string, Handler<{ readonly name: string; readonly scheduledAt: string }, Context, void>>>;
  readonly tools?: Readonly<Record<string, Handler<Record<string, unknown>, Context, unknown>>>;
}

/**
 * Declares a module's handlers with full types; returns its argument unchanged.
 *
 * @example
 * import { defineModule } from 'dogan:module';
 * export default defineModule({
 *   routes: { listNotes: async (_req, ctx) => ({ body: await ctx.storage.collection('notes').find({}) }) },
 * });
 */
export function defineModule<Context = unknown, const D extends ModuleDefinition<Context> = ModuleDefinition<Context>>(definition: D): D {
  return definition;
}
