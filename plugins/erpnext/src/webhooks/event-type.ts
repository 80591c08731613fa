/**
 * `erpnext.<doctype>.<event>`: ERPNext's doctype as one lower-case word (`Sales Order` →
 * `sales_order`) and Frappe's own event name (`on_submit`), so a module subscribes to
 * `erpnext.sales_order.on_submit` and knows exactly which ERPNext hook fired.
 */
export function erpnextEventType(doctype: string, event: string): string {
  let word = doctype
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  // Event type words start with a letter (they become NATS subject tokens and manifest patterns).
  if (!/^[a-z]/.test(word)) word = `d_${word}`;
  return `erpnext.${word}.${event}`;
}

/** Doctype names as Frappe allows them in practice: letters, digits, spaces, hyphens, underscores. */
export const DOCTYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 _-]{0,139}$/;
