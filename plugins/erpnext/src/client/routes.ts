import { ErpnextErrors } from '../errors.js';
import type { FrappeApiVersion } from './types.js';

const DOCTYPE = /^[\w][\w -]{0,139}$/;
/** A dotted Python path (`frappe.client.get_count`) or a v2 short route (`upload_file`). */
const METHOD = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$/;

export function checkDoctype(doctype: string): string {
  if (typeof doctype !== 'string' || !DOCTYPE.test(doctype)) throw ErpnextErrors.ERPNEXT_DOCTYPE_INVALID(JSON.stringify(String(doctype).slice(0, 160)));
  return doctype;
}

/** One path segment; a name of only dots is escaped so URL resolution cannot turn it into `..`. */
function segment(value: string): string {
  const encoded = encodeURIComponent(value);
  return /^\.+$/.test(value) ? encoded.replace(/\./g, '%2E') : encoded;
}

function checkName(name: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 1000) throw ErpnextErrors.ERPNEXT_REQUEST_INVALID(`${JSON.stringify(String(name).slice(0, 80))} is not a document name`);
  return name;
}

/**
 * Frappe's routes per dialect (`frappe/api/v1.py`, `frappe/api/v2.py`): v1 serves documents under
 * `/api/resource` and methods under `/api/method`, answering methods in `message`; v2 serves
 * `/api/v2/document`, `/api/v2/method` and `/api/v2/doctype/{doctype}/count`, answering in `data`.
 */
export class Routes {
  constructor(readonly version: FrappeApiVersion) {}

  collection(doctype: string): string {
    const base = this.version === 'v2' ? '/api/v2/document/' : '/api/resource/';
    return base + segment(checkDoctype(doctype));
  }

  document(doctype: string, name: string): string {
    return `${this.collection(doctype)}/${segment(checkName(name))}`;
  }

  method(method: string): string {
    if (typeof method !== 'string' || !METHOD.test(method) || method.length > 200) throw ErpnextErrors.ERPNEXT_REQUEST_INVALID(`${JSON.stringify(String(method).slice(0, 80))} is not a method name`);
    return (this.version === 'v2' ? '/api/v2/method/' : '/api/method/') + method;
  }

  /** Where a method's answer is. */
  get methodAnswer(): 'data' | 'message' {
    return this.version === 'v2' ? 'data' : 'message';
  }

  /** v2's count route; v1 counts through `frappe.client.get_count`. */
  count(doctype: string): string {
    return `/api/v2/doctype/${segment(checkDoctype(doctype))}/count`;
  }
}
