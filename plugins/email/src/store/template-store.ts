import type { SqlSession } from '@dogan/tenants';

export type Locale = 'ar' | 'en';
export const LOCALES: readonly Locale[] = ['ar', 'en'];

/** One language of a template: a subject, and an HTML body, a text body or both. */
export interface TemplateBody {
  readonly subject: string;
  readonly html: string | null;
  readonly text: string | null;
}

export interface TemplateRecord {
  readonly name: string;
  readonly locales: Partial<Record<Locale, TemplateBody>>;
  readonly createdAt: number;
  readonly updatedAt: number;
}

type Row = { name: string; locale: string; subject: string; html: string | null; body_text: string | null; created_at: number | string; updated_at: number | string };

function group(rows: Row[]): TemplateRecord[] {
  const byName = new Map<string, { locales: Partial<Record<Locale, TemplateBody>>; createdAt: number; updatedAt: number }>();
  for (const r of rows) {
    const entry = byName.get(r.name) ?? { locales: {}, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) };
    entry.locales[r.locale as Locale] = { subject: r.subject, html: r.html ?? null, text: r.body_text ?? null };
    entry.createdAt = Math.min(entry.createdAt, Number(r.created_at));
    entry.updatedAt = Math.max(entry.updatedAt, Number(r.updated_at));
    byName.set(r.name, entry);
  }
  return [...byName.entries()].map(([name, e]) => ({ name, ...e }));
}

/** The `email_templates` table of one tenant database: a row per template and language. */
export const TemplateStore = {
  async list(db: SqlSession): Promise<TemplateRecord[]> {
    return group(await db.query<Row>('SELECT * FROM email_templates ORDER BY name, locale'));
  },

  async get(db: SqlSession, name: string): Promise<TemplateRecord | null> {
    return group(await db.query<Row>('SELECT * FROM email_templates WHERE name = ? ORDER BY locale', [name]))[0] ?? null;
  },

  async count(db: SqlSession): Promise<number> {
    const rows = await db.query<{ n: number | string }>('SELECT COUNT(DISTINCT name) AS n FROM email_templates');
    return Number(rows[0]?.n ?? 0);
  },

  /** Replaces every language of the template with `locales`, in one transaction. */
  async put(db: SqlSession, name: string, locales: Partial<Record<Locale, TemplateBody>>, now: number): Promise<void> {
    await db.transaction(async (tx) => {
      const before = await tx.query<{ c: number | string | null }>('SELECT MIN(created_at) AS c FROM email_templates WHERE name = ?', [name]);
      const createdAt = before[0]?.c === null || before[0]?.c === undefined ? now : Number(before[0].c);
      await tx.run('DELETE FROM email_templates WHERE name = ?', [name]);
      for (const locale of LOCALES) {
        const body = locales[locale];
        if (!body) continue;
        await tx.run('INSERT INTO email_templates (name, locale, subject, html, body_text, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
          name,
          locale,
          body.subject,
          body.html,
          body.text,
          createdAt,
          now,
        ]);
      }
    });
  },

  async remove(db: SqlSession, name: string): Promise<boolean> {
    return (await db.run('DELETE FROM email_templates WHERE name = ?', [name])) > 0;
  },
};
