import { dumps, pyStr, PyDict, type PyValue } from './python-json.js';

/**
 * Just enough Jinja for a Webhook's "JSON Request Body" as people type it in ERPNext:
 * `{{ doc.field }}`, `{{ doc.items[0].item_code }}`, `{{ doc.field | json }}`, `{{ doc | json }}` and
 * literal text. Frappe renders with `frappe.render_template(webhook_json, {"doc": doc.as_dict(...)})`
 * (frappe/utils/jinja.py): a SandboxedEnvironment with `undefined=DebugUndefined` and no
 * autoescaping, the `json` filter being `frappe.as_json` (indent 1, sorted keys). The rendered text is
 * then `json.loads`-ed by webhook.py, so what matters is that it renders the same characters.
 *
 * Semantics copied on purpose:
 *  - `doc` is a `frappe._dict`, whose missing attributes are `None` (rendered `None`);
 *  - a name that is not in the context stays as written (`DebugUndefined`);
 *  - values print as Python's `str()`: `None`, `True`, `100.0`;
 *  - a template containing `.__` is refused ("Illegal template"), as render_template does.
 * Statements (`{% %}`) are not supported: rendering throws, which webhook.py treats as a failed
 * webhook (logged, nothing sent).
 */
export class TemplateError extends Error {}

const FILTERS: Record<string, (v: PyValue) => PyValue> = {
  // frappe.as_json: json.dumps(obj, indent=1, sort_keys=True, separators=(",", ": "))
  json: (v) => dumps(v, { indent: 1, sortKeys: true, separators: [',', ': '] }),
  // Jinja's own tojson: htmlsafe_json_dumps (sorted keys, <>&' escaped)
  tojson: (v) =>
    dumps(v, { sortKeys: true }).replace(/[<>&']/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')),
  str: (v) => pyStr(v),
  string: (v) => pyStr(v),
  lower: (v) => pyStr(v).toLowerCase(),
  upper: (v) => pyStr(v).toUpperCase(),
  trim: (v) => pyStr(v).trim(),
  int: (v) => Math.trunc(Number(typeof v === 'object' && v !== null && 'value' in v ? v.value : v) || 0),
};

const UNDEFINED = Symbol('undefined');

function lookup(base: PyValue | typeof UNDEFINED, key: string | number): PyValue | typeof UNDEFINED {
  if (base === UNDEFINED || base === null || base === undefined) return UNDEFINED;
  if (Array.isArray(base)) return typeof key === 'number' && key < base.length ? (base[key] as PyValue) : UNDEFINED;
  if (base instanceof PyDict) return base.has(String(key)) ? base.get(String(key)) : null; // _dict.get -> None
  if (typeof base === 'object' && !('value' in base)) {
    const obj = base as Record<string, PyValue>;
    return String(key) in obj ? obj[String(key)] : null;
  }
  return UNDEFINED;
}

function evaluate(expr: string, context: Record<string, PyValue>): PyValue | typeof UNDEFINED {
  const [head, ...filters] = expr.split('|').map((s) => s.trim());
  const path = /^([A-Za-z_]\w*)((?:\.[A-Za-z_]\w*|\[\s*(?:\d+|"[^"]*"|'[^']*')\s*\])*)$/.exec(head ?? '');
  if (!path) throw new TemplateError(`unsupported expression: {{ ${expr} }}`);
  if (!(path[1]! in context)) return UNDEFINED;
  let value: PyValue | typeof UNDEFINED = context[path[1]!];
  for (const step of path[2]!.matchAll(/\.([A-Za-z_]\w*)|\[\s*(\d+|"[^"]*"|'[^']*')\s*\]/g)) {
    const key = step[1] ?? (/^\d+$/.test(step[2]!) ? Number(step[2]) : step[2]!.slice(1, -1));
    value = lookup(value, key);
  }
  for (const name of filters) {
    const filter = FILTERS[name];
    if (!filter) throw new TemplateError(`no filter named '${name}'`);
    if (value === UNDEFINED) return UNDEFINED;
    value = filter(value);
  }
  return value;
}

export function renderTemplate(template: string, context: Record<string, PyValue>): string {
  if (!template) return '';
  if (template.includes('.__')) throw new TemplateError('Illegal template');
  if (/\{%/.test(template)) throw new TemplateError('statements ({% %}) are not supported by the simulator');
  return template
    .replace(/\{#[\s\S]*?#\}/g, '')
    .replace(/\{\{([\s\S]*?)\}\}/g, (whole, expr: string) => {
      const value = evaluate(expr.trim(), context);
      return value === UNDEFINED ? whole : pyStr(value);
    });
}
