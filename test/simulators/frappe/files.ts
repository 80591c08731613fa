import { createHash } from 'node:crypto';
import { frappeThrow, raise, type Ctx } from './context.js';
import { getMeta } from './doctypes.js';
import type { Env } from './methods.js';
import type { PyValue } from './python-json.js';
import { asDict, type Store } from './store.js';

/**
 * frappe/handler.py upload_file: a multipart `file` (plus is_private, doctype, docname, fieldname,
 * folder, file_url, file_name) becomes a File document, answered as the Document itself, i.e.
 * as_dict(no_nulls=True) under `message`. Guests are refused (PermissionError, no message) unless
 * System Settings allow guest uploads, which the simulator does not. The File doctype's own rules,
 * simplified: files go to /files/<name> or /private/files/<name>; a file whose content (md5
 * content_hash) is already stored at the same privacy reuses that URL; a different file with a
 * taken name gets the last 6 hex digits of its hash inserted before the extension; an upload
 * attached to a field sets that field on the document (frappe.db.set_value: no hooks, new modified).
 */
export function uploadFile(env: Env, ctx: Ctx): PyValue {
  if (ctx.user === 'Guest') raise('PermissionError');
  const fd = ctx.formDict;
  const upload = ctx.files.find((f) => f.field === 'file');
  const content = upload?.content;
  let fileName = String(upload ? upload.filename : (fd.file_name ?? ''));
  const isPrivate = Number(fd.is_private) ? 1 : 0;
  const doctype = fd.doctype ? String(fd.doctype) : null;
  const docname = fd.docname ? String(fd.docname) : null;
  const fieldname = fd.fieldname ? String(fd.fieldname) : null;
  if (!content && !fd.file_url) frappeThrow(ctx, 'No file attached');
  if (doctype && docname) env.docs.get(doctype, docname);
  const hash = content ? createHash('md5').update(content).digest('hex') : null;
  const dot = fileName.lastIndexOf('.');
  const [base, ext] = dot > 0 ? [fileName.slice(0, dot), fileName.slice(dot)] : [fileName, ''];
  let fileUrl = String(fd.file_url ?? '');
  if (content && hash) {
    const duplicate = env.store.rows('File').find((r) => r.content_hash === hash && Number(r.is_private) === isPrivate);
    if (duplicate) fileUrl = String(duplicate.file_url);
    else {
      const folderUrl = isPrivate ? '/private/files/' : '/files/';
      if (env.store.files.has(folderUrl + fileName)) fileName = `${base}${hash.slice(-6)}${ext}`;
      fileUrl = folderUrl + fileName;
      env.store.putFile(fileUrl, content, !!isPrivate);
    }
  }
  const doc = env.docs.newDoc('File', {
    file_name: fileName,
    file_url: fileUrl,
    is_private: isPrivate,
    file_type: ext ? ext.slice(1).toUpperCase() : null,
    file_size: content?.length ?? 0,
    folder: fd.folder || 'Home',
    is_folder: 0,
    attached_to_doctype: doctype,
    attached_to_name: docname,
    attached_to_field: fieldname,
    content_hash: hash,
  });
  env.docs.insert(doc);
  if (doctype && docname && fieldname) {
    const target = env.store.load(doctype, docname)!;
    target[fieldname] = fileUrl;
    target.modified = env.store.now();
    target.modified_by = ctx.user;
    env.store.put(doctype, target);
  }
  return asDict(getMeta('File')!, doc, { noNulls: true });
}

/** GET /files/<name> (public) and /private/files/<name> (signed-in users): the stored bytes. */
export function readFile(store: Store, path: string, user: string): { status: number; content?: Buffer } {
  const file = store.files.get(decodeURIComponent(path));
  if (!file) return { status: 404 };
  if (file.isPrivate && user === 'Guest') return { status: 403 };
  return { status: 200, content: file.content };
}
