/**
 * The module manifest: what a module is, what it asks for and what it offers. The registry validates
 * it on upload, the platform on install, the sandbox reads its routes, collections and limits from it.
 * The JSON Schema in `schema.ts` is the authority for validation; these types mirror it.
 */

/** A JSON Schema document (draft-07 subset that Ajv accepts). */
export type JsonSchema = Record<string, unknown>;

export interface LocalizedText {
  readonly en: string;
  readonly ar: string;
}

export type Pricing =
  | { readonly model: 'free' }
  | { readonly model: 'one_time'; readonly amount: number; readonly currency: 'SAR' | 'USD' }
  | { readonly model: 'subscription'; readonly interval: 'month' | 'year'; readonly amount: number; readonly currency: 'SAR' | 'USD' }
  | { readonly model: 'per_use'; readonly unit: string; readonly amount: number; readonly currency: 'SAR' | 'USD' };
// Amounts are integers in minor units (halalas, cents).

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One permission a module requests; the tenant grants it by `name` at install. */
export type Permission =
  | { readonly name: string; readonly kind: 'storage'; readonly required: boolean; readonly description: LocalizedText }
  | {
      readonly name: string;
      readonly kind: 'http';
      readonly required: boolean;
      readonly description: LocalizedText;
      /** URL patterns: `https://api.example.com/v1/*` (scheme and host exact, `*` at the end of the path only). */
      readonly urls: readonly string[];
      readonly methods: readonly HttpMethod[];
    }
  | { readonly name: string; readonly kind: 'events'; readonly required: boolean; readonly description: LocalizedText; readonly emit: readonly string[] }
  | { readonly name: string; readonly kind: 'schedules'; readonly required: boolean; readonly description: LocalizedText }
  | { readonly name: string; readonly kind: 'agent-tools'; readonly required: boolean; readonly description: LocalizedText }
  | {
      readonly name: string;
      readonly kind: 'erpnext';
      readonly required: boolean;
      readonly description: LocalizedText;
      /** `read`: list and get; `write`: also create, update and delete; `submit`: also submit and cancel. */
      readonly access: ErpnextAccess;
      /** Frappe doctype names (`Sales Invoice`): 1 to 140 letters, digits, spaces, `-` and `_`. */
      readonly doctypes: readonly string[];
    }
  | {
      readonly name: string;
      readonly kind: 'email';
      readonly required: boolean;
      readonly description: LocalizedText;
      /**
       * Whom `email.send` may write to: `tenant`, the tenant's own addresses only (its billing contact
       * and the domains of its email settings); `any`, anyone. Sends count against a daily limit per tenant.
       */
      readonly recipients: EmailRecipients;
    };

/** What an `erpnext` permission allows on its doctypes; each level includes the ones before it. */
export type ErpnextAccess = 'read' | 'write' | 'submit';

/** Whom an `email` permission lets a module write to: the tenant's own addresses, or anyone. */
export type EmailRecipients = 'tenant' | 'any';

export interface CollectionIndex {
  /** Top-level fields of the documents, in order. */
  readonly fields: readonly string[];
  readonly unique?: boolean;
}

export interface Collection {
  /** `^[a-z][a-z0-9_]{0,62}$` */
  readonly name: string;
  /** JSON Schema of one document (an object). */
  readonly schema: JsonSchema;
  readonly indexes?: readonly CollectionIndex[];
}

export interface RouteDeclaration {
  readonly method: HttpMethod;
  /** Relative to `/api/v1/{tenant}/apps/{moduleId}`; `:param` segments allowed (`/notes/:id`). */
  readonly path: string;
  /** Exported function of the bundle's `routes` object that handles it. */
  readonly handler: string;
  /**
   * The API-key scope a caller needs. Unset: `read` for GET, `write` for the other methods; a route
   * may ask for more (an export that reveals every record, a purge: `admin`), never less.
   */
  readonly scope?: RouteScope;
}

export type RouteScope = 'read' | 'write' | 'admin';

export interface EventSubscription {
  /** Event type, e.g. `tenant.updated` or `dogan.notes.note_created`. */
  readonly event: string;
  readonly handler: string;
}

export interface JobDeclaration {
  readonly name: string;
  /** Five-field cron; at most once a minute. */
  readonly cron: string;
  readonly handler: string;
}

export interface AgentTool {
  readonly name: string;
  readonly description: LocalizedText;
  readonly parameters: JsonSchema;
  readonly handler: string;
}

export interface ModuleManifest {
  /** `publisher.name`: lowercase, e.g. `dogan.notes`. */
  readonly id: string;
  /** Semver. */
  readonly version: string;
  /** Semver range of Dogan engine (kernel) versions. */
  readonly engine: string;
  readonly name: LocalizedText;
  readonly description: LocalizedText;
  readonly category: string;
  /** File name inside the package, e.g. `icon.png`. */
  readonly icon?: string;
  readonly pricing: Pricing;
  readonly permissions: readonly Permission[];
  readonly collections: readonly Collection[];
  readonly routes: readonly RouteDeclaration[];
  readonly events: readonly EventSubscription[];
  readonly jobs: readonly JobDeclaration[];
  readonly agentTools: readonly AgentTool[];
  /** JSON Schema of the tenant's settings; properties with `"secret": true` are encrypted at rest. */
  readonly settings?: JsonSchema;
  /** Other modules this one needs: `{ "publisher.name": "^1.2.0" }`. */
  readonly dependencies: Readonly<Record<string, string>>;
}
