/**
 * The shape of a message catalog and the parity check between two of them. A key missing in one
 * language shows a raw key to a customer, and a placeholder missing in a translation silently drops
 * the invoice number from a subject line: both are caught here rather than in production.
 */
import { isPluralForms, type PluralForms } from '../plural.js';

/** A message: a string with `{name}` placeholders, or plural forms selected by the `count` parameter. */
export type CatalogMessage = string | PluralForms;

/** A language's messages by key. */
export type Catalog = Readonly<Record<string, CatalogMessage>>;

const PLACEHOLDER = /\{(\w+)\}/g;

/** The `{name}` placeholders a message uses; for plural messages, across all forms, without `count`. */
export function placeholdersOf(message: CatalogMessage): Set<string> {
  const texts = typeof message === 'string' ? [message] : Object.values(message).filter((v): v is string => typeof v === 'string');
  const names = new Set<string>();
  for (const text of texts) for (const match of text.matchAll(PLACEHOLDER)) names.add(match[1] as string);
  if (typeof message !== 'string') names.delete('count');
  return names;
}

/**
 * Lists every difference that would make two catalogs disagree: keys present in only one, a plain
 * message translated as plural forms (or the reverse), and different placeholders. Empty when the
 * catalogs are in parity.
 */
export function compareCatalogs(left: Catalog, right: Catalog, names: readonly [string, string] = ['left', 'right']): string[] {
  const problems: string[] = [];
  const [leftName, rightName] = names;
  for (const key of Object.keys(left)) if (!(key in right)) problems.push(`"${key}" is in ${leftName} but not in ${rightName}`);
  for (const key of Object.keys(right)) if (!(key in left)) problems.push(`"${key}" is in ${rightName} but not in ${leftName}`);
  for (const key of Object.keys(left)) {
    const a = left[key];
    const b = right[key];
    if (a === undefined || b === undefined) continue;
    if (isPluralForms(a) !== isPluralForms(b)) {
      problems.push(`"${key}" is ${isPluralForms(a) ? 'plural' : 'plain'} in ${leftName} but ${isPluralForms(b) ? 'plural' : 'plain'} in ${rightName}`);
      continue;
    }
    const [pa, pb] = [placeholdersOf(a), placeholdersOf(b)];
    const differ = pa.size !== pb.size || [...pa].some((name) => !pb.has(name));
    if (differ) {
      problems.push(`"${key}" uses ${describe(pa)} in ${leftName} but ${describe(pb)} in ${rightName}`);
    }
  }
  return problems;
}

function describe(placeholders: Set<string>): string {
  return placeholders.size === 0 ? 'no placeholders' : [...placeholders].sort().map((name) => `{${name}}`).join(', ');
}
