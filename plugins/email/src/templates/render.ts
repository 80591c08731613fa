/**
 * A small mustache-like language, safe for templates tenants write:
 *
 * - `{{name}}`, `{{invoice.number}}`: a value, HTML-escaped in HTML bodies (as written in text bodies
 *   and subjects). `{{.}}` is the current item inside a section.
 * - `{{total | money}}`, `{{total | money:USD}}`, `{{dueAt | date}}`, `{{count | number}}`: a value formatted in
 *   the tenant's language, digits, calendar and currency (`date`, `datetime`, `hijri`, `gregorian`, `number`,
 *   `money` in minor units, in the data's `currency` when it has one, else the tenant's).
 * - `{{#name}}...{{/name}}`: shown when the value is truthy, once per item for a list;
 *   `{{^name}}...{{/name}}`: shown when it is falsy or an empty list. `{{! a comment }}`.
 * - `{{{name}}}`: unescaped HTML, for the platform's own templates only; a tenant's template with it is refused.
 *
 * There are no partials, no lambdas, no delimiter changes and no way to run code: a template can
 * show data it is given, nothing else.
 */

export const FILTERS = ['date', 'datetime', 'hijri', 'gregorian', 'number', 'money'] as const;
export type FilterName = (typeof FILTERS)[number];

/** What filters format with: the tenant's formatter in the message's language. */
export interface TemplateFormatter {
  date(isoDate: string): string;
  dateTime(instant: string): string;
  hijri(isoDate: string): string;
  gregorian(isoDate: string): string;
  number(value: number): string;
  /** An integer amount of minor units (halalas, cents). */
  money(minorUnits: number, currency?: string): string;
  /** The calendar date of an instant in the tenant's time zone (YYYY-MM-DD). */
  localDate(instant: string): string | undefined;
}

type Node =
  | { readonly t: 'text'; readonly value: string }
  | { readonly t: 'var'; readonly path: string; readonly raw: boolean; readonly filter?: FilterName; readonly arg?: string }
  | { readonly t: 'section'; readonly path: string; readonly inverted: boolean; readonly children: readonly Node[] };

export class TemplateSyntaxError extends Error {}

