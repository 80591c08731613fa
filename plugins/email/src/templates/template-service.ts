import type { Tenant, TenantData } from '@dogan/tenants';
import { EmailErrors } from '../errors.js';
import { LOCALES, TemplateStore, type Locale, type TemplateBody, type TemplateRecord } from '../store/template-store.js';
import { BUILTIN_TEMPLATES, builtinBody, isBuiltinTemplate } from './builtin.js';
import { htmlToText, textToHtml, wrapHtml } from './layout.js';
import type { Localization } from './localization.js';
import { parseTemplate, renderTemplate, TemplateSyntaxError } from './render.js';

export const TEMPLATE_NAME = /^[a-z][a-z0-9_-]{0,63}$/;
/** A tenant with more templates than this is better served by a conversation than a form. */
export const MAX_TEMPLATES = 200;
export const MAX_SUBJECT = 500;
export const MAX_HTML = 256 * 1024;
export const MAX_TEXT = 128 * 1024;

/** A template as the API shows it. */
export interface TemplateView {
  readonly name: string;
  /** A platform notice (read-only), or one of the tenant's. */
  readonly builtin: boolean;
  readonly locales: Partial<Record<Locale, TemplateBody>>;
  readonly updatedAt: string | null;
}

/** What to render: a template by name with data, or a subject and body given as they are. */
export interface RenderInput {
  readonly template?: string;
  readonly data?: Record<string, unknown>;
  readonly subject?: string;
  readonly html?: string;
  readonly text?: string;
  readonly locale: Locale;
}

/** A message ready to send: the HTML a whole document, always with its text alternative. */
export interface RenderedMessage {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  /** The language rendered: the one asked for, or the template's other one when it has only that. */
  readonly locale: Locale;
  readonly template: string | null;
}

const builtinView = (name: keyof typeof BUILTIN_TEMPLATES): TemplateView => ({
  name,
  builtin: true,
  locales: Object.fromEntries(LOCALES.map((l) => [l, builtinBody(name, l)])),
  updatedAt: null,
});
const tenantView = (r: TemplateRecord): TemplateView => ({ name: r.name, builtin: false, locales: r.locales, updatedAt: new Date(r.updatedAt).toISOString() });

/** Subjects are one header line: line breaks (which could start another header) become spaces. */
const oneLine = (s: string) => s.replace(/[\r\n\t]+/g, ' ').trim().slice(0, 998);

/**
 * Templates: the platform's notices and each tenant's own, in Arabic and English, rendered with the
 * tenant's formatting into a whole HTML document (right to left in Arabic) with a text alternative.
 */
export class TemplateService {
  /** Parsed templates by source: the built-ins and a tenant's templates parse once per node, not per message. */
  private readonly parsed = new Map<string, ReturnType<typeof parseTemplate>>();

  constructor(
    private readonly data: TenantData,
    private readonly localization: Localization,
  ) {}

  private parse(source: string, allowRaw: boolean) {
    const key = `${allowRaw ? 'r' : 's'}${source}`;
    let nodes = this.parsed.get(key);
    if (!nodes) {
      nodes = parseTemplate(source, { allowRaw });
      if (this.parsed.size > 2000) this.parsed.clear();
      this.parsed.set(key, nodes);
    }
    return nodes;
  }

  async list(tenant: Tenant): Promise<TemplateView[]> {
    const own = await TemplateStore.list(await this.data.of(tenant));
    return [...Object.keys(BUILTIN_TEMPLATES).map((n) => builtinView(n as keyof typeof BUILTIN_TEMPLATES)), ...own.map(tenantView)];
  }

  async get(tenant: Tenant, name: string): Promise<TemplateView> {
    if (isBuiltinTemplate(name)) return builtinView(name);
    const found = TEMPLATE_NAME.test(name) ? await TemplateStore.get(await this.data.of(tenant), name) : null;
    if (!found) throw EmailErrors.EMAIL_TEMPLATE_NOT_FOUND(name.slice(0, 64));
    return tenantView(found);
  }

  /** Checks every language's subject and bodies (syntax, sizes, no `{{{...}}}`), then replaces the template. */
  async put(tenant: Tenant, name: string, locales: Partial<Record<Locale, TemplateBody>>): Promise<TemplateView> {
    if (!TEMPLATE_NAME.test(name)) throw EmailErrors.EMAIL_TEMPLATE_INVALID(JSON.stringify(name.slice(0, 64)), 'a name is 1 to 64 lower-case letters, digits, - and _, starting with a letter');
    if (isBuiltinTemplate(name)) throw EmailErrors.EMAIL_TEMPLATE_RESERVED(name);
    const given = LOCALES.filter((l) => locales[l]);
    if (given.length === 0) throw EmailErrors.EMAIL_TEMPLATE_INVALID(name, 'give at least one language, ar or en');
    for (const locale of given) this.check(name, locale, locales[locale]!);
    const db = await this.data.of(tenant);
    if (!(await TemplateStore.get(db, name)) && (await TemplateStore.count(db)) >= MAX_TEMPLATES) throw EmailErrors.EMAIL_TEMPLATE_LIMIT(MAX_TEMPLATES);
    await TemplateStore.put(db, name, locales, Date.now());
    return this.get(tenant, name);
  }

