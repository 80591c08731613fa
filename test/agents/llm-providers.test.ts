/**
 * The OpenAI-compatible and Anthropic providers against the LLM simulator: JSON and streamed answers,
 * a tool-call round trip with the request bodies the simulator saw, retries (429 with Retry-After,
 * 5xx, 529), malformed and truncated answers and streams, invalid tool-call JSON, timeouts, refused
 * connections and cancellation; and that no error or request report ever carries the key.
 * Retries use 1 ms backoff; only Retry-After waits are real, and they are read from the reports.
 */
import { inspect } from 'node:util';
import t, { type Test } from 'tap';
import { llmDispatcher } from '../../plugins/agents/src/llm/address.js';
import { AnthropicProvider } from '../../plugins/agents/src/llm/anthropic-provider.js';
import { openAiBody, OpenAiProvider } from '../../plugins/agents/src/llm/openai-provider.js';
import type { ChatMessage, LlmProvider, ToolSpec } from '../../plugins/agents/src/llm/provider.js';
import type { LlmClientOptions, LlmRequestInfo } from '../../plugins/agents/src/llm/transport.js';
import { freePort } from '../helpers/free-port.js';
import { startLlmSimulator, type LlmSimulator } from '../simulators/llm/index.js';

type Kind = 'openai' | 'anthropic';
const KINDS: readonly Kind[] = ['openai', 'anthropic'];

interface Failure {
  code: string;
  message: string;
  statusCode: number;
  extensions: Record<string, unknown>;
}

interface Rig {
  readonly sim: LlmSimulator;
  readonly infos: LlmRequestInfo[];
  provider(kind: Kind, options?: Partial<LlmClientOptions>): LlmProvider;
  /** The error a call failed with; fails the test when the key is anywhere in it. */
  failure(p: Promise<unknown>): Promise<Failure>;
}

/** Every test's request reports, checked for keys by the last test. */
const reports: Array<{ key: string; infos: LlmRequestInfo[] }> = [];

async function rig(t: Test): Promise<Rig> {
  const sim = await startLlmSimulator();
  const dispatcher = llmDispatcher({ allowPrivateNetworks: true });
  t.teardown(async () => {
    await sim.close();
    await dispatcher.close();
  });
  const infos: LlmRequestInfo[] = [];
  reports.push({ key: sim.apiKey, infos });
  return {
    sim,
    infos,
    provider(kind, options = {}) {
      const base: LlmClientOptions = {
        baseUrl: kind === 'openai' ? `${sim.url}/v1` : sim.url,
        apiKey: sim.apiKey,
        dispatcher,
        retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2_000 },
        onRequest: (info) => infos.push(info),
        ...options,
      };
      return kind === 'openai' ? new OpenAiProvider(base) : new AnthropicProvider(base);
    },
    async failure(p) {
      try {
        await p;
      } catch (err) {
        const e = err as Failure & Error;
        const everything = `${e.message}\n${e.stack ?? ''}\n${JSON.stringify(e.extensions ?? {})}\n${inspect(e, { depth: 5 })}`;
        t.notOk(everything.includes(sim.apiKey), `${e.code}: the key is in neither the error nor its extensions`);
        return e;
      }
      throw new Error('expected the call to fail');
    },
  };
}

const MODEL: Record<Kind, string> = { openai: 'gpt-4o-mini', anthropic: 'claude-haiku-4-5' };
const hello: ChatMessage[] = [{ role: 'user', content: 'Say hello to the finance team.' }];
const tools: ToolSpec[] = [
  {
    name: 'lookup_customer',
    description: 'Find a customer by name',
    inputSchema: { type: 'object', properties: { name: { type: 'string' }, limit: { type: 'integer' } }, required: ['name'] },
  },
  { name: 'list_invoices', description: 'Unpaid invoices of a customer', inputSchema: { type: 'object', properties: { customer: { type: 'string' } } } },
];

