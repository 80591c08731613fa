/**
 * The LLM layer's small parts on their own: the event-stream reader, Retry-After and backoff, the
 * translation of conversations into each provider's messages, provider error bodies, base URLs and
 * the address guard, and the per-tenant limiter.
 */
import t from 'tap';
import { checkLlmAddress, llmDispatcher, parseLlmBaseUrl } from '../../plugins/agents/src/llm/address.js';
import { anthropicBody, anthropicMessages } from '../../plugins/agents/src/llm/anthropic-provider.js';
import { backoffDelay, isRetryableStatus, parseRetryAfter } from '../../plugins/agents/src/llm/backoff.js';
import { LlmLimiter } from '../../plugins/agents/src/llm/limiter.js';
import { openAiBody, OpenAiProvider } from '../../plugins/agents/src/llm/openai-provider.js';
import { costMicroHalalas } from '../../plugins/agents/src/llm/profile-service.js';
import { invalidJsonText, parseToolArguments, type ChatMessage } from '../../plugins/agents/src/llm/provider.js';
import { readSse, type SseEvent } from '../../plugins/agents/src/llm/sse.js';
import { readProviderError } from '../../plugins/agents/src/llm/transport.js';
import { startLlmSimulator } from '../simulators/llm/index.js';

async function events(chunks: Array<string | Uint8Array>): Promise<SseEvent[]> {
  async function* source() {
    for (const c of chunks) yield c;
  }
  const out: SseEvent[] = [];
  for await (const e of readSse(source())) out.push(e);
  return out;
}

t.test('the event-stream reader: line endings, split chunks, comments, multi-line data, cut-off events', async (t) => {
  t.same(await events(['event: ping\ndata: {}\n\n', ': keep-alive\n\n', 'data: a\ndata: b\n\n']), [
    { event: 'ping', data: '{}' },
    { event: undefined, data: 'a\nb' },
  ]);
  t.same(await events(['data: one\r', '\n\r\n', 'data:two\r\rdata: three\n']), [
    { event: undefined, data: 'one' },
    { event: undefined, data: 'two' },
    { event: undefined, data: 'three' },
  ], 'CRLF split across chunks, CR alone, no space after the colon, a last event without its blank line');
  const bytes = Buffer.from('data: {"text":"مرحبا"}\n\n', 'utf8');
  const cut = bytes.indexOf(Buffer.from('ر', 'utf8')) + 1;
  t.same(await events([bytes.subarray(0, cut), bytes.subarray(cut)]), [{ event: undefined, data: '{"text":"مرحبا"}' }], 'UTF-8 split inside a character');
  t.same(await events(['data: whole\n\ndata: {"half']), [{ event: undefined, data: 'whole' }], 'an event cut mid-line is dropped');
  t.same(await events(['event: x\n\n', 'id: 7\nretry: 10\n\n']), [], 'events without data dispatch nothing');
  await t.rejects(
    (async () => {
      for await (const _ of readSse((async function* () { yield 'data: ' + 'x'.repeat(100); })(), 50)) void _;
    })(),
    /longer than 50 bytes/,
  );
});

t.test('Retry-After (seconds, ms, dates), backoff with jitter, what is retried', async (t) => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  t.equal(parseRetryAfter({ 'retry-after': '7' }, now), 7);
  t.equal(parseRetryAfter({ 'retry-after-ms': '1500', 'retry-after': '9' }, now), 1.5, 'the more precise header wins');
  t.equal(parseRetryAfter({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }, now), 30);
  t.equal(parseRetryAfter({ 'retry-after': 'Wed, 31 Dec 2025 00:00:00 GMT' }, now), 0, 'a date in the past is now');
  t.equal(parseRetryAfter({ 'retry-after': 'soon' }, now), undefined);
  t.equal(parseRetryAfter({}, now), undefined);
  t.equal(backoffDelay(1, 500, 20_000, () => 0), 250);
  t.equal(backoffDelay(3, 500, 20_000, () => 1), 2000);
  t.equal(backoffDelay(10, 500, 20_000, () => 1), 20_000, 'capped');
  t.same([408, 429, 500, 502, 503, 529, 400, 401, 404].map(isRetryableStatus), [true, true, true, true, true, true, false, false, false]);
});

