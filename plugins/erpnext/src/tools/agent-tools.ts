import type { AgentTool } from '@dogan/runtime';
import type { ConnectionService } from '../connections/connection-service.js';
import { runDocumentOperation, type DocumentOperation } from '../capability/document-operations.js';

const doctype = { type: 'string', minLength: 1, maxLength: 140, description: 'ERPNext DocType, e.g. "Sales Order", "Customer"' } as const;
const name = { type: 'string', minLength: 1, maxLength: 140, description: 'The document name (ID), e.g. "SAL-ORD-2026-00001"' } as const;
const connection = { type: 'string', maxLength: 64, description: "The tenant's ERPNext connection; the default one when left out" } as const;
const filters = {
  description: 'Frappe filters: [["status", "=", "Draft"], ["grand_total", ">", 1000]] or {"status": "Draft"}',
  anyOf: [{ type: 'array', maxItems: 50 }, { type: 'object' }],
} as const;

interface ToolSpec {
  readonly op: DocumentOperation;
  readonly name: string;
  readonly en: string;
  readonly ar: string;
  readonly properties: Record<string, unknown>;
  readonly required: string[];
}

const SPECS: ToolSpec[] = [
  {
    op: 'list',
    name: 'erpnext_list_documents',
    en: 'List ERPNext documents of a doctype, with fields, filters, ordering and paging',
    ar: 'عرض مستندات ERPNext من نوع معين مع الحقول والمرشحات والترتيب والصفحات',
    properties: {
      doctype,
      connection,
      query: {
        type: 'object',
        additionalProperties: false,
        properties: {
          fields: { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 200 } },
          filters,
          or_filters: filters,
          order_by: { type: 'string', maxLength: 200 },
          limit_start: { type: 'integer', minimum: 0 },
          limit_page_length: { type: 'integer', minimum: 1, maximum: 500 },
        },
      },
    },
    required: ['doctype'],
  },
  { op: 'get', name: 'erpnext_get_document', en: 'Read one ERPNext document', ar: 'قراءة مستند واحد من ERPNext', properties: { doctype, name, connection }, required: ['doctype', 'name'] },
  {
    op: 'create',
    name: 'erpnext_create_document',
    en: 'Create an ERPNext document (a draft, for submittable doctypes)',
    ar: 'إنشاء مستند في ERPNext (مسودة للمستندات القابلة للاعتماد)',
    properties: { doctype, connection, doc: { type: 'object', description: 'The fields of the new document' } },
    required: ['doctype', 'doc'],
  },
  {
    op: 'update',
    name: 'erpnext_update_document',
    en: 'Change fields of a draft ERPNext document',
    ar: 'تعديل حقول مستند مسودة في ERPNext',
    properties: { doctype, name, connection, patch: { type: 'object', description: 'Fields to change; include "modified" to refuse the change if someone saved it since' } },
    required: ['doctype', 'name', 'patch'],
  },
  {
    op: 'submit',
    name: 'erpnext_submit_document',
    en: 'Submit a draft ERPNext document (docstatus 0 to 1): it becomes binding, e.g. posts an invoice',
    ar: 'اعتماد مستند مسودة في ERPNext ليصبح ملزماً، مثل ترحيل فاتورة',
    properties: { doctype, name, connection },
    required: ['doctype', 'name'],
  },
  {
    op: 'cancel',
    name: 'erpnext_cancel_document',
    en: 'Cancel a submitted ERPNext document (docstatus 1 to 2)',
    ar: 'إلغاء مستند معتمد في ERPNext',
    properties: { doctype, name, connection },
    required: ['doctype', 'name'],
  },
];

/** Submitting and cancelling bind the business (ledger entries, stock moves): a person approves each call first. */
const RISKY: ReadonlySet<DocumentOperation> = new Set(['submit', 'cancel', 'delete']);

/**
 * Calls that act once however often they are repeated: reads, and an update that sets the same
 * fields again. ERPNext has no idempotency key for inserts, submits, cancels or deletes, so a call of
 * those cut short by a crash is reported as of unknown outcome rather than repeated.
 */
const IDEMPOTENT: ReadonlySet<DocumentOperation> = new Set(['list', 'get', 'update']);

/** The ERPNext tools agents get: each runs through the calling tenant's own connection. */
export function erpnextAgentTools(connections: ConnectionService): AgentTool[] {
  return SPECS.map((spec) => ({
    name: spec.name,
    description: { en: spec.en, ar: spec.ar },
    inputSchema: { type: 'object', additionalProperties: false, properties: spec.properties, required: spec.required },
    risky: RISKY.has(spec.op),
    idempotent: IDEMPOTENT.has(spec.op),
    async run(context, input) {
      const tenant = await connections.tenant(context.tenantId);
      return runDocumentOperation(connections, tenant, spec.op, input);
    },
  }));
}
