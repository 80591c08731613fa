import type { Auth } from './auth.js';
import { METHODS, type Method } from './client-methods.js';
import { frappeThrow, raise, type Ctx } from './context.js';
import { getMeta } from './doctypes.js';
import type { Documents } from './document.js';
import type { PyValue } from './python-json.js';
import type { Store } from './store.js';

/**
 * Whitelisted methods (`/api/method/<dotted.path>`, `/api/v2/method/<dotted.path>`), resolved as
 * frappe/handler.py execute_cmd (v1) and api/v2.py handle_rpc_call (v2) do:
 *  - a path without a dot is a function of frappe.handler (ping, version, logout, upload_file);
 *  - the first segment must be an installed app, else "App x is not installed";
 *  - a module that does not exist or a missing attribute fails as Python does ("No module named
 *    'x'", "module 'x' has no attribute 'y'"), wrapped by v1 in "Failed to get method for command
 *    {cmd} with {error}" and by v2 in "Failed to get method {cmd} with {error}" (ValidationError 417);
 *  - is_whitelisted: a guest calling a method not allow_guest gets PermissionError 403 "Function
 *    <strong>x</strong> is not whitelisted." (title "Method Not Allowed");
 *  - is_valid_http_method: frappe.client writes accept POST/PUT only (delete: POST/DELETE), anything
 *    else is 403 "Not permitted";
 *  - frappe.call passes only the arguments the function declares; a missing one is a TypeError (500).
 */
export interface Env {
  store: Store;
  auth: Auth;
  docs: Documents;
  roles: string[];
  version: string;
  /** The page length when none is asked (Frappe: 20). */
  pageLength: number;
}

const INSTALLED_APPS = ['frappe', 'erpnext'];
const KNOWN_MODULES = new Set<string>();
for (const path of [...Object.keys(METHODS), 'frappe.desk.reportview.get_count', 'frappe.model.document.x', 'erpnext.selling.doctype.sales_order.sales_order.x', 'erpnext.accounts.doctype.sales_invoice.sales_invoice.x', 'erpnext.stock.doctype.item.item.x', 'erpnext.selling.doctype.customer.customer.x', 'erpnext.projects.doctype.task.task.x', 'frappe.desk.doctype.todo.todo.x', 'frappe.desk.doctype.note.note.x']) {
  const parts = path.split('.');
  for (let i = 1; i < parts.length; i++) KNOWN_MODULES.add(parts.slice(0, i).join('.'));
}

/** frappe.get_attr's failure, as the text of the Python exception. */
function resolve(ctx: Ctx, cmd: string, wrap: (detail: string) => never, reraiseAppError: boolean): [string, Method] {
  if (!cmd.includes('.')) {
    const handler = METHODS[`frappe.handler.${cmd}`];
    if (handler && !reraiseAppError) return [`frappe.handler.${cmd}`, handler];
  }
  const parts = cmd.split('.');
  if (!INSTALLED_APPS.includes(parts[0]!)) {
    if (reraiseAppError) frappeThrow(ctx, `App ${parts[0]} is not installed`, 'AppNotInstalledError');
    if (!cmd.includes('.')) return wrap(`'${cmd}'`);
    try {
      frappeThrow(ctx, `App ${parts[0]} is not installed`, 'AppNotInstalledError');
    } catch {
      wrap(`App ${parts[0]} is not installed`);
    }
  }
  const module = parts.slice(0, -1).join('.');
  if (!KNOWN_MODULES.has(module)) {
    const missing = parts.slice(0, -1).findIndex((_, i) => !KNOWN_MODULES.has(parts.slice(0, i + 1).join('.')));
    wrap(`No module named '${parts.slice(0, missing + 1).join('.')}'`);
  }
  const method = METHODS[cmd];
  if (!method) return wrap(`module '${module}' has no attribute '${parts.at(-1)}'`);
  return [cmd, method];
}

/** execute_cmd (v1) / handle_rpc_call (v2): returns the method's result (None = no `message`/`data`). */
export async function callMethod(env: Env, ctx: Ctx, cmd: string, version: 'v1' | 'v2'): Promise<PyValue> {
  const wrap = (detail: string): never =>
    frappeThrow(ctx, version === 'v1' ? `Failed to get method for command ${cmd} with ${detail}` : `Failed to get method ${cmd} with ${detail}`);
  const [path, method] = resolve(ctx, cmd, wrap, version === 'v2');
  if (ctx.user === 'Guest' && !method.allowGuest) {
    const message = `<details><summary>You are not permitted to access this resource. Login to access</summary>Function <strong>${path}</strong> is not whitelisted.</details>`;
    frappeThrow(ctx, message, 'PermissionError', 'Method Not Allowed');
  }
  if (!(method.http ?? ['GET', 'POST', 'PUT', 'DELETE']).includes(ctx.method)) frappeThrow(ctx, 'Not permitted', 'PermissionError');
  const args: Record<string, unknown> = {};
  for (const p of method.params) if (p in ctx.formDict) args[p] = ctx.formDict[p];
  const missing = (method.required ?? []).filter((p) => !(p in args));
  if (missing.length) {
    const names = missing.map((p) => `'${p}'`);
    const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names[0];
    raise('TypeError', `${path.split('.').at(-1)}() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${list}`);
  }
  return method.run(env, ctx, args);
}

/** /api/v2/method/{doctype}/{method}: the doctype controller module + method. */
export function doctypeMethodPath(ctx: Ctx, doctype: string, method: string): string {
  const meta = getMeta(doctype);
  if (!meta) frappeThrow(ctx, `DocType ${doctype} not found`, 'DoesNotExistError');
  return `${meta.module}.${method}`;
}
