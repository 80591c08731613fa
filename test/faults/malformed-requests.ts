/**
 * Malformed requests generated from the platform's own OpenAPI document: every documented operation,
 * each request wrong in at least one way (path, query, body, content type, credentials), from a
 * seeded generator so a failure can be replayed by its seed and index.
 */

export interface OpenApiOperation {
  parameters?: Array<{ name: string; in: 'path' | 'query' | 'header'; required?: boolean; schema?: Record<string, unknown> }>;
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
}

export interface Route {
  method: string;
  path: string;
  operation: OpenApiOperation;
}

export interface MalformedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
  /** What was made wrong, for the failure message. */
  mutation: string;
}

/** What the generator may use to reach past authentication and tenant resolution. */
export interface FuzzContext {
  tenant: string;
  tenantId: string;
  tenantKey: string;
  otherTenantKey: string;
  adminToken: string;
  /** Plausible values for known path parameters, so some requests reach the handlers. */
  known: Record<string, string[]>;
}

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BAD_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  'x'.repeat(5000),
  '../../etc/passwd',
  '%00',
  '%',
  '%zz',
  '😀'.repeat(40),
  '\ud800',
  'null',
  '-1',
  '1e309',
  '0x10',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  'Mars/Olympus',
  '9999-99-99',
  '2024-02-30',
  '١٤٤٦-٠١-٠١',
  '{"a":1}',
  'ﷺ\u202e',
  '__proto__',
  'constructor',
];

const BAD_VALUES: unknown[] = [
  null,
  true,
  -1,
  0,
  1.5,
  1e308,
  Number.MAX_SAFE_INTEGER + 2,
  -2147483649,
  [],
  {},
  [[[[]]]],
  { a: { b: { c: { d: { e: {} } } } } },
  { __proto__: { admin: true } },
  ...BAD_STRINGS,
];

/** encodeURIComponent, except that a lone surrogate (which it refuses) goes out as the raw bytes a client could send. */
function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
}

function pick<T>(rnd: () => number, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)]!;
}

/** A JSON value of roughly the schema's shape, so mutations land one level deep instead of at the top. */
function plausible(schema: JsonSchema | undefined, rnd: () => number, depth = 0): unknown {
  if (!schema || depth > 3) return 'x';
  if (schema.enum?.length) return pick(rnd, schema.enum);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(schema.properties ?? {})) if (schema.required?.includes(k) || rnd() < 0.5) out[k] = plausible(v, rnd, depth + 1);
      return out;
    }
    case 'array':
      return [plausible(schema.items, rnd, depth + 1)];
    case 'integer':
      return Math.floor(rnd() * 100);
    case 'number':
      return rnd() * 100;
    case 'boolean':
      return rnd() < 0.5;
    default:
      return 'text';
  }
}

function badPathValue(rnd: () => number): string {
  const value = pick(rnd, BAD_STRINGS);
  // Mostly encoded, as a client library would; sometimes raw, as an attacker would.
  return rnd() < 0.8 ? encode(value) || '%20' : value.replace(/[/?#]/g, '_') || '_';
}

function fillPath(route: Route, ctx: FuzzContext, rnd: () => number, malform: boolean): string {
  return route.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    if (malform && rnd() < 0.7) return badPathValue(rnd);
    if (name === 'tenant') return ctx.tenant;
    const known = ctx.known[name];
    return encodeURIComponent(known?.length ? pick(rnd, known) : 'x');
  });
}