for (const kind of KINDS) {
  for (const stream of [false, true]) {
    const mode = stream ? 'streamed' : 'JSON';
    t.test(`${kind}, ${mode}: a text answer with its usage`, async (t) => {
      const { sim, provider } = await rig(t);
      const text = 'Hello, finance team! Wishing you a calm month-end close.';
      sim.script({ text, usage: { input: 21, output: 13 } });
      const deltas: string[] = [];
      const res = await provider(kind).chat({ model: MODEL[kind], system: 'You are Layla, the finance assistant.', messages: hello, stream, onDelta: (d) => deltas.push(d) });
      t.equal(res.text, text);
      t.same(res.toolCalls, []);
      t.equal(res.stopReason, 'end');
      t.same(res.usage, { inputTokens: 21, outputTokens: 13 });
      t.equal(res.model, MODEL[kind]);
      if (stream) {
        t.ok(deltas.length > 1, 'the text arrived in pieces');
        t.equal(deltas.join(''), text, 'the pieces make the text');
      } else t.same(deltas, [], 'no deltas without streaming');

      const [seen] = sim.requests;
      if (kind === 'openai') {
        t.match(seen!.headers, { authorization: `Bearer ${sim.apiKey}` });
        t.same(seen!.body.messages, [
          { role: 'system', content: 'You are Layla, the finance assistant.' },
          { role: 'user', content: 'Say hello to the finance team.' },
        ]);
        if (stream) t.same(seen!.body.stream_options, { include_usage: true }, 'usage asked for in the stream');
        else t.notOk('stream' in seen!.body);
      } else {
        t.match(seen!.headers, { 'x-api-key': sim.apiKey, 'anthropic-version': '2023-06-01' });
        t.equal(seen!.body.system, 'You are Layla, the finance assistant.');
        t.equal(seen!.body.max_tokens, 1024, 'the default max_tokens');
        t.same(seen!.body.messages, [{ role: 'user', content: 'Say hello to the finance team.' }]);
        t.equal(seen!.body.stream, stream ? true : undefined);
      }
      t.same(sim.rejected, []);
      t.same(sim.unscripted, []);
    });

    t.test(`${kind}, ${mode}: a tool-call round trip (two calls, their results, then the answer)`, async (t) => {
      const { sim, provider } = await rig(t);
      const p = provider(kind);
      sim.script(
        {
          text: 'Let me look that up.',
          toolCalls: [
            { name: 'lookup_customer', arguments: { name: 'Acme Trading', limit: 2 } },
            { name: 'list_invoices', arguments: { customer: 'CUST-0042' } },
          ],
          usage: { input: 80, output: 30 },
        },
        { text: 'Acme Trading is active and has one unpaid invoice, INV-7.', usage: { input: 140, output: 18 } },
      );
      const messages: ChatMessage[] = [{ role: 'user', content: 'Is Acme Trading up to date with payments?' }];
      const first = await p.chat({ model: MODEL[kind], system: 'Use the tools.', messages, tools, stream, maxTokens: 400, temperature: 0.2 });
      t.equal(first.stopReason, 'tool_calls');
      t.equal(first.text, 'Let me look that up.');
      t.same(
        first.toolCalls.map((c) => [c.name, c.arguments]),
        [
          ['lookup_customer', { name: 'Acme Trading', limit: 2 }],
          ['list_invoices', { customer: 'CUST-0042' }],
        ],
        'both calls, arguments parsed (and joined from pieces when streamed)',
      );
      t.ok(first.toolCalls.every((c) => typeof c.id === 'string' && c.id.length > 5), 'each call has the provider id');
      t.same(first.usage, { inputTokens: 80, outputTokens: 30 });

      const [a, b] = first.toolCalls;
      messages.push(
        { role: 'assistant', content: first.text, toolCalls: first.toolCalls },
        { role: 'tool', toolCallId: a!.id, name: a!.name, content: JSON.stringify({ id: 'CUST-0042', status: 'active' }) },
        { role: 'tool', toolCallId: b!.id, name: b!.name, content: JSON.stringify([{ name: 'INV-7', outstanding: 1150 }]) },
      );
      const second = await p.chat({ model: MODEL[kind], system: 'Use the tools.', messages, tools, stream });
      t.equal(second.stopReason, 'end');
      t.equal(second.text, 'Acme Trading is active and has one unpaid invoice, INV-7.');
      t.same(second.toolCalls, []);

      t.equal(sim.requests.length, 2);
      const body = sim.requests[1]!.body;
      if (kind === 'openai') {
        t.same(body.tools[0], { type: 'function', function: { name: 'lookup_customer', description: 'Find a customer by name', parameters: tools[0]!.inputSchema } });
        t.equal(sim.requests[0]!.body.max_tokens, 400, 'max_tokens for a server that is not api.openai.com');
        t.equal(sim.requests[0]!.body.temperature, 0.2);
        t.same(body.messages.slice(1), [
          { role: 'user', content: 'Is Acme Trading up to date with payments?' },
          {
            role: 'assistant',
            content: 'Let me look that up.',
            tool_calls: [
              { id: a!.id, type: 'function', function: { name: 'lookup_customer', arguments: '{"name":"Acme Trading","limit":2}' } },
              { id: b!.id, type: 'function', function: { name: 'list_invoices', arguments: '{"customer":"CUST-0042"}' } },
            ],
          },
          { role: 'tool', tool_call_id: a!.id, content: '{"id":"CUST-0042","status":"active"}' },
          { role: 'tool', tool_call_id: b!.id, content: '[{"name":"INV-7","outstanding":1150}]' },
        ]);
      } else {
        t.same(body.tools[0], { name: 'lookup_customer', description: 'Find a customer by name', input_schema: tools[0]!.inputSchema });
        t.equal(sim.requests[0]!.body.max_tokens, 400);
        t.equal(sim.requests[0]!.body.temperature, 0.2);
        t.same(body.messages, [
          { role: 'user', content: 'Is Acme Trading up to date with payments?' },
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'Let me look that up.' },
              { type: 'tool_use', id: a!.id, name: 'lookup_customer', input: { name: 'Acme Trading', limit: 2 } },
              { type: 'tool_use', id: b!.id, name: 'list_invoices', input: { customer: 'CUST-0042' } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: a!.id, content: '{"id":"CUST-0042","status":"active"}' },
              { type: 'tool_result', tool_use_id: b!.id, content: '[{"name":"INV-7","outstanding":1150}]' },
            ],
          },
        ]);
      }
      t.same(sim.rejected, [], 'the simulator accepted every request as the provider would');
      t.same(sim.unscripted, []);
    });

    t.test(`${kind}, ${mode}: invalid tool-call JSON is surfaced as __invalidJson and can be answered`, async (t) => {
      const { sim, provider } = await rig(t);
      const p = provider(kind);
      const broken = '{"name": "Acme", "limit": 2';
      sim.script({ toolCalls: [{ id: kind === 'openai' ? 'call_broken1' : 'toolu_01broken', name: 'lookup_customer', arguments: broken }] }, { text: 'Sorry, let me try again.' });
      const messages: ChatMessage[] = [{ role: 'user', content: 'Look up Acme.' }];
      const first = await p.chat({ model: MODEL[kind], messages, tools, stream });
      t.equal(first.stopReason, 'tool_calls');
      t.same(first.toolCalls[0]!.arguments, { __invalidJson: broken }, 'the text the model sent, kept for the runner');
      messages.push(
        { role: 'assistant', content: first.text, toolCalls: first.toolCalls },
        { role: 'tool', toolCallId: first.toolCalls[0]!.id, name: 'lookup_customer', content: JSON.stringify({ error: 'arguments were not valid JSON' }) },
      );
      const second = await p.chat({ model: MODEL[kind], messages, tools, stream });
      t.equal(second.text, 'Sorry, let me try again.');
      const echoed = sim.requests[1]!.body.messages.find((m: { role: string }) => m.role === 'assistant');
      if (kind === 'openai') t.equal(echoed.tool_calls[0].function.arguments, broken, 'OpenAI gets back the text the model sent');
      else t.same(echoed.content[0].input, {}, 'Anthropic, which takes only an object, gets {}');
      t.same(sim.rejected, []);
    });
  }
}

