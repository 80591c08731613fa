import { TenantErrors } from './errors.js';
import { looksLikeTenantId } from './tenant-id.js';

/** Names the platform itself answers on, or that would confuse users and mail; never a tenant's. */
export const RESERVED_SUBDOMAINS: ReadonlySet<string> = new Set([
  'www', 'api', 'admin', 'app', 'apps', 'assets', 'auth', 'billing', 'blog', 'cdn', 'dashboard', 'demo-admin',
  'dev', 'docs', 'dogan', 'ftp', 'health', 'help', 'imap', 'login', 'mail', 'metrics', 'mx', 'ns1', 'ns2',
  'pop', 'portal', 'ready', 'registry', 'root', 'smtp', 'static', 'status', 'support', 'system', 'tenant',
  'tenants', 'test', 'webmail',
]);

const SUBDOMAIN = /^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/;

/** Checks a subdomain someone chose; the message says what to change. */
export function validateSubdomain(subdomain: string): void {
  if (subdomain.length < 3 || subdomain.length > 63) throw TenantErrors.SUBDOMAIN_INVALID(subdomain, 'must be 3 to 63 characters long');
  if (!SUBDOMAIN.test(subdomain)) {
    throw TenantErrors.SUBDOMAIN_INVALID(subdomain, 'may use only lowercase letters a-z, digits and inner dashes');
  }
  if (subdomain.includes('--')) throw TenantErrors.SUBDOMAIN_INVALID(subdomain, 'may not contain two dashes in a row');
  // Requests naming a tenant read a UUID as an id: such a subdomain would never resolve to its own
  // tenant, and one equal to another tenant's id would resolve to that tenant.
  if (looksLikeTenantId(subdomain)) throw TenantErrors.SUBDOMAIN_INVALID(subdomain, 'may not have the shape of a tenant id (a UUID)');
  if (RESERVED_SUBDOMAINS.has(subdomain)) throw TenantErrors.SUBDOMAIN_RESERVED(subdomain);
}

// A plain letter-by-letter romanisation, enough to give Arabic names a readable ASCII slug.
const ARABIC_TO_LATIN: Readonly<Record<string, string>> = {
  'ا': 'a', 'أ': 'a', 'إ': 'i', 'آ': 'a', 'ب': 'b', 'ت': 't', 'ث': 'th', 'ج': 'j', 'ح': 'h', 'خ': 'kh',
  'د': 'd', 'ذ': 'dh', 'ر': 'r', 'ز': 'z', 'س': 's', 'ش': 'sh', 'ص': 's', 'ض': 'd', 'ط': 't', 'ظ': 'z',
  'ع': 'a', 'غ': 'gh', 'ف': 'f', 'ق': 'q', 'ك': 'k', 'ل': 'l', 'م': 'm', 'ن': 'n', 'ه': 'h', 'ة': 'a',
  'و': 'w', 'ؤ': 'w', 'ي': 'y', 'ى': 'a', 'ئ': 'y', 'ء': '',
  '٠': '0', '١': '1', '٢': '2', '٣': '3', '٤': '4', '٥': '5', '٦': '6', '٧': '7', '٨': '8', '٩': '9',
};

/** An ASCII slug from a tenant name in English or Arabic ("شركة النور" → "shrka-alnwr"). */
export function slugFromName(name: string): string {
  const romanised = [...name.normalize('NFKD')].map((ch) => ARABIC_TO_LATIN[ch] ?? ch).join('');
  const slug = romanised
    .toLowerCase()
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
  const base = slug.length >= 3 ? slug : `tenant-${slug || 'new'}`.replace(/-$/, '');
  return RESERVED_SUBDOMAINS.has(base) || looksLikeTenantId(base) ? `${base}-co` : base;
}

/** Checks a tenant display name: Arabic or English, 2 to 100 characters, no control characters. */
export function validateTenantName(raw: string): string {
  // Checked before spaces are tidied: that would turn tabs and line breaks into spaces and hide them.
  if (/[\p{Cc}\p{Cf}]/u.test(raw.replace(/[\u200c\u200d]/g, ''))) throw TenantErrors.TENANT_NAME_INVALID('may not contain control or invisible formatting characters');
  const name = raw.normalize('NFC').trim().replace(/\s+/g, ' ');
  if (name.length < 2 || name.length > 100) throw TenantErrors.TENANT_NAME_INVALID('must be 2 to 100 characters long');
  if (!/[\p{L}\p{N}]/u.test(name)) throw TenantErrors.TENANT_NAME_INVALID('must contain letters or digits');
  return name;
}