function badQuery(route: Route, rnd: () => number): string {
  const names = (route.operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
  names.push('unknown', 'limit', 'offset', '__proto__');
  const parts: string[] = [];
  const count = 1 + Math.floor(rnd() * 3);
  for (let i = 0; i < count; i++) {
    const name = pick(rnd, names);
    const value = pick(rnd, BAD_STRINGS);
    parts.push(`${encode(name)}=${rnd() < 0.9 ? encode(value) : value.replace(/[&#]/g, '')}`);
    if (rnd() < 0.2) parts.push(`${encode(name)}=${encode(value)}`); // repeated: an array
  }
  return parts.join('&');
}

function mutateBody(schema: JsonSchema | undefined, rnd: () => number): { payload: string; contentType: string; what: string } {
  const roll = rnd();
  if (roll < 0.1) return { payload: pick(rnd, ['{', '{"a":', '[1,', 'nul', '{"a":1}}', '\u0000', '{"a":"\\u00"}']), contentType: 'application/json', what: 'invalid JSON' };
  if (roll < 0.15) return { payload: '', contentType: 'application/json', what: 'empty JSON body' };
  if (roll < 0.22) return { payload: 'a=1&b=2', contentType: pick(rnd, ['application/x-www-form-urlencoded', 'text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=latin1']), what: 'wrong content type' };
  if (roll < 0.32) return { payload: JSON.stringify(pick(rnd, BAD_VALUES)), contentType: 'application/json', what: 'body of the wrong type' };
  const body = plausible(schema ?? { type: 'object', properties: {} }, rnd);
  const object = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const props = Object.keys(schema?.properties ?? {});
  const changes = 1 + Math.floor(rnd() * 3);
  const changed: string[] = [];
  for (let i = 0; i < changes; i++) {
    const key = props.length && rnd() < 0.85 ? pick(rnd, props) : pick(rnd, ['extra', '__proto__', 'constructor', 'id', 'tenantId']);
    object[key] = pick(rnd, BAD_VALUES);
    changed.push(key);
  }
  if (rnd() < 0.1 && props.length) delete object[pick(rnd, props)];
  return { payload: JSON.stringify(object), contentType: 'application/json', what: `body fields ${changed.join(', ')}` };
}

function credentials(route: Route, ctx: FuzzContext, rnd: () => number): { header: Record<string, string>; what?: string } {
  const roll = rnd();
  if (roll < 0.06) return { header: {}, what: 'no credentials' };
  if (roll < 0.1) return { header: { authorization: `Bearer ${pick(rnd, ['dgn_0123456789ab_' + 'A'.repeat(43), 'garbage', 'Bearer', ctx.otherTenantKey])}` }, what: 'bad credentials' };
  // eslint-disable-next-line no-control-regex -- a header value cannot carry control or non-Latin-1 characters at all
  if (roll < 0.12) return { header: { 'x-api-key': pick(rnd, BAD_STRINGS.filter((s) => !/[\u0000-\u001f\u007f-\uffff]/.test(s))) }, what: 'bad X-API-Key' };
  const admin = route.path.startsWith('/api/admin') || route.path.startsWith('/registry');
  return { header: { authorization: `Bearer ${admin ? ctx.adminToken : ctx.tenantKey}` } };
}

/** One malformed request for a route; `rnd` decides what is wrong with it. */
export function malformedRequest(route: Route, ctx: FuzzContext, rnd: () => number): MalformedRequest {
  const schema = route.operation.requestBody?.content?.['application/json']?.schema;
  const hasBody = route.operation.requestBody !== undefined || ['POST', 'PUT', 'PATCH'].includes(route.method);
  const auth = credentials(route, ctx, rnd);
  const hasParams = route.path.includes('{');
  const choices = ['query', ...(hasParams ? ['path'] : []), ...(hasBody ? ['body', 'body', 'body'] : []), 'header'];
  const what = pick(rnd, choices);
  const headers: Record<string, string> = { ...auth.header };
  let url = fillPath(route, ctx, rnd, what === 'path');
  let payload: string | undefined;
  let mutation = `${what}${auth.what ? ` + ${auth.what}` : ''}`;
  if (what === 'query' || rnd() < 0.15) url += `?${badQuery(route, rnd)}`;
  if (what === 'body') {
    const body = mutateBody(schema, rnd);
    payload = body.payload;
    headers['content-type'] = body.contentType;
    mutation = `${body.what}${auth.what ? ` + ${auth.what}` : ''}`;
  } else if (hasBody) {
    payload = JSON.stringify(plausible(schema ?? { type: 'object' }, rnd));
    headers['content-type'] = 'application/json';
  }
  if (what === 'header') {
    const header = pick(rnd, ['x-tenant-id', 'x-request-id', 'idempotency-key', 'accept-language', 'host', 'content-length-x']);
    headers[header] = pick(rnd, ['', '..', 'x'.repeat(300), 'Mars', 'ar;q=abc', 'other-tenant', '00000000-0000-0000-0000-000000000000']) || 'x';
    mutation = `header ${header}`;
  }
  return { method: route.method, url, headers, payload, mutation };
}

/** Every documented operation of an OpenAPI 3 document. */
export function routesOf(doc: { paths: Record<string, Record<string, OpenApiOperation>> }): Route[] {
  const routes: Route[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(ops)) {
      if (['get', 'post', 'put', 'patch', 'delete'].includes(method)) routes.push({ method: method.toUpperCase(), path, operation });
    }
  }
  return routes;
}
