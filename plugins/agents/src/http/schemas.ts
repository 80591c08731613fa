import { AGENT_STATUSES } from '../org/agent.js';
import { MAX_WORKING_WINDOWS } from '../org/working-hours.js';

/** JSON Schemas shared by the agents routes. Ids are UUIDs: a malformed one is a 400 at the door. */
export const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
export const tenantParam = { type: 'string', minLength: 3, maxLength: 63 } as const;
export const tenantParams = { type: 'object', required: ['tenant'], properties: { tenant: tenantParam } } as const;
export const uuid = { type: 'string', pattern: UUID } as const;
export const nullableUuid = { type: ['string', 'null'], pattern: UUID } as const;

/** A department or role key: `sales`, `sales_manager`. */
export const key = { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,63}$', description: 'A lower-case key: sales, sales_manager' } as const;
export const skill = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,39}$', description: 'A lower-case word: negotiation, crm' } as const;
export const status = { type: 'string', enum: AGENT_STATUSES } as const;

const text = { type: 'string', minLength: 1, maxLength: 120, pattern: '\\S' } as const;
/** A name or title in both languages; on a change either may be left out. */
export const bilingual = { type: 'object', additionalProperties: false, required: ['ar', 'en'], properties: { ar: text, en: text } } as const;
export const bilingualChange = { type: 'object', additionalProperties: false, minProperties: 1, properties: { ar: text, en: text } } as const;

const time = { type: 'string', pattern: '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$' } as const;
export const workingHours = {
  type: ['object', 'null'],
  additionalProperties: false,
  required: ['days'],
  properties: {
    timezone: { type: ['string', 'null'], format: 'time-zone', description: "IANA zone the hours are read in; null or left out: the tenant's" },
    days: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_WORKING_WINDOWS,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['day', 'start', 'end'],
        properties: { day: { type: 'integer', minimum: 1, maximum: 7, description: 'ISO weekday: 1 Monday ... 7 Sunday' }, start: time, end: time },
      },
    },
  },
  description: "The agent's own weekly hours; null: the tenant's business calendar",
} as const;

/** What an agent's body may hold; `agentBody` requires the identity, `agentChange` takes any of it. */
export const agentProperties = {
  name: bilingual,
  title: bilingual,
  role: key,
  department: key,
  team: { ...nullableUuid, description: 'The team it is in; null: none' },
  manager: { ...nullableUuid, description: 'The agent it reports to; null: none' },
  skills: { type: 'array', maxItems: 50, uniqueItems: true, items: skill },
  status,
  goal: { type: 'string', maxLength: 2000 },
  persona: { type: 'string', maxLength: 8000 },
  llmProfile: { type: ['string', 'null'], pattern: '^[a-z0-9][a-z0-9_-]{0,63}$', description: "The LLM profile it thinks with; null: the tenant's default" },
  tools: { type: 'array', maxItems: 100, uniqueItems: true, items: { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,64}\\*?$' }, description: 'Names of the tools it may use; a trailing * takes a family (erpnext_*, acme_crm__*)' },
  workingHours,
} as const;
