import type { SqlSession } from '@dogan/tenants';

/**
 * Gapless, monotonic invoice numbers (`INV-2026-000001`): one counter row per sequence and year,
 * incremented with `UPDATE ... RETURNING` inside the transaction that issues the invoice. On
 * PostgreSQL the UPDATE holds the row lock until commit, so concurrent issues queue and a rolled-back
 * issue gives its number back; SQLite serialises writers anyway.
 */
export async function nextInvoiceNumber(tx: SqlSession, prefix: 'INV' | 'CN', year: number): Promise<string> {
  const name = `${prefix}-${year}`;
  await tx.run('INSERT INTO billing_invoice_sequences (name, last) VALUES (?, 0) ON CONFLICT (name) DO NOTHING', [name]);
  const rows = await tx.query<{ last: number | string }>('UPDATE billing_invoice_sequences SET last = last + 1 WHERE name = ? RETURNING last', [name]);
  const last = Number(rows[0]?.last);
  if (!Number.isSafeInteger(last) || last < 1) throw new Error(`invoice sequence ${name} did not advance`);
  return `${name}-${String(last).padStart(6, '0')}`;
}
