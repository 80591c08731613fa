import type { Locale } from '../store/template-store.js';
import { escapeHtml } from './render.js';

/**
 * The HTML document every message is sent as: `lang` and `dir` on the root (`dir="rtl"` for Arabic,
 * so mail clients lay the text out right to left and align it right), UTF-8 declared, and a body a
 * client that ignores `dir` still shows aligned right. A body that is already a whole document is
 * sent as its author wrote it.
 */
export function wrapHtml(body: string, locale: Locale, subject: string): string {
  if (/<html[\s>]/i.test(body)) return body;
  const dir = locale === 'ar' ? 'rtl' : 'ltr';
  const align = locale === 'ar' ? 'right' : 'left';
  const font = locale === 'ar' ? "Tahoma, 'Segoe UI', Arial, sans-serif" : "-apple-system, 'Segoe UI', Arial, sans-serif";
  return [
    '<!DOCTYPE html>',
    `<html lang="${locale}" dir="${dir}">`,
    `<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(subject)}</title></head>`,
    `<body dir="${dir}" style="margin:0;padding:0;background:#f6f7f9;">`,
    `<div dir="${dir}" style="direction:${dir};text-align:${align};font-family:${font};font-size:15px;line-height:1.6;color:#1f2328;max-width:640px;margin:0 auto;padding:24px;background:#ffffff;">`,
    body,
    '</div>',
    '</body>',
    '</html>',
  ].join('\n');
}

/** A text body as HTML: paragraphs and line breaks kept, everything escaped. */
export function textToHtml(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+\d*);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/**
 * The plain-text alternative of an HTML body, for clients (and filters) that read only text: block
 * elements become line breaks, links keep their address, list items a dash, the rest of the markup
 * goes, entities are decoded and runs of blank lines are squeezed.
 */
export function htmlToText(html: string): string {
  const body = /<body[^>]*>([\s\S]*)<\/body>/i.exec(html)?.[1] ?? html;
  const text = body
    .replace(/<(script|style|head|title)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<a\s[^>]*href\s*=\s*["']([^"']+)["'][^>]*>([\s\S]*?)<\/a>/gi, (_m, href: string, label: string) => {
      const shown = label.replace(/<[^>]+>/g, '').trim();
      return shown && shown !== href ? `${shown} (${href})` : href;
    })
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<li[^>]*>/gi, '\n- ')
    .replace(/<\/(p|div|h[1-6]|tr|table|ul|ol|blockquote|section|header|footer)>/gi, '\n\n')
    .replace(/<(td|th)[^>]*>/gi, ' ')
    .replace(/<[^>]+>/g, '');
  return decodeEntities(text)
    .replace(/[ \t\f\v\r]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
