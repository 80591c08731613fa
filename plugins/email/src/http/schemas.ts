/** JSON Schemas shared by the email routes. */
export const tenantParam = { type: 'string', minLength: 3, maxLength: 63 } as const;
export const tenantParams = { type: 'object', required: ['tenant'], properties: { tenant: tenantParam } } as const;
export const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
export const address = { type: 'string', minLength: 3, maxLength: 254, description: 'A plain address: name@example.com' } as const;
export const nullableAddress = { type: ['string', 'null'], maxLength: 254 } as const;
export const templateName = { type: 'string', minLength: 1, maxLength: 64, description: 'Lower-case letters, digits, - and _ (the platform notices: trial_ending, invoice_issued...)' } as const;
export const locale = { type: 'string', enum: ['ar', 'en'] } as const;
export const page = {
  page: { type: 'integer', minimum: 1, maximum: 100_000, default: 1 },
  perPage: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
} as const;
