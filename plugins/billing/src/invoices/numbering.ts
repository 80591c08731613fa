/**
 * Gapless, monotonic invoice numbers (`INV-2026-000001`): one counter row per sequence and year,
 * incremented with `UPDATE ... RETURNING` inside the transaction that issues the invoice. On
 * PostgreSQL the UPDATE holds the row lock until commit, so concurrent issues queue and a rolled-back
 * issue gives its number back; SQLite serialises writers anyway.
 */
export type SqlExecutor = { execute(sql: string, params?: unknown[], method?: 'all' | 'run'): Promise<unknown> };

export async function nextInvoiceNumber(em: SqlExecutor, prefix: 'INV' | 'CN', year: number): Promise<string> {
  const name = `${prefix}-${year}`;
  await em.execute('INSERT INTO billing_invoice_sequences (name, last) VALUES (?, 0) ON CONFLICT (name) DO NOTHING', [name], 'run');
  const rows = (await em.execute('UPDATE billing_invoice_sequences SET last = last + 1 WHERE name = ? RETURNING last', [name], 'all')) as Array<{ last: unknown }>;
  const last = Number(rows[0]?.last);
  if (!Number.isSafeInteger(last) || last < 1) throw new Error(`invoice sequence ${name} did not advance`);
  return `${name}-${String(last).padStart(6, '0')}`;
}