t.test('tool arguments: empty is {}, not JSON is kept as __invalidJson', async (t) => {
  t.same(parseToolArguments(''), {});
  t.same(parseToolArguments('{"a":1}'), { a: 1 });
  t.same(parseToolArguments('{"a":'), { __invalidJson: '{"a":' });
  t.equal(invalidJsonText({ __invalidJson: 'x' }), 'x');
  t.equal(invalidJsonText({ __invalidJson: 'x', other: 1 }), undefined);
});

t.test("conversations in each provider's words", async (t) => {
  const messages: ChatMessage[] = [
    { role: 'user', content: 'Pay INV-7.' },
    { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'pay', arguments: { invoice: 'INV-7' } }, { id: 'c2', name: 'notify', arguments: { __invalidJson: '{"to":' } }] },
    { role: 'tool', toolCallId: 'c1', name: 'pay', content: '{"ok":true}' },
    { role: 'tool', toolCallId: 'c2', name: 'notify', content: '{"error":"arguments were not JSON"}' },
    { role: 'user', content: 'And tell finance.' },
    { role: 'assistant', content: '' },
    { role: 'user', content: 'Please.' },
  ];
  t.same(anthropicMessages(messages), [
    { role: 'user', content: 'Pay INV-7.' },
    {
      role: 'assistant',
      content: [
        { type: 'tool_use', id: 'c1', name: 'pay', input: { invoice: 'INV-7' } },
        { type: 'tool_use', id: 'c2', name: 'notify', input: {} },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'c1', content: '{"ok":true}' },
        { type: 'tool_result', tool_use_id: 'c2', content: '{"error":"arguments were not JSON"}' },
        { type: 'text', text: 'And tell finance.' },
        { type: 'text', text: 'Please.' },
      ],
    },
  ], 'tool results merged into one user turn with the words after them; an empty assistant turn left out');
  t.same(anthropicBody({ model: 'm', messages: messages.slice(0, 1), maxTokens: 99 }), { model: 'm', max_tokens: 99, messages: [{ role: 'user', content: 'Pay INV-7.' }] });

  const openai = openAiBody({ model: 'm', system: 'Be brief.', messages: messages.slice(0, 4) });
  t.same(openai.messages, [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Pay INV-7.' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'c1', type: 'function', function: { name: 'pay', arguments: '{"invoice":"INV-7"}' } },
        { id: 'c2', type: 'function', function: { name: 'notify', arguments: '{"to":' } },
      ],
    },
    { role: 'tool', tool_call_id: 'c1', content: '{"ok":true}' },
    { role: 'tool', tool_call_id: 'c2', content: '{"error":"arguments were not JSON"}' },
  ]);
  t.notOk('stream_options' in openai, 'stream_options only with stream');
});

t.test("provider error bodies in each provider's shape", async (t) => {
  t.same(readProviderError('{"error":{"message":"Incorrect API key","type":"invalid_request_error","code":"invalid_api_key"}}'), { message: 'Incorrect API key', type: 'invalid_request_error' });
  t.same(readProviderError('{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'), { message: 'Overloaded', type: 'overloaded_error' });
  t.same(readProviderError('{"error":"model \\"llama9\\" not found, try pulling it first"}'), { message: 'model "llama9" not found, try pulling it first', type: undefined });
  t.same(readProviderError('{"object":"error","message":"The model `x` does not exist.","type":"NotFoundError"}'), { message: 'The model `x` does not exist.', type: 'NotFoundError' });
  t.same(readProviderError('{"detail":"Not Found"}'), { message: 'Not Found', type: undefined });
  t.same(readProviderError('<html><body><h1>502 Bad Gateway</h1></body></html>'), { message: '502 Bad Gateway', type: undefined });
  t.same(readProviderError(''), { message: undefined, type: undefined });
});

