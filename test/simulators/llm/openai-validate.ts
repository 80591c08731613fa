import type { Refusal } from './format.js';

/**
 * The request rules of `POST /v1/chat/completions`, checked before any script is used, so a client
 * bug shows up as the 400 OpenAI would send rather than as a happy scripted answer.
 *
 * Shapes follow openai-node `src/resources/chat/completions/completions.ts`
 * (ChatCompletionCreateParamsBase, ChatCompletion*MessageParam, ChatCompletionFunctionTool,
 * shared FunctionDefinition). Messages follow the texts OpenAI returns, as quoted in public bug
 * reports: "Missing parameter 'tool_call_id': messages with role 'tool' must have a 'tool_call_id'.",
 * "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with
 * 'tool_calls'." (their spelling), "An assistant message with 'tool_calls' must be followed by tool
 * messages responding to each 'tool_call_id'. …", each with `type: invalid_request_error`.
 */

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** How OpenAI names a JSON type in "expected a string, but got an object instead." */
function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a decimal';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

const refuse = (message: string, param: string | null, code: string | null): Refusal => ({
  status: 400,
  message,
  fields: { type: 'invalid_request_error', param, code },
});
const missing = (param: string): Refusal => refuse(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
const wrongType = (param: string, expected: string, got: unknown): Refusal =>
  refuse(`Invalid type for '${param}': expected ${expected}, but got ${kind(got)} instead.`, param, 'invalid_type');
const badValue = (param: string, value: unknown, supported: string[]): Refusal =>
  refuse(`Invalid value: '${String(value)}'. Supported values are: ${supported.map((s) => `'${s}'`).join(', ')}.`, param, 'invalid_value');

const ROLES = ['system', 'developer', 'user', 'assistant', 'tool'];
const USER_PARTS = ['text', 'image_url', 'input_audio', 'file'];
const NAME = /^[a-zA-Z0-9_-]+$/;

/** Content that must be a string or an array of parts whose `type` is one of `allowed`. */
function checkContent(content: unknown, param: string, allowed: string[]): Refusal | undefined {
  if (typeof content === 'string') return undefined;
  if (!Array.isArray(content)) return wrongType(param, 'one of a string or array of objects', content);
  for (const [j, part] of content.entries()) {
    const at = `${param}[${j}]`;
    if (!isObject(part)) return wrongType(at, 'an object', part);
    if (part.type === undefined) return missing(`${at}.type`);
    if (!allowed.includes(part.type as string)) return badValue(`${at}.type`, part.type, allowed);
    if (part.type === 'text' && typeof part.text !== 'string') return part.text === undefined ? missing(`${at}.text`) : wrongType(`${at}.text`, 'a string', part.text);
  }
  return undefined;
}

function checkToolCalls(calls: unknown, param: string): Refusal | undefined {
  if (!Array.isArray(calls)) return wrongType(param, 'an array', calls);
  for (const [j, call] of calls.entries()) {
    const at = `${param}[${j}]`;
    if (!isObject(call)) return wrongType(at, 'an object', call);
    if (typeof call.id !== 'string') return call.id === undefined ? missing(`${at}.id`) : wrongType(`${at}.id`, 'a string', call.id);
    if (call.type !== 'function') return call.type === undefined ? missing(`${at}.type`) : badValue(`${at}.type`, call.type, ['function']);
    const fn = call.function;
    if (!isObject(fn)) return fn === undefined ? missing(`${at}.function`) : wrongType(`${at}.function`, 'an object', fn);
    if (typeof fn.name !== 'string') return fn.name === undefined ? missing(`${at}.function.name`) : wrongType(`${at}.function.name`, 'a string', fn.name);
    // A favourite client bug: sending back the parsed arguments object instead of the JSON string.
    if (typeof fn.arguments !== 'string') return fn.arguments === undefined ? missing(`${at}.function.arguments`) : wrongType(`${at}.function.arguments`, 'a string', fn.arguments);
  }
  return undefined;
}

function checkMessage(m: unknown, i: number): Refusal | undefined {
  const at = `messages[${i}]`;
  if (!isObject(m)) return wrongType(at, 'an object', m);
  if (m.role === undefined) return missing(`${at}.role`);
  if (!ROLES.includes(m.role as string)) return badValue(`${at}.role`, m.role, ROLES);
  switch (m.role) {
    case 'system':
    case 'developer':
      return m.content === undefined ? missing(`${at}.content`) : checkContent(m.content, `${at}.content`, ['text']);
    case 'user':
      return m.content === undefined ? missing(`${at}.content`) : checkContent(m.content, `${at}.content`, USER_PARTS);
    case 'tool':
      if (typeof m.tool_call_id !== 'string') {
        return refuse("Missing parameter 'tool_call_id': messages with role 'tool' must have a 'tool_call_id'.", `messages.[${i}].tool_call_id`, null);
      }
      return m.content === undefined ? missing(`${at}.content`) : checkContent(m.content, `${at}.content`, ['text']);
    default: {
      // assistant: content may be null or absent only when the message carries tool calls.
      const hasCalls = Array.isArray(m.tool_calls) && m.tool_calls.length > 0;
      if (m.tool_calls !== undefined && m.tool_calls !== null) {
        const bad = checkToolCalls(m.tool_calls, `${at}.tool_calls`);
        if (bad) return bad;
      }
      if (m.content === undefined || m.content === null) {
        return hasCalls ? undefined : refuse("Invalid value for 'content': expected a string, got null.", `${at}.content`, null);
      }
      return checkContent(m.content, `${at}.content`, ['text', 'refusal']);
    }
  }
}

/** Every tool message answers a call of the assistant message just before it, and every call is answered. */
function checkToolPairing(messages: Json[]): Refusal | undefined {
  let pending: Set<string> | undefined;
  const unanswered = (i: number): Refusal =>
    refuse(
      `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...pending!].join(', ')}`,
      `messages.[${i}].role`,
      null,
    );
  for (const [i, m] of messages.entries()) {
    if (m.role === 'tool') {
      const id = m.tool_call_id as string;
      if (!pending?.has(id)) return refuse("Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.", `messages.[${i}].role`, null);
      pending.delete(id);
      continue;
    }
    if (pending && pending.size > 0) return unanswered(i);
    pending = m.role === 'assistant' && Array.isArray(m.tool_calls) ? new Set((m.tool_calls as Json[]).map((c) => c.id as string)) : undefined;
  }
  return pending && pending.size > 0 ? unanswered(messages.length) : undefined;
}

function checkTools(tools: unknown): Refusal | undefined {
  if (!Array.isArray(tools)) return wrongType('tools', 'an array', tools);
  if (tools.length === 0) return refuse("Invalid 'tools': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'tools', 'empty_array');
  for (const [i, tool] of tools.entries()) {
    const at = `tools[${i}]`;
    if (!isObject(tool)) return wrongType(at, 'an object', tool);
    if (tool.type === undefined) return missing(`${at}.type`);
    // `custom` tools exist too (ChatCompletionCustomTool); our agents use function tools only, so the simulator does not model them.
    if (tool.type !== 'function') return badValue(`${at}.type`, tool.type, ['function']);
    const fn = tool.function;
    if (!isObject(fn)) return fn === undefined ? missing(`${at}.function`) : wrongType(`${at}.function`, 'an object', fn);
    if (typeof fn.name !== 'string') return fn.name === undefined ? missing(`${at}.function.name`) : wrongType(`${at}.function.name`, 'a string', fn.name);
    if (!NAME.test(fn.name)) {
      return refuse(`Invalid '${at}.function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`, `${at}.function.name`, 'invalid_value');
    }
    if (fn.name.length > 64) {
      return refuse(`Invalid '${at}.function.name': string too long. Expected a string with maximum length 64, but got a string with length ${fn.name.length} instead.`, `${at}.function.name`, 'string_above_max_length');
    }
    if (fn.description !== undefined && typeof fn.description !== 'string') return wrongType(`${at}.function.description`, 'a string', fn.description);
    if (fn.parameters !== undefined && !isObject(fn.parameters)) return wrongType(`${at}.function.parameters`, 'an object', fn.parameters);
  }
  return undefined;
}

export function validateChatRequest(body: unknown): Refusal | undefined {
  if (!isObject(body)) {
    return refuse("We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)", null, null);
  }
  if (body.model === undefined) return refuse('you must provide a model parameter', null, null);
  if (typeof body.model !== 'string') return wrongType('model', 'a string', body.model);
  if (body.messages === undefined) return missing('messages');
  if (!Array.isArray(body.messages)) return wrongType('messages', 'an array', body.messages);
  if (body.messages.length === 0) return refuse("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'messages', 'empty_array');
  for (const [i, m] of body.messages.entries()) {
    const bad = checkMessage(m, i);
    if (bad) return bad;
  }
  const pairing = checkToolPairing(body.messages as Json[]);
  if (pairing) return pairing;
  if (body.tools !== undefined && body.tools !== null) {
    const bad = checkTools(body.tools);
    if (bad) return bad;
  }
  if (body.tool_choice !== undefined && body.tool_choice !== null && (body.tools === undefined || body.tools === null)) {
    return refuse("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.", 'tool_choice', null);
  }
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') return wrongType('stream', 'a boolean', body.stream);
  if (body.stream_options !== undefined && body.stream_options !== null && body.stream !== true) {
    return refuse("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options', null);
  }
  return undefined;
}
