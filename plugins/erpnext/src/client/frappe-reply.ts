/**
 * Reading what Frappe says in an answer's body, per `frappe/utils/response.py`:
 *  - v1 errors: `exc_type` (the exception's class name), `exception` (the traceback's last line,
 *    only for system users when tracebacks are allowed), `exc` (the traceback), and
 *    `_server_messages`: a JSON string of a list of JSON strings, each an object with `message`.
 *  - v2 errors: `errors: [{ type, message?, title?, exception? }]`, and `messages: [{ message }]`.
 *  - success: `data` (documents, v2 methods) or `message` (v1 methods).
 */

/** Keys Frappe may put in a JSON answer besides `data` and `message`, so `{}` and these alone are still Frappe. */
const FRAPPE_KEYS = new Set(['_server_messages', 'exc', 'exc_type', 'exception', '_exc_source', '_debug_messages', '_error_message', 'docs', 'messages', 'debug', 'errors', 'has_next_page', 'home_page', 'full_name']);

export interface FrappeFault {
  /** The exception's class name (`ValidationError`), when the answer names one. */
  readonly excType?: string;
  /** The server's words, HTML stripped, the one to show first. */
  readonly messages: string[];
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True for a JSON body Frappe could have written: an object whose keys are all Frappe's (an empty object is a method that returned None). */
export function isFrappeShaped(body: unknown): body is Record<string, unknown> {
  return isRecord(body) && Object.keys(body).every((k) => k === 'data' || k === 'message' || FRAPPE_KEYS.has(k));
}

const ERROR_KEYS = ['exc_type', 'exception', 'exc', '_server_messages', 'errors'];

/** True for an error body Frappe wrote: it names the exception or carries messages (other keys may come and go between versions). */
export function isFrappeError(body: unknown): body is Record<string, unknown> {
  return isRecord(body) && (ERROR_KEYS.some((k) => k in body) || isFrappeShaped(body));
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'", nbsp: ' ' };

/** Messages are HTML (`<b>`, `<br>`, links to documents): our problems carry plain text. */
export function stripHtml(text: string): string {
  return text
    .replace(/<br\s*\/?>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&(amp|lt|gt|quot|#39|apos|nbsp);/g, (_, e: string) => ENTITIES[e] ?? '')
    .replace(/\s+/g, ' ')
    .trim();
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `_server_messages`, decoded twice; entries that are not JSON are taken as text (older Frappe). */
function serverMessages(raw: unknown): Array<{ text: string; raised: boolean }> {
  if (typeof raw !== 'string') return [];
  const list = parseJson(raw);
  if (!Array.isArray(list)) return [];
  const out: Array<{ text: string; raised: boolean }> = [];
  for (const entry of list) {
    const item = typeof entry === 'string' ? (parseJson(entry) ?? entry) : entry;
    if (typeof item === 'string') out.push({ text: stripHtml(item), raised: false });
    else if (isRecord(item) && typeof item.message === 'string') out.push({ text: stripHtml(item.message), raised: Boolean(item.raise_exception) });
  }
  return out.filter((m) => m.text.length > 0);
}

/** `frappe.exceptions.ValidationError: Value missing` → `ValidationError`, `Value missing`. */
function splitException(line: unknown): { type?: string; text?: string } {
  if (typeof line !== 'string' || line.length === 0) return {};
  const m = /^((?:[A-Za-z_]\w*\.)*)([A-Za-z_]\w*): (.*)$/s.exec(line);
  if (m && (m[1] || /(Error|Exception)$/.test(m[2]!))) return { type: m[2]!, text: stripHtml(m[3]!) };
  return { text: stripHtml(line) };
}

function v2Messages(body: Record<string, unknown>): { first?: string; rest: string[] } {
  const text = (m: unknown) => (isRecord(m) && typeof m.message === 'string' ? stripHtml(m.message) : '');
  const first = Array.isArray(body.errors) ? text(body.errors[0]) : '';
  const rest = Array.isArray(body.messages) ? body.messages.map(text).filter(Boolean) : [];
  return { ...(first ? { first } : {}), rest };
}

/**
 * What went wrong, as the server told it. The message is, in order of preference, the raising entry
 * of `_server_messages` (then the others), the `exception` line without its class prefix, v2's
 * `errors[0].message`, or a bare `message` (as a failed login answers).
 */
export function readFault(body: unknown): FrappeFault {
  if (!isRecord(body)) return { messages: [] };
  const server = serverMessages(body._server_messages);
  const v2 = v2Messages(body);
  const exception = splitException(body.exception);
  const v2Type = Array.isArray(body.errors) && isRecord(body.errors[0]) && typeof body.errors[0].type === 'string' ? body.errors[0].type : undefined;
  const excType = typeof body.exc_type === 'string' ? body.exc_type : (v2Type ?? exception.type);
  const said = [...server.filter((m) => m.raised), ...server.filter((m) => !m.raised)].map((m) => m.text);
  const candidates = [...said, exception.text, v2.first, ...v2.rest, typeof body.message === 'string' ? stripHtml(body.message) : undefined];
  const messages = [...new Set(candidates.filter((m): m is string => typeof m === 'string' && m.length > 0))].slice(0, 20);
  return { ...(excType ? { excType } : {}), messages };
}
