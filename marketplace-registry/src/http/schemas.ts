import { MODULE_ID_PATTERN, PUBLISHER_NAME_PATTERN } from '@dogan/module-manifest';

/** Route schema pieces shared by the registry's routes (they also make the OpenAPI document). */
export const idParam = { type: 'string', pattern: MODULE_ID_PATTERN, maxLength: 102 } as const;
export const versionParam = { type: 'string', minLength: 5, maxLength: 64, pattern: '^[0-9A-Za-z.+-]+$' } as const;
export const publisherParam = { type: 'string', pattern: PUBLISHER_NAME_PATTERN } as const;
export const packageVersionParams = {
  type: 'object',
  required: ['id', 'version'],
  properties: { id: idParam, version: versionParam },
} as const;
export const problemResponse = {
  type: 'object',
  description: 'RFC 9457 problem document',
  properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, code: { type: 'string' } },
  additionalProperties: true,
} as const;
/** The OpenAPI security schemes the registry's routes name; a host that embeds the registry declares them too. */
export const registrySecuritySchemes = {
  publisherToken: { type: 'http', scheme: 'bearer', description: 'A publisher token' },
  registryAdmin: { type: 'http', scheme: 'bearer', description: 'The registry admin token' },
} as const;
export const publisherSecurity = [{ publisherToken: [] }];
export const adminSecurity = [{ registryAdmin: [] }];
