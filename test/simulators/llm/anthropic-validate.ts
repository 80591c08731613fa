import type { Refusal } from './format.js';

/**
 * The request rules of `POST /v1/messages`, checked before any script is used so that a client bug
 * is the 400 Anthropic would send. Shapes follow anthropic-sdk-typescript
 * `src/resources/messages/messages.ts` (MessageCreateParamsBase: `model`, `max_tokens`, `messages`,
 * `system?: string | TextBlockParam[]`, `tools?: Tool[]` with `name`, `description?`, `input_schema`;
 * ToolUseBlockParam, ToolResultBlockParam). Message texts are Anthropic's, as quoted in public bug
 * reports ("messages.5: `tool_use` ids were found without `tool_result` blocks immediately after: …",
 * "messages.0.content.0: unexpected `tool_use_id` found in `tool_result` blocks: …",
 * "tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'").
 *
 * One rule is stricter than today's API: turns must alternate user/assistant, starting with user.
 * The live API merges consecutive same-role turns (the SDK's `messages` doc says so); the simulator
 * refuses them, as the API once did, so clients keep to the form every version accepts and tool
 * results always sit in the turn right after their tool calls.
 */

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const refuse = (message: string): Refusal => ({ status: 400, message, fields: { type: 'invalid_request_error' } });

const BLOCKS = ['text', 'image', 'document', 'tool_use', 'tool_result', 'thinking', 'redacted_thinking', 'search_result'];
const RESULT_BLOCKS = ['text', 'image', 'document', 'search_result'];
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

function checkText(block: Json, at: string): Refusal | undefined {
  if (typeof block.text !== 'string') return refuse(block.text === undefined ? `${at}.text: Field required` : `${at}.text: Input should be a valid string`);
  if (block.text === '') return refuse('messages: text content blocks must be non-empty');
  return undefined;
}

function checkBlock(block: unknown, at: string, role: string, allowed: string[]): Refusal | undefined {
  if (!isObject(block)) return refuse(`${at}: Input should be a valid dictionary`);
  if (block.type === undefined) return refuse(`${at}.type: Field required`);
  if (!allowed.includes(block.type as string)) {
    return refuse(`${at}: Input tag '${String(block.type)}' found using 'type' does not match any of the expected tags: ${allowed.map((t) => `'${t}'`).join(', ')}`);
  }
  switch (block.type) {
    case 'text':
      return checkText(block, at);
    case 'tool_use':
      if (role !== 'assistant') return refuse(`${at}: \`tool_use\` blocks can only be in \`assistant\` messages`);
      if (typeof block.id !== 'string') return refuse(`${at}.id: Field required`);
      if (typeof block.name !== 'string') return refuse(`${at}.name: Field required`);
      // The input goes back as the object the model produced, not as JSON text.
      if (!isObject(block.input)) return refuse(`${at}.input: Input should be a valid dictionary`);
      return undefined;
    case 'tool_result':
      if (role !== 'user') return refuse(`${at}: \`tool_result\` blocks can only be in \`user\` messages`);
      if (typeof block.tool_use_id !== 'string') return refuse(`${at}.tool_use_id: Field required`);
      if (block.is_error !== undefined && typeof block.is_error !== 'boolean') return refuse(`${at}.is_error: Input should be a valid boolean`);
      if (block.content === undefined || typeof block.content === 'string') return undefined;
      if (!Array.isArray(block.content)) return refuse(`${at}.content: Input should be a valid list`);
      for (const [k, inner] of block.content.entries()) {
        const bad = checkBlock(inner, `${at}.content.${k}`, role, RESULT_BLOCKS);
        if (bad) return bad;
      }
      return undefined;
    default:
      return undefined;
  }
}

function checkMessage(m: unknown, i: number, isLast: boolean): Refusal | undefined {
  const at = `messages.${i}`;
  if (!isObject(m)) return refuse(`${at}: Input should be a valid dictionary`);
  if (m.role !== 'user' && m.role !== 'assistant') {
    return refuse(m.role === undefined ? `${at}.role: Field required` : `${at}.role: Input should be 'user' or 'assistant'`);
  }
  if (m.content === undefined) return refuse(`${at}.content: Field required`);
  const empty = m.content === '' || (Array.isArray(m.content) && m.content.length === 0);
  if (empty && !(isLast && m.role === 'assistant')) {
    return refuse(`${at}: all messages must have non-empty content except for the optional final assistant message`);
  }
  if (typeof m.content === 'string') return undefined;
  if (!Array.isArray(m.content)) return refuse(`${at}.content: Input should be a valid string or a valid list`);
  for (const [j, block] of m.content.entries()) {
    const bad = checkBlock(block, `${at}.content.${j}`, m.role, BLOCKS);
    if (bad) return bad;
  }
  return undefined;
}

const blocksOf = (m: Json, type: string): Json[] => (Array.isArray(m.content) ? (m.content as Json[]).filter((b) => b.type === type) : []);

