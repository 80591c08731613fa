import t, { type Test } from 'tap';
import { startLlmSimulator, type LlmSimulator } from './llm/index.js';

// Self-test of the LLM simulator. The shapes asserted here are the ones declared in the providers'
// SDKs (openai-node src/resources/chat/completions/completions.ts; anthropic-sdk-typescript
// src/resources/messages/messages.ts), so agent tests can trust what the simulator sends.

type Json = Record<string, any>;

interface Call {
  status: number;
  headers: Headers;
  text: string;
  body: Json;
}

async function call(url: string, headers: Record<string, string>, body: unknown, method = 'POST'): Promise<Call> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: method === 'GET' ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: Json = {};
  try {
    parsed = JSON.parse(text);
  } catch {
    // streams and raw bodies
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

const openai = (llm: LlmSimulator, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${llm.apiKey}` }) =>
  call(`${llm.url}/v1/chat/completions`, headers, body);

const anthropic = (llm: LlmSimulator, body: unknown, headers: Record<string, string> = { 'x-api-key': llm.apiKey, 'anthropic-version': '2023-06-01' }) =>
  call(`${llm.url}/v1/messages`, headers, body);

/** A tiny SSE reader: events end at a blank line; `event:` names the event, `data:` lines carry the payload. */
function readSse(text: string): Array<{ event: string | null; data: string }> {
  return text
    .split(/\r?\n\r?\n/)
    .filter((block) => block.trim() !== '')
    .map((block) => {
      let event: string | null = null;
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      return { event, data: data.join('\n') };
    });
}

async function simulator(t: Test): Promise<LlmSimulator> {
  const llm = await startLlmSimulator();
  t.teardown(() => llm.close());
  return llm;
}

const CUSTOMER_TOOL = {
  type: 'function',
  function: { name: 'lookup_customer', description: 'Find a customer by name', parameters: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
};
const ANTHROPIC_TOOL = { name: 'lookup_customer', description: 'Find a customer by name', input_schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } };

t.test('OpenAI: a scripted text reply is a chat.completion with rough usage', async (t) => {
  const llm = await simulator(t);
  llm.script({ text: 'Hello there' });
  const res = await openai(llm, { model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello' }] });
  t.equal(res.status, 200);
  t.match(res.headers.get('x-request-id'), /^req_/);
  t.match(res.body, { object: 'chat.completion', model: 'gpt-4o-mini', created: Number });
  t.match(res.body.id, /^chatcmpl-/);
  t.same(res.body.choices, [{ index: 0, message: { role: 'assistant', content: 'Hello there', refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }]);
  // chars/4 rounded up: "Be brief.\nSay hello" is 19 characters, "Hello there" 11.
  t.match(res.body.usage, { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 });
  t.equal(llm.requests.length, 1);
  t.match(llm.requests[0], { format: 'openai', body: { model: 'gpt-4o-mini' }, headers: { authorization: `Bearer ${llm.apiKey}` }, at: Number });
  t.same(llm.unscripted, []);
});

t.test('OpenAI: tool calls as JSON-string arguments, and streamed in pieces', async (t) => {
  const llm = await simulator(t);
  const args = { name: 'Acme Trading LLC', city: 'Riyadh' };
  llm.script({ toolCalls: [{ name: 'lookup_customer', arguments: args }], usage: { input: 50, output: 7 } });
  const messages = [{ role: 'user', content: 'Who is Acme?' }];
  const plain = await openai(llm, { model: 'gpt-4o', messages, tools: [CUSTOMER_TOOL] });
  const choice = plain.body.choices[0];
  t.equal(choice.finish_reason, 'tool_calls');
  t.equal(choice.message.content, null);
  t.match(choice.message.tool_calls, [{ id: /^call_[A-Za-z0-9]{24}$/, type: 'function', function: { name: 'lookup_customer', arguments: String } }]);
  t.same(JSON.parse(choice.message.tool_calls[0].function.arguments), args);
  t.same(plain.body.usage, { ...plain.body.usage, prompt_tokens: 50, completion_tokens: 7, total_tokens: 57 });

  const second = { region: 'Gulf', tags: ['vip', 'wholesale'] };
  llm.script({ text: 'Let me check both.', toolCalls: [{ id: 'call_given', name: 'lookup_customer', arguments: args }, { name: 'lookup_customer', arguments: second }] });
  const streamed = await openai(llm, { model: 'gpt-4o', messages, tools: [CUSTOMER_TOOL], stream: true, stream_options: { include_usage: true } });
  t.equal(streamed.status, 200);
  t.match(streamed.headers.get('content-type'), /^text\/event-stream/);
  const events = readSse(streamed.text);
  t.ok(events.every((e) => e.event === null), 'OpenAI sends no event: lines');
  t.equal(events.at(-1)!.data, '[DONE]');
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
  t.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0].id));
  t.same(chunks[0].choices[0].delta, { role: 'assistant', content: '', refusal: null });

  const usageChunk = chunks.at(-1);
  t.same(usageChunk.choices, []);
  t.match(usageChunk.usage, { prompt_tokens: Number, completion_tokens: Number, total_tokens: Number });
  const withChoices = chunks.slice(0, -1);
  t.ok(withChoices.every((c) => c.usage === null), 'usage is null on every chunk but the last');
  t.equal(withChoices.at(-1).choices[0].finish_reason, 'tool_calls');

  let content = '';
  const calls: Array<{ id?: string; name?: string; arguments: string; pieces: number }> = [];
  for (const c of withChoices) {
    const delta = c.choices[0].delta;
    if (delta.content) content += delta.content;
    for (const tc of delta.tool_calls ?? []) {
      const slot = (calls[tc.index] ??= { arguments: '', pieces: 0 });
      if (tc.id) slot.id = tc.id;
      if (tc.function?.name) slot.name = tc.function.name;
      if (tc.function?.arguments) {
        slot.arguments += tc.function.arguments;
        slot.pieces++;
      }
    }
  }
  t.equal(content, 'Let me check both.');
  t.equal(calls.length, 2);
  t.equal(calls[0]!.id, 'call_given');
  t.match(calls[1]!.id, /^call_/);
  t.ok(calls.every((c) => c.pieces > 1), 'arguments arrive split over several chunks');
  t.same(JSON.parse(calls[0]!.arguments), args);
  t.same(JSON.parse(calls[1]!.arguments), second);
});

t.test('OpenAI: requests are checked as OpenAI checks them, before any script is used', async (t) => {
  const llm = await simulator(t);
  llm.script({ text: 'still here' });
  const call1 = { id: 'call_1', type: 'function', function: { name: 'lookup_customer', arguments: '{"name":"Acme"}' } };

  const wrongKey = await openai(llm, { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }, { authorization: 'Bearer sk-wrong-key-123456' });
  t.equal(wrongKey.status, 401);
  t.match(wrongKey.body, { error: { message: /^Incorrect API key provided: sk-\**3456\./, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
  const noKey = await openai(llm, { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }, {});
  t.match(noKey.body, { error: { message: /You didn't provide an API key/, code: null } });

  const cases: Array<[string, unknown, Json]> = [
    ['not JSON', '{"model": "gpt-4o", "messages": [', { message: /could not parse the JSON body/ }],
    ['no model', { messages: [{ role: 'user', content: 'hi' }] }, { message: 'you must provide a model parameter' }],
    ['no messages', { model: 'gpt-4o' }, { param: 'messages', code: 'missing_required_parameter' }],
    ['unknown role', { model: 'gpt-4o', messages: [{ role: 'bot', content: 'hi' }] }, { param: 'messages[0].role', code: 'invalid_value' }],
    [
      'tool message without tool_call_id',
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', tool_calls: [call1] }, { role: 'tool', content: 'Acme: active' }] },
      { message: "Missing parameter 'tool_call_id': messages with role 'tool' must have a 'tool_call_id'.", param: 'messages.[2].tool_call_id' },
    ],
    [
      'tool message answering nothing',
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }, { role: 'tool', tool_call_id: 'call_1', content: 'Acme: active' }] },
      { message: /must be a response to a preceeding message with 'tool_calls'/, param: 'messages.[1].role' },
    ],
    [
      'tool call left unanswered',
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', tool_calls: [call1] }, { role: 'user', content: 'well?' }] },
      { message: /did not have response messages: call_1$/ },
    ],
    [
      'arguments sent back as an object',
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', tool_calls: [{ ...call1, function: { name: 'lookup_customer', arguments: { name: 'Acme' } } }] }, { role: 'tool', tool_call_id: 'call_1', content: 'ok' }] },
      { param: 'messages[1].tool_calls[0].function.arguments', code: 'invalid_type', message: /expected a string, but got an object instead/ },
    ],
    ['a tool without its function wrapper', { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', name: 'lookup_customer' }] }, { param: 'tools[0].function', code: 'missing_required_parameter' }],
    ['stream_options without stream', { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: true } }, { param: 'stream_options' }],
  ];
  for (const [name, body, error] of cases) {
    const res = await openai(llm, body);
    t.equal(res.status, 400, name);
    t.match(res.body, { error: { type: 'invalid_request_error', ...error } }, name);
  }
  t.equal(llm.rejected.length, cases.length + 2);
  t.match(llm.rejected[0], { format: 'openai', status: 401 });

  const valid = await openai(llm, { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: null, tool_calls: [call1] }, { role: 'tool', tool_call_id: 'call_1', content: 'ok' }], tools: [CUSTOMER_TOOL] });
  t.equal(valid.body.choices[0].message.content, 'still here', 'the refusals used up no script');
  t.same(llm.unscripted, []);
});

t.test('OpenAI: GET /v1/models lists models', async (t) => {
  const llm = await simulator(t);
  const res = await call(`${llm.url}/v1/models`, { authorization: `Bearer ${llm.apiKey}` }, undefined, 'GET');
  t.equal(res.status, 200);
  t.equal(res.body.object, 'list');
  t.match(res.body.data, [{ id: String, object: 'model', created: Number, owned_by: String }]);
  const denied = await call(`${llm.url}/v1/models`, {}, undefined, 'GET');
  t.equal(denied.status, 401);
});

t.test('Anthropic: text and tool_use blocks in a message, then the tool result round trip', async (t) => {
  const llm = await simulator(t);
  llm.script({ text: 'Checking.', toolCalls: [{ name: 'lookup_customer', arguments: { name: 'Acme' } }] }, { text: 'Acme is active.' });
  const question = { role: 'user', content: 'Who is Acme?' };
  const first = await anthropic(llm, { model: 'claude-sonnet-4-5', max_tokens: 1024, system: 'You are a clerk.', messages: [question], tools: [ANTHROPIC_TOOL] });
  t.equal(first.status, 200);
  t.match(first.headers.get('request-id'), /^req_/);
  t.match(first.body, { type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', stop_reason: 'tool_use', stop_sequence: null, usage: { input_tokens: Number, output_tokens: Number } });
  t.match(first.body.id, /^msg_/);
  t.same(first.body.content[0], { type: 'text', text: 'Checking.' });
  t.match(first.body.content[1], { type: 'tool_use', id: /^toolu_/, name: 'lookup_customer', input: { name: 'Acme' } });

  const toolUse = first.body.content[1];
  const second = await anthropic(llm, {
    model: 'claude-sonnet-4-5',
    max_tokens: 1024,
    system: [{ type: 'text', text: 'You are a clerk.' }],
    messages: [question, { role: 'assistant', content: first.body.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: 'Acme: active since 2019' }] }],
    tools: [ANTHROPIC_TOOL],
  });
  t.equal(second.status, 200, second.text);
  t.same(second.body.content, [{ type: 'text', text: 'Acme is active.' }]);
  t.equal(second.body.stop_reason, 'end_turn');
  t.same(llm.unscripted, []);
});

t.test('Anthropic: a streamed answer is named SSE events with partial_json in pieces', async (t) => {
  const llm = await simulator(t);
  const input = { name: 'Acme Trading LLC', tags: ['vip', 'gulf'] };
  llm.script({ text: 'Looking it up now.', toolCalls: [{ id: 'toolu_given', name: 'lookup_customer', arguments: input }], usage: { input: 40, output: 12 } });
  const res = await anthropic(llm, { model: 'claude-sonnet-4-5', max_tokens: 512, stream: true, messages: [{ role: 'user', content: 'Find Acme' }], tools: [ANTHROPIC_TOOL] });
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /^text\/event-stream/);
  const events = readSse(res.text).map((e) => ({ event: e.event, data: JSON.parse(e.data) }));
  t.ok(events.every((e) => e.event === e.data.type), 'each event: line names the type of its data');

  const kinds = events.map((e) => e.event);
  t.equal(kinds[0], 'message_start');
  t.equal(kinds.at(-2), 'message_delta');
  t.equal(kinds.at(-1), 'message_stop');
  t.match(events[0]!.data.message, { id: /^msg_/, type: 'message', role: 'assistant', content: [], stop_reason: null, usage: { input_tokens: 40 } });
  t.same(events.at(-2)!.data.delta, { stop_reason: 'tool_use', stop_sequence: null });
  t.equal(events.at(-2)!.data.usage.output_tokens, 12);

  // Rebuild the content the way a client does: start a block, apply its deltas, stop it.
  const blocks: Json[] = [];
  const json: string[] = [];
  let jsonPieces = 0;
  for (const { data } of events) {
    if (data.type === 'content_block_start') {
      blocks[data.index] = { ...data.content_block };
      json[data.index] = '';
    } else if (data.type === 'content_block_delta' && data.delta.type === 'text_delta') {
      blocks[data.index]!.text += data.delta.text;
    } else if (data.type === 'content_block_delta' && data.delta.type === 'input_json_delta') {
      json[data.index] += data.delta.partial_json;
      jsonPieces++;
    } else if (data.type === 'content_block_stop' && blocks[data.index]!.type === 'tool_use') {
      blocks[data.index]!.input = JSON.parse(json[data.index]!);
    }
  }
  t.same(blocks, [
    { type: 'text', text: 'Looking it up now.' },
    { type: 'tool_use', id: 'toolu_given', name: 'lookup_customer', input },
  ]);
  t.ok(jsonPieces > 1, 'the tool input arrives split over several deltas');
  t.equal(events.filter((e) => e.event === 'content_block_delta' && e.data.delta.type === 'text_delta').length > 1, true, 'text arrives in pieces');
});

t.test('Anthropic: requests are checked as Anthropic checks them', async (t) => {
  const llm = await simulator(t);
  llm.script({ text: 'still here' });
  const ok = { model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] };
  const toolUse = { type: 'tool_use', id: 'toolu_1', name: 'lookup_customer', input: { name: 'Acme' } };

  const noKey = await anthropic(llm, ok, { 'anthropic-version': '2023-06-01' });
  t.equal(noKey.status, 401);
  t.match(noKey.body, { type: 'error', error: { type: 'authentication_error', message: 'x-api-key header is required' }, request_id: /^req_/ });
  const wrongKey = await anthropic(llm, ok, { 'x-api-key': 'nope', 'anthropic-version': '2023-06-01' });
  t.match(wrongKey.body, { error: { type: 'authentication_error', message: 'invalid x-api-key' } });
  const noVersion = await anthropic(llm, ok, { 'x-api-key': llm.apiKey });
  t.equal(noVersion.status, 400);
  t.match(noVersion.body, { error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' } });

  const cases: Array<[string, Json, RegExp | string]> = [
    ['no max_tokens', { model: 'claude-sonnet-4-5', messages: ok.messages }, 'max_tokens: Field required'],
    ['no model', { max_tokens: 10, messages: ok.messages }, 'model: Field required'],
    ['a system role message', { ...ok, messages: [{ role: 'system', content: 'x' }] }, "messages.0.role: Input should be 'user' or 'assistant'"],
    ['two user turns in a row', { ...ok, messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }] }, /roles must alternate between "user" and "assistant"/],
    ['an assistant first', { ...ok, messages: [{ role: 'assistant', content: 'a' }, { role: 'user', content: 'b' }] }, 'messages: first message must use the "user" role'],
    [
      'a tool_result for an unknown tool_use',
      { ...ok, messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: [toolUse] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'x' }, { type: 'tool_result', tool_use_id: 'toolu_other', content: 'y' }] }] },
      /^messages\.2\.content\.1: unexpected `tool_use_id` found in `tool_result` blocks: toolu_other\./,
    ],
    [
      'a tool_use never answered',
      { ...ok, messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: [toolUse] }, { role: 'user', content: 'and?' }] },
      /^messages\.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1\./,
    ],
    ['tool input as JSON text', { ...ok, messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: [{ ...toolUse, input: '{"name":"Acme"}' }] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1' }] }] }, 'messages.1.content.0.input: Input should be a valid dictionary'],
    ['an OpenAI-style tool', { ...ok, tools: [{ name: 'lookup_customer', parameters: { type: 'object' } }] }, 'tools.0.custom.input_schema: Field required'],
    ['a tool name with a dot', { ...ok, tools: [{ ...ANTHROPIC_TOOL, name: 'crm.lookup' }] }, "tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'"],
    ['system as a number', { ...ok, system: 7 }, /^system:/],
    ['empty text', { ...ok, messages: [{ role: 'user', content: [{ type: 'text', text: '' }] }] }, 'messages: text content blocks must be non-empty'],
  ];
  for (const [name, body, message] of cases) {
    const res = await anthropic(llm, body);
    t.equal(res.status, 400, name);
    t.match(res.body, { type: 'error', error: { type: 'invalid_request_error', message } }, name);
  }
  t.equal(llm.rejected.length, cases.length + 3);
  const valid = await anthropic(llm, { ...ok, system: [{ type: 'text', text: 'Be brief.' }] });
  t.same(valid.body.content, [{ type: 'text', text: 'still here' }], 'the refusals used up no script');
});

t.test('Scripted errors: 429 with retry-after, 500, and 529 overloaded, each in its format', async (t) => {
  const llm = await simulator(t);
  const chat = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] };
  const msg = { model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] };
  llm.script({ status: 429, headers: { 'retry-after': '2' } }, { text: 'after the wait' });
  const limited = await openai(llm, chat);
  t.equal(limited.status, 429);
  t.equal(limited.headers.get('retry-after'), '2');
  t.match(limited.body, { error: { type: 'requests', code: 'rate_limit_exceeded', param: null, message: String } });
  t.equal((await openai(llm, chat)).body.choices[0].message.content, 'after the wait');

  llm.script({ status: 529 }, { status: 500 }, { status: 429, headers: { 'retry-after': '1' }, body: { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } } });
  const overloaded = await anthropic(llm, msg);
  t.equal(overloaded.status, 529);
  t.match(overloaded.body, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: overloaded.headers.get('request-id') });
  const failed = await anthropic(llm, msg);
  t.match(failed.body, { type: 'error', error: { type: 'api_error' } });
  const custom = await anthropic(llm, msg);
  t.equal(custom.headers.get('retry-after'), '1');
  t.same(custom.body, { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } });
});

t.test('Raw replies: malformed JSON and a truncated stream are sent as they are', async (t) => {
  const llm = await simulator(t);
  const broken = '{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,';
  llm.script({ raw: broken }, { raw: 'event: message_start\ndata: {"type":"message_st' });
  const res = await openai(llm, { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
  t.equal(res.status, 200);
  t.equal(res.headers.get('content-type'), 'application/json');
  t.equal(res.text, broken);
  t.throws(() => JSON.parse(res.text));
  const stream = await anthropic(llm, { model: 'claude-sonnet-4-5', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] });
  t.match(stream.headers.get('content-type'), /^text\/event-stream/);
  t.equal(stream.text, 'event: message_start\ndata: {"type":"message_st');
});

t.test('on(): a marker in the last user/tool message picks the reply, whatever the arrival order', async (t) => {
  const llm = await simulator(t);
  llm.on('customer Acme', { delayMs: 40, then: { text: 'Acme reply' } });
  llm.on('customer Beta', { text: 'Beta reply' }, { text: 'Beta again' });
  llm.script({ text: 'queue reply' }, { text: 'queue after marker' });
  const [acme, beta, other] = await Promise.all([
    openai(llm, { model: 'gpt-4o', messages: [{ role: 'user', content: 'Tell me about customer Acme' }] }),
    anthropic(llm, { model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: [{ type: 'text', text: 'Tell me about customer Beta' }] }] }),
    openai(llm, { model: 'gpt-4o', messages: [{ role: 'user', content: 'Something else' }] }),
  ]);
  t.equal(acme!.body.choices[0].message.content, 'Acme reply');
  t.same(beta!.body.content, [{ type: 'text', text: 'Beta reply' }]);
  t.equal(other!.body.choices[0].message.content, 'queue reply');

  // The marker is looked for in tool results too; a user message earlier in the conversation does not count.
  const call1 = { id: 'call_1', type: 'function', function: { name: 'lookup_customer', arguments: '{}' } };
  const viaTool = await openai(llm, {
    model: 'gpt-4o',
    tools: [CUSTOMER_TOOL],
    messages: [{ role: 'user', content: 'customer Acme' }, { role: 'assistant', tool_calls: [call1] }, { role: 'tool', tool_call_id: 'call_1', content: 'record for customer Beta' }],
  });
  t.equal(viaTool.body.choices[0].message.content, 'Beta again');
  // Acme's marker is used up: the request falls through to the queue.
  const fallThrough = await openai(llm, { model: 'gpt-4o', messages: [{ role: 'user', content: 'customer Acme again' }] });
  t.equal(fallThrough.body.choices[0].message.content, 'queue after marker');
  t.same(llm.unscripted, []);
});

t.test('An unscripted request gets a loud 500 and is listed', async (t) => {
  const llm = await simulator(t);
  const res = await openai(llm, { model: 'gpt-4o', messages: [{ role: 'user', content: 'Nobody scripted this' }] });
  t.equal(res.status, 500);
  t.equal(res.headers.get('x-should-retry'), 'false');
  t.match(res.body, { error: { type: 'server_error', message: /LLM simulator: no scripted reply left for this openai request \(last user\/tool message: "Nobody scripted this"\)/ } });
  const res2 = await anthropic(llm, { model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'Nor this' }] });
  t.equal(res2.status, 500);
  t.match(res2.body, { type: 'error', error: { type: 'api_error', message: /no scripted reply left for this anthropic request/ } });

  // A scripted tool call for a request that offered no tools cannot happen with a real model: loud too.
  llm.script({ toolCalls: [{ name: 'lookup_customer', arguments: {} }] });
  const noTools = await openai(llm, { model: 'gpt-4o', messages: [{ role: 'user', content: 'Forgot my tools' }] });
  t.equal(noTools.status, 500);
  t.match(noTools.body.error.message, /calls tools but the request offered none/);
  t.match(llm.unscripted, [
    { format: 'openai', lastMessage: 'Nobody scripted this', reason: 'no scripted reply left' },
    { format: 'anthropic', lastMessage: 'Nor this' },
    { format: 'openai', lastMessage: 'Forgot my tools', reason: /offered none/ },
  ]);
});

t.test('close() does not wait for a reply still being delayed', async (t) => {
  const llm = await startLlmSimulator({ apiKey: 'sk-test-fixed' });
  t.equal(llm.apiKey, 'sk-test-fixed');
  llm.script({ delayMs: 60_000, then: { text: 'too late' } });
  const pending = openai(llm, { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).catch((err: Error) => err);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const started = Date.now();
  await llm.close();
  t.ok(Date.now() - started < 1000);
  t.type(await pending, Error, 'the client sees the connection close');
});
