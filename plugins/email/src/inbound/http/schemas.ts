/** JSON Schemas shared by the inbound routes. */
export const tenantParam = { type: 'string', minLength: 3, maxLength: 63 } as const;
export const tenantParams = { type: 'object', required: ['tenant'], properties: { tenant: tenantParam } } as const;
export const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
export const messageParams = { type: 'object', required: ['tenant', 'id'], properties: { tenant: tenantParam, id: { type: 'string', pattern: UUID } } } as const;
export const attachmentParams = {
  type: 'object',
  required: ['tenant', 'id', 'part'],
  properties: { tenant: tenantParam, id: { type: 'string', pattern: UUID }, part: { type: 'integer', minimum: 1, maximum: 10_000 } },
} as const;
export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
    before: { type: 'string', pattern: `^\\d{1,16}:[0-9a-f-]{36}$`, description: 'The nextCursor of the previous page' },
  },
} as const;
export const imapBody = {
  type: 'object',
  additionalProperties: false,
  required: ['host', 'user'],
  properties: {
    host: { type: 'string', minLength: 1, maxLength: 253, description: 'imap.example.com' },
    port: { type: 'integer', minimum: 1, maximum: 65535, description: 'Default 993 with secure, 143 without' },
    secure: { type: 'boolean', description: 'TLS from the first byte (port 993); false: plain, upgraded with STARTTLS when the server offers it. Default true' },
    user: { type: 'string', minLength: 1, maxLength: 320 },
    password: { type: 'string', minLength: 1, maxLength: 1000, description: 'Stored encrypted, never returned; leave out to keep the stored one' },
    mailbox: { type: 'string', minLength: 1, maxLength: 200, description: 'Default INBOX' },
    enabled: { type: 'boolean', description: 'Default true' },
    verify: { type: 'boolean', description: 'Log in before saving and refuse settings that fail (default false)' },
  },
} as const;
