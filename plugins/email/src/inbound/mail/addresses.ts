import { parseAddressHeader, type AddressObject, type EmailAddress } from 'mailparser';
import type { MailAddress } from './received-mail.js';

/** The most addresses kept of one header: a mail to a thousand people is still one mail. */
export const MAX_ADDRESSES = 100;

/** A display name as people wrote it: surrounding quotes and whitespace gone, empty or the address itself as null. */
function cleanName(name: string | undefined, address: string | null): string | null {
  const trimmed = (name ?? '').trim().replace(/^"(.*)"$/s, '$1').replace(/^'(.*)'$/s, '$1').trim();
  if (trimmed === '') return null;
  if (address && trimmed.toLowerCase() === address.toLowerCase()) return null;
  return trimmed.slice(0, 320);
}

function cleanAddress(address: string | undefined): string | null {
  const trimmed = (address ?? '').trim().replace(/^<(.*)>$/, '$1').trim();
  return trimmed === '' ? null : trimmed.slice(0, 320);
}

/** One mailbox, or null when it names neither an address nor a person. */
export function mailAddress(address: string | undefined, name: string | undefined): MailAddress | null {
  const a = cleanAddress(address);
  const n = cleanName(name, a);
  return a === null && n === null ? null : { address: a, name: n };
}

function flatten(entries: readonly EmailAddress[], out: MailAddress[]): void {
  for (const entry of entries) {
    if (out.length >= MAX_ADDRESSES) return;
    if (entry.group) flatten(entry.group, out);
    else {
      const one = mailAddress(entry.address, entry.name);
      if (one) out.push(one);
    }
  }
}

/** The mailboxes of a header as mailparser parsed it (groups flattened into their members). */
export function fromAddressObjects(value: AddressObject | AddressObject[] | undefined): MailAddress[] {
  const out: MailAddress[] = [];
  for (const header of value === undefined ? [] : Array.isArray(value) ? value : [value]) flatten(header.value, out);
  return out;
}

/**
 * The mailboxes of an address header's text (`"Ali Hassan" <ali@example.com>, b@example.com`),
 * encoded words decoded. Nothing is made up: a header with neither name nor address gives none.
 */
export function parseAddressText(text: string | undefined | null): MailAddress[] {
  if (!text || text.trim() === '') return [];
  const out: MailAddress[] = [];
  flatten(parseAddressHeader(text.slice(0, 64 * 1024), { flatten: true }).value, out);
  return out;
}

/** What to call a sender: the display name, else the address; never a placeholder such as "Unknown". */
export function displayName(a: MailAddress | null): string | null {
  return a ? (a.name ?? a.address) : null;
}
