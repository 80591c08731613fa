import { EmailErrors } from './errors.js';

/**
 * Email addresses as the plugin accepts them: a plain `local@domain` (letters of any script, so
 * Arabic domains pass and nodemailer turns them into punycode), at most 254 characters, no display
 * names, comments, quotes or whitespace: nothing that could smuggle a second header or recipient.
 */
const ADDRESS = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~.-]{1,64}@[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?)+$/u;

export const MAX_ADDRESS_LENGTH = 254;

export function isAddress(value: string): boolean {
  return value.length <= MAX_ADDRESS_LENGTH && ADDRESS.test(value) && !value.startsWith('.') && !value.includes('..');
}

/** The address trimmed, or EMAIL_ADDRESS_INVALID naming it. */
export function checkAddress(raw: string): string {
  const value = raw.trim();
  if (!isAddress(value)) throw EmailErrors.EMAIL_ADDRESS_INVALID.with({ address: raw.slice(0, MAX_ADDRESS_LENGTH) }, JSON.stringify(raw.slice(0, 100)));
  return value;
}

/** The form suppressions and grants compare: the whole address in lower case. */
export function addressKey(address: string): string {
  return address.trim().toLowerCase();
}

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/** A sender written `address` or `Name <address>` (EMAIL_FROM); the name without quotes or line breaks. */
export function parseMailbox(raw: string): { name: string | null; address: string } {
  const m = /^\s*(?:"?([^"<>\r\n]*?)"?\s*)?<([^<>\s]+)>\s*$/.exec(raw);
  const address = checkAddress(m ? m[2]! : raw);
  const name = m?.[1]?.trim() || null;
  return { name, address };
}

/** Addresses from a string or a list, each checked, duplicates (by `addressKey`) dropped. */
export function addressList(value: string | readonly string[] | undefined): string[] {
  const list = value === undefined ? [] : typeof value === 'string' ? [value] : [...value];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of list) {
    const address = checkAddress(String(raw));
    if (seen.has(addressKey(address))) continue;
    seen.add(addressKey(address));
    out.push(address);
  }
  return out;
}