t.test('base URLs and the address guard', async (t) => {
  t.equal(parseLlmBaseUrl('https://api.openai.com/v1/'), 'https://api.openai.com/v1');
  t.equal(parseLlmBaseUrl(' http://10.0.0.5:11434/v1 '), 'http://10.0.0.5:11434/v1');
  t.equal(parseLlmBaseUrl('https://api.anthropic.com'), 'https://api.anthropic.com');
  for (const bad of ['api.openai.com/v1', 'ftp://x/v1', 'https://k:s@x/v1', 'https://x/v1?api-key=1', 'https://x/v1#f', 'https://x/v1?']) {
    t.throws(() => parseLlmBaseUrl(bad), { code: 'LLM_URL_INVALID' }, bad);
  }
  await t.rejects(checkLlmAddress('http://127.0.0.1:11434/v1', false), { code: 'LLM_ADDRESS_FORBIDDEN' });
  await t.rejects(checkLlmAddress('http://[::1]:11434/v1', false), { code: 'LLM_ADDRESS_FORBIDDEN' });
  await t.rejects(checkLlmAddress('http://169.254.169.254/v1', false), { code: 'LLM_ADDRESS_FORBIDDEN' }, 'the cloud metadata address');
  await t.resolves(checkLlmAddress('http://127.0.0.1:11434/v1', true));
  await t.resolves(checkLlmAddress('https://8.8.8.8/v1', false));

  // A name that resolves to loopback is stopped at connect time by the dispatcher's lookup.
  const sim = await startLlmSimulator();
  const guarded = llmDispatcher({ allowPrivateNetworks: false });
  t.teardown(async () => {
    await sim.close();
    await guarded.close();
  });
  const port = new URL(sim.url).port;
  const infos: unknown[] = [];
  const p = new OpenAiProvider({ baseUrl: `http://localhost:${port}/v1`, apiKey: sim.apiKey, dispatcher: guarded, retry: { attempts: 3, baseDelayMs: 1 }, onRequest: (i) => infos.push(i) });
  await t.rejects(p.chat({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }), { code: 'LLM_ADDRESS_FORBIDDEN' });
  t.equal(infos.length, 1, 'not retried');
  t.equal(sim.requests.length, 0, 'nothing reached the server');
});

t.test('the limiter: slots in order, a full queue refused, a wait cancelled', async (t) => {
  const limiter = new LlmLimiter({ maxConcurrent: 1, maxQueue: 1, maxWaitMs: 50 });
  const first = await limiter.acquire();
  const second = limiter.acquire();
  await t.rejects(limiter.acquire(), { code: 'LLM_TOO_MANY_REQUESTS' }, 'the queue is full');
  first();
  first();
  const release = await second;
  t.same(limiter.stats, { inFlight: 1, waiting: 0 }, 'releasing twice frees once');
  await t.rejects(limiter.acquire(), { code: 'LLM_TOO_MANY_REQUESTS', extensions: { retryAfterSeconds: 5 } }, 'no slot within the wait');
  const controller = new AbortController();
  const waiting = limiter.acquire(controller.signal);
  controller.abort(new Error('cancelled'));
  await t.rejects(waiting, /cancelled/);
  release();
  t.same(limiter.stats, { inFlight: 0, waiting: 0 });
});

t.test('cost in micro-halalas is exact', async (t) => {
  t.equal(costMicroHalalas({ inputTokens: 1234, outputTokens: 567 }, { input: 300, output: 1200 }), 1234 * 300 + 567 * 1200);
  t.equal(costMicroHalalas({ inputTokens: 0, outputTokens: 0 }, { input: 300, output: 1200 }), 0);
});
