/**
 * The DocTypes the simulator knows, as their DocType JSON describes them (fields, mandatory flags,
 * Select options, defaults, naming rule, submittable, role permissions), plus the few controller
 * computations a client sees (totals, status, item_name). Frappe's generic rules live elsewhere;
 * this file only says what each DocType is.
 */
import type { DocField, DocTypeMeta, FieldType, PermType } from './meta.js';
import type { Row } from './types.js';

const ALL: PermType[] = ['read', 'write', 'create', 'delete', 'submit', 'cancel', 'amend', 'select'];
const RWC: PermType[] = ['read', 'write', 'create', 'delete', 'select'];
const READ: PermType[] = ['read', 'select'];
const f = (fieldname: string, label: string, fieldtype: FieldType, extra: Partial<DocField> = {}): DocField => ({ fieldname, label, fieldtype, ...extra });

const flt = (v: unknown): number => Number(v) || 0;
const round2 = (x: number): number => Math.round((x + Number.EPSILON) * 100) / 100;

/** ERPNext's calculate_taxes_and_totals, without taxes: amount = qty x rate, totals summed. */
function computeTotals(doc: Row, get: (doctype: string, name: string) => Row | undefined): void {
  let totalQty = 0;
  let total = 0;
  for (const row of Array.isArray(doc.items) ? (doc.items as Row[]) : []) {
    row.qty = flt(row.qty);
    row.rate = flt(row.rate);
    row.amount = round2((row.qty as number) * (row.rate as number));
    if (!row.item_name && typeof row.item_code === 'string') row.item_name = get('Item', row.item_code)?.item_name ?? null;
    totalQty += row.qty as number;
    total += row.amount as number;
  }
  doc.total_qty = totalQty;
  doc.total = round2(total);
  doc.grand_total = doc.total;
  // fetch_from: customer.customer_name
  if (typeof doc.customer === 'string') doc.customer_name = get('Customer', doc.customer)?.customer_name ?? doc.customer_name ?? null;
}

const lineItem = (name: string): DocTypeMeta => ({
  name,
  module: `erpnext.${name.startsWith('Sales Order') ? 'selling' : 'accounts'}.doctype.${name.toLowerCase().replace(/ /g, '_')}.${name.toLowerCase().replace(/ /g, '_')}`,
  autoname: 'hash',
  istable: true,
  fields: [
    f('item_code', 'Item Code', 'Link', { options: 'Item', reqd: true }),
    f('item_name', 'Item Name', 'Data'),
    f('qty', 'Quantity', 'Float', { reqd: true }),
    f('rate', 'Rate', 'Currency'),
    f('amount', 'Amount', 'Currency'),
    ...(name === 'Sales Order Item' ? [f('delivery_date', 'Delivery Date', 'Date', { allowOnSubmit: true })] : []),
  ],
  permissions: [],
});