/** Tool results answer the tool_use blocks of the message just before, and every tool_use is answered in the next. */
function checkToolPairing(messages: Json[]): Refusal | undefined {
  for (const [i, m] of messages.entries()) {
    if (m.role === 'user') {
      const offered = new Set(i > 0 ? blocksOf(messages[i - 1]!, 'tool_use').map((b) => b.id) : []);
      for (const [j, block] of (Array.isArray(m.content) ? (m.content as Json[]) : []).entries()) {
        if (block.type === 'tool_result' && !offered.has(block.tool_use_id)) {
          return refuse(`messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(block.tool_use_id)}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`);
        }
      }
    }
    const next = messages[i + 1];
    if (m.role === 'assistant' && next) {
      const answered = new Set(blocksOf(next, 'tool_result').map((b) => b.tool_use_id));
      const open = blocksOf(m, 'tool_use').map((b) => b.id as string).filter((id) => !answered.has(id));
      if (open.length > 0) {
        return refuse(`messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${open.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`);
      }
    }
  }
  return undefined;
}

function checkSystem(system: unknown): Refusal | undefined {
  if (typeof system === 'string') return undefined;
  if (!Array.isArray(system)) return refuse('system: Input should be a valid string or a valid list');
  for (const [j, block] of system.entries()) {
    if (!isObject(block)) return refuse(`system.${j}: Input should be a valid dictionary`);
    if (block.type !== 'text') return refuse(`system.${j}.type: Input should be 'text'`);
    const bad = checkText(block, `system.${j}`);
    if (bad) return bad;
  }
  return undefined;
}

function checkTools(tools: unknown): Refusal | undefined {
  if (!Array.isArray(tools)) return refuse('tools: Input should be a valid list');
  for (const [i, tool] of tools.entries()) {
    const at = `tools.${i}`;
    if (!isObject(tool)) return refuse(`${at}: Input should be a valid dictionary`);
    // Server tools (web search, code execution…) carry a versioned `type`; the simulator models client tools only.
    if (tool.type !== undefined && tool.type !== null && tool.type !== 'custom') return refuse(`${at}.type: the LLM simulator only models client tools (type 'custom' or absent), got '${String(tool.type)}'`);
    if (typeof tool.name !== 'string') return refuse(`${at}.custom.name: Field required`);
    if (!TOOL_NAME.test(tool.name)) return refuse(`${at}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`);
    if (tool.description !== undefined && typeof tool.description !== 'string') return refuse(`${at}.custom.description: Input should be a valid string`);
    // OpenAI's `parameters` under the Anthropic name is a classic porting slip: input_schema is required.
    if (!isObject(tool.input_schema)) return refuse(tool.input_schema === undefined ? `${at}.custom.input_schema: Field required` : `${at}.custom.input_schema: Input should be a valid dictionary`);
    if (tool.input_schema.type !== 'object') return refuse(`${at}.custom.input_schema.type: Input should be 'object'`);
  }
  return undefined;
}

function checkToolChoice(choice: unknown, hasTools: boolean): Refusal | undefined {
  if (!isObject(choice)) return refuse('tool_choice: Input should be a valid dictionary');
  if (!['auto', 'any', 'tool', 'none'].includes(choice.type as string)) return refuse("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'");
  if (choice.type === 'tool' && typeof choice.name !== 'string') return refuse('tool_choice.tool.name: Field required');
  if ((choice.type === 'any' || choice.type === 'tool') && !hasTools) return refuse('tool_choice: tools must be provided when tool_choice is any or tool');
  return undefined;
}

export function validateMessagesRequest(body: unknown): Refusal | undefined {
  if (!isObject(body)) return refuse('There was an issue with your request body: it is not a valid JSON object.');
  if (body.model === undefined) return refuse('model: Field required');
  if (typeof body.model !== 'string') return refuse('model: Input should be a valid string');
  if (body.max_tokens === undefined) return refuse('max_tokens: Field required');
  if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens)) return refuse('max_tokens: Input should be a valid integer');
  if (body.max_tokens < 1) return refuse('max_tokens: Input should be greater than or equal to 1');
  if (body.messages === undefined) return refuse('messages: Field required');
  if (!Array.isArray(body.messages)) return refuse('messages: Input should be a valid list');
  if (body.messages.length === 0) return refuse('messages: at least one message is required');
  for (const [i, m] of body.messages.entries()) {
    const bad = checkMessage(m, i, i === body.messages.length - 1);
    if (bad) return bad;
  }
  const messages = body.messages as Json[];
  if (messages[0]!.role !== 'user') return refuse('messages: first message must use the "user" role');
  for (let i = 1; i < messages.length; i++) {
    if (messages[i]!.role === messages[i - 1]!.role) {
      return refuse(`messages: roles must alternate between "user" and "assistant", but found multiple "${String(messages[i]!.role)}" roles in a row`);
    }
  }
  const pairing = checkToolPairing(messages);
  if (pairing) return pairing;
  if (body.system !== undefined) {
    const bad = checkSystem(body.system);
    if (bad) return bad;
  }
  if (body.tools !== undefined) {
    const bad = checkTools(body.tools);
    if (bad) return bad;
  }
  if (body.tool_choice !== undefined) {
    const bad = checkToolChoice(body.tool_choice, Array.isArray(body.tools) && body.tools.length > 0);
    if (bad) return bad;
  }
  if (body.stream !== undefined && typeof body.stream !== 'boolean') return refuse('stream: Input should be a valid boolean');
  return undefined;
}
