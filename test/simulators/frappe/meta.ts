/**
 * What a DocType is made of (DocField, permissions, naming rule) and the column rules Frappe derives
 * from it (frappe/model/__init__.py default_fields, Meta.get_valid_columns, the table schema):
 * shared by every module that reads or writes documents. The DocTypes themselves are in doctypes.ts.
 */
import type { Row } from './types.js';

export type FieldType =
  | 'Data' | 'Link' | 'Dynamic Link' | 'Select' | 'Text' | 'Small Text' | 'Text Editor'
  | 'Date' | 'Datetime' | 'Int' | 'Check' | 'Float' | 'Currency' | 'Percent' | 'Table';

export interface DocField {
  fieldname: string;
  label: string;
  fieldtype: FieldType;
  /** Link: target DocType; Select: newline-separated options; Table: child DocType. */
  options?: string;
  reqd?: boolean;
  /** As in DocField.default: "Today", "now", "__user" or a literal. */
  default?: string;
  allowOnSubmit?: boolean;
}

export type PermType = 'read' | 'write' | 'create' | 'delete' | 'submit' | 'cancel' | 'amend' | 'select';

export interface DocTypeMeta {
  name: string;
  /** Python module of the controller (what /api/v2/method/{doctype}/{method} resolves against). */
  module: string;
  /** "hash", "field:<fieldname>", "naming_series:" or a series like "TASK-.YYYY.-.#####". */
  autoname: string;
  isSubmittable?: boolean;
  istable?: boolean;
  fields: DocField[];
  permissions: Array<{ role: string; rights: PermType[] }>;
  /** Controller `validate`: computed fields, run before save and submit. */
  validate?: (doc: Row, get: (doctype: string, name: string) => Row | undefined) => void;
  /** ERPNext's status, which follows docstatus. */
  setStatus?: (doc: Row) => void;
}

export const DEFAULT_FIELDS = ['doctype', 'name', 'owner', 'creation', 'modified', 'modified_by', 'docstatus', 'idx'];
export const CHILD_FIELDS = ['parent', 'parentfield', 'parenttype'];
export const OPTIONAL_FIELDS = ['_user_tags', '_comments', '_assign', '_liked_by'];
export const FLOAT_TYPES = new Set<string>(['Float', 'Currency', 'Percent']);
export const INT_TYPES = new Set<string>(['Int', 'Check']);

export function fieldOf(meta: DocTypeMeta, fieldname: string): DocField | undefined {
  return meta.fields.find((df) => df.fieldname === fieldname);
}

export const dataFields = (meta: DocTypeMeta): DocField[] => meta.fields.filter((df) => df.fieldtype !== 'Table');
export const tableFields = (meta: DocTypeMeta): DocField[] => meta.fields.filter((df) => df.fieldtype === 'Table');

/** Meta.get_valid_columns: default_fields + data fields (+ parent fields for child tables); as_dict's key order. */
export function validColumns(meta: DocTypeMeta): string[] {
  return [...DEFAULT_FIELDS, ...dataFields(meta).map((df) => df.fieldname), ...(meta.istable ? CHILD_FIELDS : [])];
}

/** The table's column order (what `fields=["*"]` returns): see frappe/database/mariadb/schema.py. */
export function dbColumns(meta: DocTypeMeta): string[] {
  return [
    'name', 'creation', 'modified', 'modified_by', 'owner', 'docstatus', 'idx',
    ...(meta.istable ? CHILD_FIELDS : []),
    ...dataFields(meta).map((df) => df.fieldname),
    ...(meta.istable ? [] : OPTIONAL_FIELDS),
  ];
}

/** The field type of any column, standard ones included. */
export function columnType(meta: DocTypeMeta, column: string): FieldType | undefined {
  if (column === 'creation' || column === 'modified') return 'Datetime';
  if (column === 'docstatus' || column === 'idx') return 'Int';
  if ([...DEFAULT_FIELDS, ...CHILD_FIELDS, ...OPTIONAL_FIELDS].includes(column)) return 'Data';
  return fieldOf(meta, column)?.fieldtype;
}
