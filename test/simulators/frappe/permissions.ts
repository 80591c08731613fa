import { frappeThrow, msgprint, raise, type Ctx } from './context.js';
import { getMeta } from './doctypes.js';
import type { DocTypeMeta, PermType } from './meta.js';

/**
 * Role permissions (frappe/permissions.py), at DocType level: Administrator may do everything, a
 * user may do what any of its roles grants ("All" for every signed-in user, only "Guest" for guests).
 * User Permissions, if_owner rules, sharing and permlevels are not simulated.
 *
 * The shape of the refusal matters to clients, and depends on the path (all from the source):
 *  - Document.check_permission -> _handle_permission_failure -> check_doctype_permission: the
 *    message log is reset, has_permission(doctype, ptype, throw=True) prints why ("User <b>x</b> does
 *    not have doctype access via role permission for document <b>D</b>"), frappe.flags.error_message
 *    becomes "No permission for D", flags.disable_traceback is set: so a 403 with `_server_messages`,
 *    `_error_message` and no `exception`/`exc`.
 *  - get_list (db_query check_read_permission) calls has_permission(..., throw=True) directly: the
 *    same, but with the traceback (`exception`, `exc`) kept.
 */
export function rolesOf(user: string, roles: string[]): string[] {
  if (user === 'Guest') return ['Guest'];
  return [...new Set([...roles, 'All'])];
}

export function hasPerm(meta: DocTypeMeta, user: string, roles: string[], ptype: PermType): boolean {
  if (user === 'Administrator') return true;
  if (ptype === 'submit' && !meta.isSubmittable) return false;
  return meta.permissions.some((p) => roles.includes(p.role) && p.rights.includes(ptype));
}

/** Reading DocType records (what a missing DocType's 404 checks first): System Manager only. */
export function canReadDocTypes(user: string, roles: string[]): boolean {
  return user === 'Administrator' || roles.includes('System Manager');
}

function refuse(ctx: Ctx, doctype: string, ptype: string, submittable: boolean, fromDocument: boolean): never {
  if (fromDocument) {
    ctx.messageLog = [];
    ctx.disableTraceback = true;
  }
  const why = ptype === 'submit' && !submittable
    ? 'Document Type is not submittable'
    : `User <strong>${ctx.user}</strong> does not have doctype access via role permission for document <strong>${doctype}</strong>`;
  msgprint(ctx, why);
  ctx.errorMessage = `No permission for ${doctype}`;
  raise('PermissionError');
}

/** Document.check_permission(ptype). */
export function checkDocPermission(ctx: Ctx, meta: DocTypeMeta, roles: string[], ptype: PermType): void {
  if (!hasPerm(meta, ctx.user, roles, ptype)) refuse(ctx, meta.name, ptype, !!meta.isSubmittable, true);
}

/** frappe.has_permission(doctype, ptype, throw=True), as get_list and get_value call it. */
export function checkDoctypePermission(ctx: Ctx, meta: DocTypeMeta, roles: string[], ptype: PermType): void {
  if (!hasPerm(meta, ctx.user, roles, ptype)) refuse(ctx, meta.name, ptype, !!meta.isSubmittable, false);
}

/** check_doctype_permission for a DoesNotExistError about a "DocType" record (handle_does_not_exist_error). */
export function refuseDocTypeRead(ctx: Ctx): never {
  return refuse(ctx, 'DocType', 'read', false, true);
}

/**
 * frappe.get_meta for a DocType the site lacks: "DocType X not found" (DoesNotExistError, 404) -
 * unless the user may not read DocType records, when handle_does_not_exist_error turns it into the 403.
 */
export function requireMeta(ctx: Ctx, roles: string[], doctype: string): DocTypeMeta {
  const meta = getMeta(doctype);
  if (meta) return meta;
  if (!canReadDocTypes(ctx.user, roles)) refuseDocTypeRead(ctx);
  return frappeThrow(ctx, `DocType ${doctype} not found`, 'DoesNotExistError');
}

/** Document.load_from_db's "{doctype} {name} not found", or the 403 when the user may not read the DocType. */
export function notFound(ctx: Ctx, meta: DocTypeMeta, roles: string[], name: string): never {
  if (!hasPerm(meta, ctx.user, roles, 'read')) refuse(ctx, meta.name, 'read', !!meta.isSubmittable, true);
  return frappeThrow(ctx, `${meta.name} ${name} not found`, 'DoesNotExistError');
}