for (const kind of KINDS) {
  t.test(`${kind}: 429 is retried after the Retry-After wait; past the attempts it is LLM_RATE_LIMITED with retryAfterSeconds`, async (t) => {
    const { sim, provider, infos, failure } = await rig(t);
    const p = provider(kind);
    sim.script({ status: 429, headers: { 'retry-after': '1' } }, { text: 'after the wait' });
    const res = await p.chat({ model: MODEL[kind], messages: hello });
    t.equal(res.text, 'after the wait');
    t.same(
      infos.map((i) => [i.status, i.retryInMs]),
      [
        [429, 1000],
        [200, undefined],
      ],
      'waited what Retry-After asked',
    );

    infos.length = 0;
    sim.script(...Array.from({ length: 3 }, () => ({ status: 429, headers: { 'retry-after': '0' } })));
    const err = await failure(p.chat({ model: MODEL[kind], messages: hello }));
    t.equal(err.code, 'LLM_RATE_LIMITED');
    t.equal(err.statusCode, 503);
    t.equal(infos.length, 3, 'three attempts in all');
    t.match(err.extensions, { provider: kind, upstreamStatus: 429, retryAfterSeconds: 0, attempts: 3 });

    infos.length = 0;
    sim.script({ status: 429, headers: { 'retry-after': '3600' } });
    const long = await failure(p.chat({ model: MODEL[kind], messages: hello }));
    t.equal(long.code, 'LLM_RATE_LIMITED');
    t.equal(infos.length, 1, 'a wait longer than allowed ends the retries at once');
    t.equal(long.extensions.retryAfterSeconds, 3600, "with the provider's advice in the error");
    t.match(long.message, /3600 seconds/);
    t.same(sim.unscripted, []);
  });

  t.test(`${kind}: 5xx is retried; past the attempts it is LLM_UNAVAILABLE`, async (t) => {
    const { sim, provider, infos, failure } = await rig(t);
    const p = provider(kind);
    sim.script({ status: 500 }, { status: 503 }, { text: 'third time lucky' });
    t.equal((await p.chat({ model: MODEL[kind], messages: hello })).text, 'third time lucky');
    t.same(
      infos.map((i) => i.status),
      [500, 503, 200],
    );

    sim.script({ status: 500 }, { status: 502 }, { status: kind === 'anthropic' ? 529 : 500 });
    const err = await failure(p.chat({ model: MODEL[kind], messages: hello }));
    t.equal(err.code, 'LLM_UNAVAILABLE');
    t.equal(err.statusCode, 503);
    t.match(err.extensions, { provider: kind, upstreamStatus: kind === 'anthropic' ? 529 : 500, attempts: 3 });
    t.same(sim.unscripted, []);
  });

  t.test(`${kind}: 401 is LLM_CREDENTIALS_REFUSED, 400 is LLM_REQUEST_REFUSED with the provider's words, neither retried`, async (t) => {
    const { sim, provider, infos, failure } = await rig(t);
    const wrong = await failure(provider(kind, { apiKey: 'sk-wrong-key-0123456789' }).chat({ model: MODEL[kind], messages: hello }));
    t.equal(wrong.code, 'LLM_CREDENTIALS_REFUSED');
    t.notOk(wrong.message.includes('sk-wrong-key-0123456789'), 'not even the wrong key is shown');
    t.equal(infos.length, 1);

    sim.script({ status: 400, body: kind === 'openai' ? { error: { message: "This model's maximum context length is 8192 tokens.", type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } } : { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 210000 tokens > 200000 maximum' } } });
    const refused = await failure(provider(kind).chat({ model: MODEL[kind], messages: hello }));
    t.equal(refused.code, 'LLM_REQUEST_REFUSED');
    t.equal(refused.statusCode, 422);
    t.match(refused.message, kind === 'openai' ? /maximum context length is 8192/ : /prompt is too long/);
    t.equal(refused.extensions.upstreamType, kind === 'openai' ? 'invalid_request_error' : 'invalid_request_error');
    t.equal(infos.length, 2, 'a 400 is not retried');

    // A server that echoes the key: it is redacted before it reaches an error.
    sim.script({ status: 400, body: { error: { message: `key ${sim.apiKey} is not allowed for this model`, type: 'invalid_request_error' } } });
    const echoed = await failure(provider(kind).chat({ model: MODEL[kind], messages: hello }));
    t.match(echoed.message, /key \[redacted\] is not allowed/);
  });

  t.test(`${kind}: malformed and truncated answers are LLM_BAD_RESPONSE, not retried`, async (t) => {
    const { sim, provider, infos, failure } = await rig(t);
    const p = provider(kind);
    const cases: Array<[string, { raw: string; contentType?: string }, RegExp]> = [
      ['a body cut off mid-JSON', { raw: '{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"Hel', contentType: 'application/json' }, /not JSON/],
      ['JSON of another shape', { raw: '{"id":"x","object":"list","data":[]}', contentType: 'application/json' }, kind === 'openai' ? /no choices/ : /no content array/],
      ['an HTML page', { raw: '<html><body>Welcome to nginx!</body></html>', contentType: 'text/html' }, /text\/html instead of JSON.*HTML page/],
    ];
    for (const [what, reply, why] of cases) {
      infos.length = 0;
      sim.script(reply);
      const err = await failure(p.chat({ model: MODEL[kind], messages: hello }));
      t.equal(err.code, 'LLM_BAD_RESPONSE', what);
      t.equal(err.statusCode, 502, what);
      t.match(err.message, why, `${what}: says what was wrong`);
      t.equal(infos.length, 1, `${what}: not retried`);
    }
    t.same(sim.unscripted, []);
  });

  t.test(`${kind}: truncated and malformed streams are LLM_BAD_RESPONSE; deltas already given stay given`, async (t) => {
    const { sim, provider, failure } = await rig(t);
    const p = provider(kind);
    const cut =
      kind === 'openai'
        ? `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model: 'gpt-4o-mini', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hello, fin' }, finish_reason: null }] })}\n\n`
        : [
            `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-haiku-4-5', content: [], usage: { input_tokens: 9, output_tokens: 1 } } })}\n\n`,
            `event: content_block_start\ndata: ${JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })}\n\n`,
            `event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello, fin' } })}\n\n`,
          ].join('');
    const deltas: string[] = [];
    sim.script({ raw: cut });
    const truncated = await failure(p.chat({ model: MODEL[kind], messages: hello, stream: true, onDelta: (d) => deltas.push(d) }));
    t.equal(truncated.code, 'LLM_BAD_RESPONSE');
    t.match(truncated.message, kind === 'openai' ? /ended before data: \[DONE\].*cut off/ : /ended before message_stop.*cut off/);
    t.same(deltas, ['Hello, fin'], 'what arrived before the cut was handed on');

    // The last event itself cut in half, then a stream whose event is not JSON.
    sim.script({ raw: `${cut}data: {"type":"content_block_del` });
    t.equal((await failure(p.chat({ model: MODEL[kind], messages: hello, stream: true }))).code, 'LLM_BAD_RESPONSE');
    sim.script({ raw: 'data: {not json}\n\n' });
    const garbled = await failure(p.chat({ model: MODEL[kind], messages: hello, stream: true }));
    t.equal(garbled.code, 'LLM_BAD_RESPONSE');
    t.match(garbled.message, /event 1 of the stream is not JSON/);
    t.same(sim.unscripted, []);
  });

  t.test(`${kind}: a stream asked for and answered as JSON is read, its text handed on at once`, async (t) => {
    const { sim, provider } = await rig(t);
    const body =
      kind === 'openai'
        ? { id: 'c1', object: 'chat.completion', model: 'llama3.1', choices: [{ index: 0, message: { role: 'assistant', content: 'Plain JSON.' }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 3 } }
        : { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-haiku-4-5', content: [{ type: 'text', text: 'Plain JSON.' }], stop_reason: 'end_turn', usage: { input_tokens: 5, output_tokens: 3 } };
    sim.script({ raw: JSON.stringify(body), contentType: 'application/json' });
    const deltas: string[] = [];
    const res = await provider(kind).chat({ model: MODEL[kind], messages: hello, stream: true, onDelta: (d) => deltas.push(d) });
    t.equal(res.text, 'Plain JSON.');
    t.same(deltas, ['Plain JSON.']);
    t.same(res.usage, { inputTokens: 5, outputTokens: 3 });
  });

  t.test(`${kind}: a deadline is LLM_TIMEOUT (not retried); a refused connection is LLM_UNREACHABLE (retried); a signal cancels`, async (t) => {
    const { sim, provider, infos, failure } = await rig(t);
    sim.script({ delayMs: 1_500, then: { text: 'too late' } });
    const slow = await failure(provider(kind, { timeoutMs: 200 }).chat({ model: MODEL[kind], messages: hello }));
    t.equal(slow.code, 'LLM_TIMEOUT');
    t.equal(slow.statusCode, 504);
    t.match(slow.message, /within 200 ms/);
    t.equal(infos.length, 1, 'a timeout is not retried');

    infos.length = 0;
    const port = await freePort();
    const nowhere = await failure(provider(kind, { baseUrl: kind === 'openai' ? `http://127.0.0.1:${port}/v1` : `http://127.0.0.1:${port}` }).chat({ model: MODEL[kind], messages: hello }));
    t.equal(nowhere.code, 'LLM_UNREACHABLE');
    t.match(nowhere.message, /connection refused/);
    t.same(
      infos.map((i) => i.error),
      ['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED'],
      'retried, then given up',
    );

    sim.script({ delayMs: 1_500, then: { text: 'never seen' } });
    const controller = new AbortController();
    const reason = new Error('the task was cancelled');
    setTimeout(() => controller.abort(reason), 100);
    const started = Date.now();
    await t.rejects(provider(kind).chat({ model: MODEL[kind], messages: hello, signal: controller.signal }), reason, "rejects with the signal's reason");
    t.ok(Date.now() - started < 1_000, 'at once, not when the answer would have come');
  });
}

t.test('anthropic: an error event before any text is retried; after text it is the error', async (t) => {
  const { sim, provider, infos, failure } = await rig(t);
  const p = provider('anthropic');
  const overloaded = `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })}\n\n`;
  sim.script({ raw: overloaded }, { text: 'Back again.' });
  const res = await p.chat({ model: MODEL.anthropic, messages: hello, stream: true });
  t.equal(res.text, 'Back again.');
  t.equal(infos.length, 2, 'retried the stream that failed before it began');

  const start = `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-haiku-4-5', content: [], usage: { input_tokens: 9, output_tokens: 1 } } })}\n\n`;
  const block = `event: content_block_start\ndata: ${JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })}\n\nevent: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Half an ans' } })}\n\n`;
  infos.length = 0;
  sim.script({ raw: start + block + overloaded });
  const err = await failure(p.chat({ model: MODEL.anthropic, messages: hello, stream: true, onDelta: () => undefined }));
  t.equal(err.code, 'LLM_UNAVAILABLE');
  t.match(err.message, /stream broke off: overloaded_error: Overloaded/);
  t.equal(infos.length, 1, 'not retried once text was handed on');
  t.same(sim.unscripted, []);
});

t.test('openai: api.openai.com gets max_completion_tokens; a key with spaces is refused before sending', async (t) => {
  t.same(openAiBody({ model: 'gpt-5', messages: hello, maxTokens: 50 }, 'max_completion_tokens').max_completion_tokens, 50);
  t.throws(() => new OpenAiProvider({ baseUrl: 'https://api.openai.com/v1', apiKey: 'sk-has a space' }), { code: 'LLM_CREDENTIALS_REFUSED' });
  t.throws(() => new OpenAiProvider({ baseUrl: 'https://user:pw@api.openai.com/v1' }), { code: 'LLM_URL_INVALID' });
  const p = new OpenAiProvider({ baseUrl: 'https://api.openai.com/v1/', apiKey: 'sk-secret-value-1234' });
  t.equal(p.baseUrl, 'https://api.openai.com/v1');
  t.notOk(inspect(p, { depth: 10, showHidden: true }).includes('sk-secret-value-1234'), 'inspecting a provider shows no key');
});

t.test('no request report of any test carried the key', async (t) => {
  t.ok(reports.length > 10);
  for (const { key, infos } of reports) t.notOk(JSON.stringify(infos).includes(key));
});