  async remove(tenant: Tenant, name: string): Promise<void> {
    if (isBuiltinTemplate(name)) throw EmailErrors.EMAIL_TEMPLATE_RESERVED(name);
    if (!TEMPLATE_NAME.test(name) || !(await TemplateStore.remove(await this.data.of(tenant), name))) throw EmailErrors.EMAIL_TEMPLATE_NOT_FOUND(name.slice(0, 64));
  }

  private check(name: string, locale: Locale, body: TemplateBody): void {
    const where = `${name} (${locale})`;
    if (!body.subject?.trim()) throw EmailErrors.EMAIL_TEMPLATE_INVALID(where, 'needs a subject');
    if (!body.html && !body.text) throw EmailErrors.EMAIL_TEMPLATE_INVALID(where, 'needs an html or a text body, or both');
    const parts: Array<[string, string | null, number]> = [
      ['subject', body.subject, MAX_SUBJECT],
      ['html', body.html, MAX_HTML],
      ['text', body.text, MAX_TEXT],
    ];
    for (const [part, source, max] of parts) {
      if (source === null) continue;
      if (source.length > max) throw EmailErrors.EMAIL_TEMPLATE_INVALID(where, `its ${part} is longer than ${max} characters`);
      try {
        parseTemplate(source, { allowRaw: false });
      } catch (err) {
        if (err instanceof TemplateSyntaxError) throw EmailErrors.EMAIL_TEMPLATE_INVALID.with({ part }, where, `its ${part}: ${err.message}`);
        throw err;
      }
    }
  }

  /** The body to render in `locale` (or the template's other language), and whether it may hold raw HTML. */
  private async body(tenant: Tenant, name: string, locale: Locale): Promise<{ body: TemplateBody; locale: Locale; builtin: boolean }> {
    if (isBuiltinTemplate(name)) return { body: builtinBody(name, locale), locale, builtin: true };
    const found = TEMPLATE_NAME.test(name) ? await TemplateStore.get(await this.data.of(tenant), name) : null;
    if (!found) throw EmailErrors.EMAIL_TEMPLATE_NOT_FOUND(name.slice(0, 64));
    const chosen = found.locales[locale] ? locale : LOCALES.find((l) => found.locales[l])!;
    return { body: found.locales[chosen]!, locale: chosen, builtin: false };
  }

  /** Renders a message; a subject and body given as they are are not templates (their braces stay braces). */
  async render(tenant: Tenant, input: RenderInput): Promise<RenderedMessage> {
    if (!input.template) {
      const subject = oneLine(input.subject ?? '');
      if (!subject) throw EmailErrors.EMAIL_MESSAGE_INVALID('give a subject, or a template');
      if (!input.html && !input.text) throw EmailErrors.EMAIL_MESSAGE_INVALID('give an html or a text body (or both), or a template');
      const fragment = input.html ?? textToHtml(input.text!);
      return { subject, html: wrapHtml(fragment, input.locale, subject), text: input.text ?? htmlToText(fragment), locale: input.locale, template: null };
    }
    const { body, locale, builtin } = await this.body(tenant, input.template, input.locale);
    const { formatter } = await this.localization.forTenant(tenant, locale);
    const data = input.data ?? {};
    const render = (source: string, html: boolean) => {
      try {
        return renderTemplate(this.parse(source, builtin), data, { html, formatter });
      } catch (err) {
        if (err instanceof TemplateSyntaxError) throw EmailErrors.EMAIL_TEMPLATE_INVALID(input.template!, err.message);
        throw err;
      }
    };
    const subject = oneLine(render(body.subject, false));
    if (!subject) throw EmailErrors.EMAIL_MESSAGE_INVALID(`the template ${input.template} renders an empty subject with this data`);
    const fragment = body.html !== null ? render(body.html, true) : textToHtml(render(body.text!, false));
    const text = body.text !== null ? render(body.text, false) : htmlToText(fragment);
    return { subject, html: wrapHtml(fragment, locale, subject), text, locale, template: input.template };
  }
}
