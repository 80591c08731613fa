import type { FastifyRequest } from 'fastify';
import type { ProblemLocalizer } from '@dogan/runtime';
import type { Language } from '../language.js';
import { CATALOGS, negotiateLanguage, type MessageKey } from '../messages.js';
import type { KsaPlatform } from './ksa-platform.js';

const GENERIC_BY_STATUS: Readonly<Record<number, MessageKey>> = {
  400: 'error.invalidRequest',
  401: 'error.unauthorized',
  403: 'error.forbidden',
  404: 'error.notFound',
  409: 'error.conflict',
  413: 'error.invalidRequest',
  415: 'error.invalidRequest',
  422: 'error.invalidRequest',
  429: 'error.tooManyRequests',
  500: 'error.internal',
  502: 'error.internal',
  503: 'error.serviceUnavailable',
};

function languageOf(request: FastifyRequest, platform: KsaPlatform): Language {
  const tenant = request.tenant as { id: string } | null;
  const fromTenant = tenant ? platform.cachedLanguage(tenant.id) : undefined;
  if (fromTenant) return fromTenant;
  return negotiateLanguage(request.headers['accept-language'], 'en');
}

/**
 * Problem titles in the caller's language: the tenant's, else Accept-Language, else English. A code
 * with its own catalog entry gets it; others get the generic title of their status in Arabic, and
 * keep their specific English title in English.
 */
export function problemTitleLocalizer(platform: KsaPlatform): ProblemLocalizer {
  return (code, status, request) => {
    const language = languageOf(request, platform);
    const catalog = CATALOGS[language] as Readonly<Record<string, string>>;
    const specific = catalog[`error.${code}`];
    if (specific) return specific;
    if (language === 'en') return undefined;
    const generic = GENERIC_BY_STATUS[status] ?? (status >= 500 ? 'error.internal' : 'error.invalidRequest');
    return catalog[generic];
  };
}
