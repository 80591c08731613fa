import { randomBytes } from 'node:crypto';
import { fieldOf, type DocTypeMeta } from './meta.js';
import type { Store } from './store.js';
import type { Row } from './types.js';

/**
 * frappe/model/naming.py: how a new document gets its name.
 *  - "hash": frappe.generate_hash(length=10), ten hex characters;
 *  - "field:x": the value of field x, stripped ("{label} is required" when empty);
 *  - "naming_series:": the document's naming_series (default: the first option) + ".#####";
 *  - a series like "TASK-.YYYY.-.#####": the key split on ".", YYYY/YY/MM/DD replaced by the date,
 *    a part naming a field replaced by its value, and the first "#..." part by the next number of
 *    the prefix built so far (tabSeries), zero-padded to as many digits as there are "#";
 *  - an amendment (amended_from set): "<amended_from>-1", or "<prefix>-<n+1>" when amending an amendment.
 */
export class NamingError extends Error {
  constructor(
    message: string,
    readonly excType = 'ValidationError',
  ) {
    super(message);
  }
}

export const hashName = (): string => randomBytes(5).toString('hex');

function parseNamingSeries(store: Store, parts: string[], doc: Row): string {
  let name = '';
  let seriesSet = false;
  const today = store.clock();
  const pad = (n: number): string => String(n).padStart(2, '0');
  for (const part of parts) {
    let piece = '';
    if (part.startsWith('#')) {
      if (!seriesSet) {
        piece = String(store.nextSeries(name)).padStart(part.length, '0');
        seriesSet = true;
      }
    } else if (part === 'YYYY') piece = String(today.getUTCFullYear());
    else if (part === 'YY') piece = String(today.getUTCFullYear()).slice(2);
    else if (part === 'MM') piece = pad(today.getUTCMonth() + 1);
    else if (part === 'DD') piece = pad(today.getUTCDate());
    else if (typeof doc[part] === 'string' && doc[part]) piece = doc[part] as string;
    else piece = part;
    name += piece;
  }
  return name;
}

/** make_autoname */
export function makeAutoname(store: Store, key: string, doc: Row, doctype: string): string {
  if (key === 'hash') return hashName();
  if (!key.includes('#')) key += '.#####';
  else if (!key.includes('.')) throw new NamingError(`Invalid naming series (. missing) for ${doctype}`);
  return parseNamingSeries(store, key.split('.'), doc);
}

/** _set_amended_name */
function amendedName(store: Store, meta: DocTypeMeta, amendedFrom: string): string {
  let id = 1;
  let prefix = amendedFrom;
  if (store.peek(meta.name, amendedFrom)?.amended_from) {
    const parts = amendedFrom.split('-');
    id = (parseInt(parts.at(-1) ?? '', 10) || 0) + 1;
    prefix = parts.slice(0, -1).join('-');
  }
  return `${prefix}-${id}`;
}

/** validate_name */
export function validateName(doctype: string, name: string): string {
  const stripped = name.trim();
  if (doctype === stripped) throw new NamingError(`Name of ${doctype} cannot be ${stripped}`, 'NameError');
  if (/[<>]/.test(stripped)) throw new NamingError("Name cannot contain special characters like '<', '>'", 'NameError');
  return stripped;
}

/** set_new_name for a parent document (child rows are always named by hash). */
export function newName(store: Store, meta: DocTypeMeta, doc: Row): string {
  if (typeof doc.amended_from === 'string' && doc.amended_from) return amendedName(store, meta, doc.amended_from);
  const autoname = meta.autoname;
  let name = '';
  if (autoname.startsWith('field:')) {
    const fieldname = autoname.slice(6);
    name = String(doc[fieldname] ?? '').trim();
    if (!name) throw new NamingError(`${fieldOf(meta, fieldname)?.label ?? fieldname} is required`);
  } else if (autoname.startsWith('naming_series:')) {
    if (!doc.naming_series) doc.naming_series = (fieldOf(meta, 'naming_series')?.options ?? '').split('\n')[0] || null;
    if (!doc.naming_series) throw new NamingError('Naming Series mandatory');
    name = makeAutoname(store, `${doc.naming_series}.#####`, doc, meta.name);
  } else if (autoname.includes('#')) {
    name = makeAutoname(store, autoname, doc, meta.name);
  }
  if (!name || autoname === 'hash') name = hashName();
  return validateName(meta.name, name);
}