const PATH = /^(\.|[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*)$/;
const MAX_DEPTH = 8;
/** Rendered output larger than this is cut off: a list in the data cannot blow a message up without bound. */
const MAX_OUTPUT = 1_000_000;

function parseTag(inner: string, raw: boolean): Node {
  const [pathPart, filterPart] = inner.split('|', 2).map((s) => s.trim()) as [string, string | undefined];
  if (!PATH.test(pathPart)) throw new TemplateSyntaxError(`"${pathPart.slice(0, 60)}" is not a name (letters, digits and _, joined by dots)`);
  if (filterPart === undefined) return { t: 'var', path: pathPart, raw };
  const [name, arg] = filterPart.split(':', 2).map((s) => s.trim()) as [string, string | undefined];
  if (!(FILTERS as readonly string[]).includes(name)) throw new TemplateSyntaxError(`unknown filter "${name.slice(0, 30)}"; the filters are ${FILTERS.join(', ')}`);
  if (arg !== undefined && !/^[A-Z]{3}$/.test(arg)) throw new TemplateSyntaxError(`the filter ${name} takes a currency code such as SAR, not "${arg.slice(0, 20)}"`);
  return { t: 'var', path: pathPart, raw, filter: name as FilterName, ...(arg ? { arg } : {}) };
}

/** Parses a template; throws TemplateSyntaxError saying what is wrong. `allowRaw` admits `{{{...}}}`. */
export function parseTemplate(source: string, options: { allowRaw: boolean }): readonly Node[] {
  const root: Node[] = [];
  const stack: Array<{ path: string; inverted: boolean; children: Node[] }> = [];
  const current = () => (stack.length ? stack[stack.length - 1]!.children : root);
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open === -1) {
      current().push({ t: 'text', value: source.slice(i) });
      break;
    }
    if (open > i) current().push({ t: 'text', value: source.slice(i, open) });
    const triple = source.startsWith('{{{', open);
    const close = source.indexOf(triple ? '}}}' : '}}', open + (triple ? 3 : 2));
    if (close === -1) throw new TemplateSyntaxError(`a tag opened at character ${open} is never closed`);
    const inner = source.slice(open + (triple ? 3 : 2), close).trim();
    i = close + (triple ? 3 : 2);
    if (triple) {
      if (!options.allowRaw) throw new TemplateSyntaxError('{{{...}}} (unescaped HTML) is not allowed in tenant templates; use {{...}}');
      current().push(parseTag(inner, true));
      continue;
    }
    const sigil = inner[0];
    if (sigil === '!') continue;
    if (sigil === '#' || sigil === '^') {
      const path = inner.slice(1).trim();
      if (!PATH.test(path) || path === '.') throw new TemplateSyntaxError(`"${inner.slice(0, 60)}" does not name a section`);
      if (stack.length >= MAX_DEPTH) throw new TemplateSyntaxError(`sections nest at most ${MAX_DEPTH} deep`);
      const section = { path, inverted: sigil === '^', children: [] as Node[] };
      current().push({ t: 'section', path, inverted: section.inverted, children: section.children });
      stack.push(section);
      continue;
    }
    if (sigil === '/') {
      const path = inner.slice(1).trim();
      const top = stack.pop();
      if (!top || top.path !== path) throw new TemplateSyntaxError(`{{/${path.slice(0, 60)}}} closes ${top ? `{{#${top.path}}}` : 'no open section'}`);
      continue;
    }
    if (sigil === '{' || sigil === '&' || sigil === '>' || sigil === '=') throw new TemplateSyntaxError(`{{${sigil}...}} is not supported`);
    current().push(parseTag(inner, false));
  }
  if (stack.length) throw new TemplateSyntaxError(`{{#${stack[stack.length - 1]!.path}}} is never closed`);
  return root;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function lookup(stack: readonly unknown[], path: string): unknown {
  if (path === '.') return stack[stack.length - 1];
  const [head, ...rest] = path.split('.');
  for (let i = stack.length - 1; i >= 0; i--) {
    const scope = stack[i];
    if (scope !== null && typeof scope === 'object' && Object.hasOwn(scope, head!)) {
      let value: unknown = (scope as Record<string, unknown>)[head!];
      for (const key of rest) value = value !== null && typeof value === 'object' && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
      return value;
    }
  }
  return undefined;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function formatted(value: unknown, node: Extract<Node, { t: 'var' }>, f: TemplateFormatter, currency: () => string | undefined): string {
  if (value === null || value === undefined) return '';
  if (!node.filter) return typeof value === 'object' ? '' : String(value);
  const text = String(value);
  const asDate = () => (ISO_DATE.test(text) ? text : f.localDate(text));
  try {
    switch (node.filter) {
      case 'number':
        return Number.isFinite(Number(value)) ? f.number(Number(value)) : text;
      case 'money':
        return Number.isSafeInteger(Number(value)) ? f.money(Number(value), node.arg ?? currency()) : text;
      case 'datetime':
        return Number.isNaN(Date.parse(text)) ? text : f.dateTime(text);
      case 'date':
      case 'hijri':
      case 'gregorian': {
        const day = asDate();
        if (!day) return text;
        return node.filter === 'date' ? f.date(day) : node.filter === 'hijri' ? f.hijri(day) : f.gregorian(day);
      }
    }
  } catch {
    // A value the formatter cannot take (a date outside the Hijri table) is shown as given, not an error.
    return text;
  }
}

function renderNodes(nodes: readonly Node[], stack: unknown[], html: boolean, f: TemplateFormatter, out: string[], size: { n: number }): void {
  for (const node of nodes) {
    if (size.n > MAX_OUTPUT) return;
    if (node.t === 'text') {
      out.push(node.value);
      size.n += node.value.length;
    } else if (node.t === 'var') {
      const text = formatted(lookup(stack, node.path), node, f, () => {
        // `{{amount | money}}` next to a `currency` in the data is in that currency, not the tenant's.
        const code = lookup(stack, 'currency');
        return typeof code === 'string' && /^[A-Z]{3}$/.test(code) ? code : undefined;
      });
      const value = html && !node.raw ? escapeHtml(text) : text;
      out.push(value);
      size.n += value.length;
    } else {
      const value = lookup(stack, node.path);
      const truthy = Array.isArray(value) ? value.length > 0 : Boolean(value);
      if (node.inverted) {
        if (!truthy) renderNodes(node.children, stack, html, f, out, size);
      } else if (Array.isArray(value)) {
        for (const item of value.slice(0, 1000)) renderNodes(node.children, [...stack, item], html, f, out, size);
      } else if (truthy) {
        renderNodes(node.children, typeof value === 'object' ? [...stack, value] : stack, html, f, out, size);
      }
    }
  }
}

/** Renders a parsed template with `data`; `html` escapes values for an HTML body. */
export function renderTemplate(nodes: readonly Node[], data: Record<string, unknown>, options: { html: boolean; formatter: TemplateFormatter }): string {
  const out: string[] = [];
  renderNodes(nodes, [data], options.html, options.formatter, out, { n: 0 });
  return out.join('').slice(0, MAX_OUTPUT);
}