const META: DocTypeMeta[] = [
  {
    name: 'ToDo',
    module: 'frappe.desk.doctype.todo.todo',
    autoname: 'hash',
    fields: [
      f('status', 'Status', 'Select', { options: 'Open\nClosed\nCancelled', default: 'Open' }),
      f('priority', 'Priority', 'Select', { options: 'High\nMedium\nLow', default: 'Medium' }),
      f('date', 'Due Date', 'Date'),
      f('allocated_to', 'Allocated To', 'Link', { options: 'User' }),
      f('description', 'Description', 'Text Editor', { reqd: true }),
      f('reference_type', 'Reference Type', 'Link', { options: 'DocType' }),
      f('reference_name', 'Reference Name', 'Dynamic Link', { options: 'reference_type' }),
      f('assigned_by', 'Assigned By', 'Link', { options: 'User', default: '__user' }),
    ],
    permissions: [{ role: 'System Manager', rights: RWC }, { role: 'All', rights: RWC }],
  },
  {
    name: 'Note',
    module: 'frappe.desk.doctype.note.note',
    autoname: 'field:title',
    fields: [f('title', 'Title', 'Data', { reqd: true }), f('public', 'Public', 'Check'), f('notify_on_login', 'Notify Users On Every Login', 'Check'), f('content', 'Content', 'Text Editor')],
    permissions: [{ role: 'System Manager', rights: RWC }, { role: 'All', rights: RWC }],
  },
  {
    name: 'Customer',
    module: 'erpnext.selling.doctype.customer.customer',
    autoname: 'field:customer_name',
    fields: [
      f('customer_name', 'Customer Name', 'Data', { reqd: true }),
      f('customer_type', 'Customer Type', 'Select', { options: 'Company\nIndividual\nPartnership', default: 'Company', reqd: true }),
      f('customer_group', 'Customer Group', 'Link', { options: 'Customer Group' }),
      f('territory', 'Territory', 'Link', { options: 'Territory' }),
      f('tax_id', 'Tax ID', 'Data'),
      f('email_id', 'Email Id', 'Data'),
      f('mobile_no', 'Mobile No', 'Data'),
      f('disabled', 'Disabled', 'Check'),
    ],
    permissions: [
      { role: 'Sales User', rights: ['read', 'write', 'create', 'select'] },
      { role: 'Sales Manager', rights: RWC },
      { role: 'Sales Master Manager', rights: RWC },
      { role: 'Accounts User', rights: ['read', 'write', 'create', 'select'] },
      { role: 'System Manager', rights: RWC },
    ],
  },
  {
    name: 'Item',
    module: 'erpnext.stock.doctype.item.item',
    autoname: 'field:item_code',
    fields: [
      f('item_code', 'Item Code', 'Data', { reqd: true }),
      f('item_name', 'Item Name', 'Data'),
      f('item_group', 'Item Group', 'Link', { options: 'Item Group', reqd: true, default: 'Products' }),
      f('stock_uom', 'Default Unit of Measure', 'Link', { options: 'UOM', reqd: true, default: 'Nos' }),
      f('is_stock_item', 'Maintain Stock', 'Check', { default: '1' }),
      f('disabled', 'Disabled', 'Check'),
      f('standard_rate', 'Standard Selling Rate', 'Currency'),
      f('description', 'Description', 'Text Editor'),
    ],
    permissions: [
      { role: 'Item Manager', rights: RWC },
      { role: 'Stock User', rights: READ },
      { role: 'Sales User', rights: READ },
      { role: 'Accounts User', rights: READ },
      { role: 'System Manager', rights: RWC },
    ],
    validate: (doc) => {
      if (!doc.item_name) doc.item_name = doc.item_code;
    },
  },
  lineItem('Sales Order Item'),
  {
    name: 'Sales Order',
    module: 'erpnext.selling.doctype.sales_order.sales_order',
    autoname: 'naming_series:',
    isSubmittable: true,
    fields: [
      f('naming_series', 'Series', 'Select', { options: 'SAL-ORD-.YYYY.-', default: 'SAL-ORD-.YYYY.-', reqd: true }),
      f('customer', 'Customer', 'Link', { options: 'Customer', reqd: true }),
      f('customer_name', 'Customer Name', 'Data'),
      f('transaction_date', 'Date', 'Date', { reqd: true, default: 'Today' }),
      f('delivery_date', 'Delivery Date', 'Date', { allowOnSubmit: true }),
      f('po_no', "Customer's Purchase Order", 'Data', { allowOnSubmit: true }),
      f('status', 'Status', 'Select', { options: '\nDraft\nOn Hold\nTo Deliver and Bill\nTo Bill\nTo Deliver\nCompleted\nCancelled\nClosed', default: 'Draft' }),
      f('items', 'Items', 'Table', { options: 'Sales Order Item', reqd: true }),
      f('total_qty', 'Total Quantity', 'Float'),
      f('total', 'Total', 'Currency'),
      f('grand_total', 'Grand Total', 'Currency'),
      f('amended_from', 'Amended From', 'Link', { options: 'Sales Order' }),
    ],
    permissions: [
      { role: 'Sales User', rights: ALL },
      { role: 'Sales Manager', rights: ALL },
      { role: 'Accounts User', rights: READ },
      { role: 'Stock User', rights: READ },
      { role: 'System Manager', rights: ALL },
    ],
    validate: computeTotals,
    setStatus: (doc) => {
      doc.status = ['Draft', 'To Deliver and Bill', 'Cancelled'][Number(doc.docstatus)] ?? doc.status;
    },
  },
  lineItem('Sales Invoice Item'),
  {
    name: 'Sales Invoice',
    module: 'erpnext.accounts.doctype.sales_invoice.sales_invoice',
    autoname: 'naming_series:',
    isSubmittable: true,
    fields: [
      f('naming_series', 'Series', 'Select', { options: 'ACC-SINV-.YYYY.-\nACC-SINV-RET-.YYYY.-', default: 'ACC-SINV-.YYYY.-', reqd: true }),
      f('customer', 'Customer', 'Link', { options: 'Customer', reqd: true }),
      f('customer_name', 'Customer Name', 'Data'),
      f('posting_date', 'Date', 'Date', { reqd: true, default: 'Today' }),
      f('due_date', 'Payment Due Date', 'Date'),
      f('is_return', 'Is Return (Credit Note)', 'Check'),
      f('status', 'Status', 'Select', { options: '\nDraft\nReturn\nSubmitted\nPaid\nPartly Paid\nUnpaid\nOverdue\nCancelled', default: 'Draft' }),
      f('items', 'Items', 'Table', { options: 'Sales Invoice Item', reqd: true }),
      f('total_qty', 'Total Quantity', 'Float'),
      f('total', 'Total', 'Currency'),
      f('grand_total', 'Grand Total', 'Currency'),
      f('outstanding_amount', 'Outstanding Amount', 'Currency'),
      f('remarks', 'Remarks', 'Small Text'),
      f('amended_from', 'Amended From', 'Link', { options: 'Sales Invoice' }),
    ],
    permissions: [{ role: 'Accounts User', rights: ALL }, { role: 'Accounts Manager', rights: ALL }, { role: 'System Manager', rights: ALL }],
    validate: (doc, get) => {
      computeTotals(doc, get);
      doc.outstanding_amount = doc.grand_total;
    },
    setStatus: (doc) => {
      doc.status = Number(doc.docstatus) === 2 ? 'Cancelled' : Number(doc.docstatus) === 1 ? (flt(doc.outstanding_amount) > 0 ? 'Unpaid' : 'Paid') : 'Draft';
    },
  },
  {
    name: 'Task',
    module: 'erpnext.projects.doctype.task.task',
    autoname: 'TASK-.YYYY.-.#####',
    fields: [
      f('subject', 'Subject', 'Data', { reqd: true }),
      f('project', 'Project', 'Link', { options: 'Project' }),
      f('status', 'Status', 'Select', { options: 'Open\nWorking\nPending Review\nOverdue\nTemplate\nCompleted\nCancelled', default: 'Open' }),
      f('priority', 'Priority', 'Select', { options: 'Low\nMedium\nHigh\nUrgent', default: 'Low' }),
      f('exp_start_date', 'Expected Start Date', 'Date'),
      f('exp_end_date', 'Expected End Date', 'Date'),
      f('description', 'Task Description', 'Text Editor'),
    ],
    permissions: [{ role: 'Projects User', rights: RWC }, { role: 'Projects Manager', rights: RWC }, { role: 'System Manager', rights: RWC }],
  },
  {
    name: 'File',
    module: 'frappe.core.doctype.file.file',
    autoname: 'hash',
    fields: [
      f('file_name', 'File Name', 'Data'),
      f('is_private', 'Is Private', 'Check'),
      f('file_type', 'File Type', 'Data'),
      f('file_size', 'File Size', 'Int'),
      f('file_url', 'File URL', 'Data'),
      f('folder', 'Folder', 'Link', { options: 'File' }),
      f('is_folder', 'Is Folder', 'Check'),
      f('attached_to_doctype', 'Attached To DocType', 'Link', { options: 'DocType' }),
      f('attached_to_name', 'Attached To Name', 'Data'),
      f('attached_to_field', 'Attached To Field', 'Data'),
      f('content_hash', 'Content Hash', 'Data'),
    ],
    permissions: [{ role: 'System Manager', rights: RWC }, { role: 'All', rights: RWC }],
  },
];

const BY_NAME = new Map(META.map((m) => [m.name, m]));

export function getMeta(doctype: string): DocTypeMeta | undefined {
  return BY_NAME.get(doctype);
}
