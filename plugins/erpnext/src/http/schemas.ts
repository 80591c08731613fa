/** JSON Schemas shared by the ERPNext routes. */
export const tenantParam = { type: 'string', minLength: 3, maxLength: 63 } as const;
export const tenantParams = { type: 'object', required: ['tenant'], properties: { tenant: tenantParam } } as const;
export const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
export const connectionName = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$', description: 'Connection name (lower case, digits, - and _)' } as const;
export const doctype = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9 _-]{0,139}$', description: 'ERPNext DocType, e.g. "Sales Order"' } as const;
export const docName = { type: 'string', minLength: 1, maxLength: 140 } as const;
export const docEvents = {
  type: 'array',
  minItems: 1,
  maxItems: 7,
  uniqueItems: true,
  items: { type: 'string', enum: ['after_insert', 'on_update', 'on_submit', 'on_cancel', 'on_trash', 'on_update_after_submit', 'on_change'] },
} as const;
