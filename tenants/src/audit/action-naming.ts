/**
 * The audit action and target of a state-changing request, from its route's URL pattern and method.
 *
 * The rule:
 * 1. Drop the mount: `/api/v1/:tenant`, `/api/v1/tenant`, `/api/v1`, `/api/admin` or `/api`.
 * 2. The static segments, in order and as written, are the resource: `workflows`, `email.settings`,
 *    `workflows.runs`. Parameters and wildcards name things, not actions, and are left out.
 * 3. A POST whose last segment is a static word right after a parameter is an operation on that
 *    item, and the word is the verb: `POST .../workflows/:id/enable` → `workflows.enable`,
 *    `POST .../workflows/:id/runs/:runId/cancel` → `workflows.runs.cancel`.
 * 4. Otherwise the method is the verb: POST `create`, PUT and PATCH `update`, DELETE `delete`:
 *    `PUT .../email/settings` → `email.settings.update`, `DELETE .../webhooks/:id` → `webhooks.delete`.
 * 5. The target is the route's last parameter (with any parameters right before it, joined by `/`),
 *    typed by the static segment before them: `.../runs/:runId/cancel` → `{ type: 'runs', id: <runId> }`.
 *    A route without one targets its resource: `{ type: 'email.settings', id: null }`.
 * A route declares `config.audit.action` for a better name, or `config.audit: false` when it changes
 * nothing (a preview, a conversion); its handler may set `request.auditNote` (target, changes, details).
 */

export interface DerivedAction {
  readonly action: string;
  /** The target's type; its id is read from `targetParams` of the request. */
  readonly targetType: string;
  readonly targetParams: readonly string[];
}

const MOUNT = /^\/api(\/v1(\/:tenant|\/tenant)?|\/admin)?(?=\/|$)/;

const METHOD_VERBS: Readonly<Record<string, string>> = { POST: 'create', PUT: 'update', PATCH: 'update', DELETE: 'delete' };

const isParam = (segment: string) => segment.startsWith(':');
const isWildcard = (segment: string) => segment === '*';
/** A segment as a word of an action: lowercase letters, digits, `-` and `_`. */
const word = (segment: string) => segment.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+|-+$/g, '');
/** `:id`, or `:id(^\\d+)` with its pattern. */
const paramName = (segment: string) => segment.slice(1).replace(/\(.*$/, '');

export function deriveAction(method: string, url: string): DerivedAction {
  const segments = url.replace(MOUNT, '').split('/').filter((s) => s.length > 0);
  const statics = segments.filter((s) => !isParam(s) && !isWildcard(s)).map(word).filter((w) => w.length > 0);
  const last = segments.length - 1;
  const operation = method === 'POST' && last >= 1 && !isParam(segments[last]!) && !isWildcard(segments[last]!) && isParam(segments[last - 1]!);
  const resource = operation ? statics.slice(0, -1) : statics;
  const verb = operation ? statics[statics.length - 1]! : (METHOD_VERBS[method] ?? method.toLowerCase());

  let end = segments.length - 1;
  while (end >= 0 && !isParam(segments[end]!)) end--;
  let start = end;
  while (start > 0 && isParam(segments[start - 1]!)) start--;
  const targetParams = end < 0 ? [] : segments.slice(start, end + 1).map(paramName);
  const typeSegment = end < 0 ? undefined : segments.slice(0, start).reverse().find((s) => !isWildcard(s) && !isParam(s));
  return {
    action: [...resource, verb].join('.'),
    targetType: typeSegment ?? (resource.join('.') || verb),
    targetParams,
  };
}

/** The same, remembered per route: a service has a few hundred routes at most. */
export function actionDeriver(): (method: string, url: string) => DerivedAction {
  const known = new Map<string, DerivedAction>();
  return (method, url) => {
    const key = `${method} ${url}`;
    let derived = known.get(key);
    if (!derived) {
      derived = deriveAction(method, url);
      known.set(key, derived);
    }
    return derived;
  };
}
