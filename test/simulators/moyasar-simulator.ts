import { randomUUID } from 'node:crypto';
import { SimulatorServer, type SimRequest, type SimResponse } from './http-util.js';

/**
 * The subset of Moyasar's API Dogan uses: HTTP Basic auth with the secret key as user name, JSON
 * bodies, amounts in halalas (at least 100), payments by saved token (mada, Visa, Apple Pay),
 * `given_id` making creation idempotent (the same payment comes back), Moyasar's error shape
 * (`{type, message, errors}`), and webhook payloads carrying the account's `secret_token`.
 *
 * Tokens: `token_mada_ok`, `token_visa_ok`, `token_applepay_ok` pay; `token_mada_insufficient` fails.
 */
export interface MoyasarWebhook {
  id: string;
  type: string;
  created_at: string;
  secret_token: string;
  account_name: string;
  live: boolean;
  data: Record<string, unknown>;
}

const TOKENS: Record<string, { brand: string; company: string; fail?: string }> = {
  token_mada_ok: { brand: 'mada', company: 'mada' },
  token_visa_ok: { brand: 'visa', company: 'visa' },
  token_applepay_ok: { brand: 'applepay', company: 'mada' },
  token_mada_insufficient: { brand: 'mada', company: 'mada', fail: 'INSUFFICIENT_FUNDS' },
};

export class MoyasarSimulator extends SimulatorServer {
  readonly secretKey = 'sk_test_moyasar_simulator';
  readonly webhookSecret = 'moyasar-webhook-secret-token';
  readonly payments = new Map<string, Record<string, unknown>>();
  readonly webhooks: MoyasarWebhook[] = [];
  private readonly byGivenId = new Map<string, string>();

  protected handle(req: SimRequest): SimResponse {
    const expected = 'Basic ' + Buffer.from(this.secretKey + ':').toString('base64');
    if (req.headers.authorization !== expected) return { status: 401, body: { type: 'authentication_error', message: 'Invalid authorization credentials', errors: null } };
    const parts = req.path.split('/').filter(Boolean);
    if (parts[0] !== 'v1') return { status: 404, body: { type: 'api_error', message: 'Not found', errors: null } };
    if (parts[1] === 'tokens' && parts[2] && req.method === 'GET') {
      const token = TOKENS[parts[2]];
      if (!token) return { status: 404, body: { type: 'invalid_request_error', message: 'Object not found', errors: null } };
      return { status: 200, body: { id: parts[2], status: 'active', brand: token.brand, funding: 'debit', country: 'SA', month: '12', year: '2030', name: 'Test', last_four: '1111' } };
    }
    if (parts[1] === 'payments' && !parts[2] && req.method === 'POST') return this.createPayment(req.body);
    if (parts[1] === 'payments' && parts[2] && req.method === 'GET') {
      const payment = this.payments.get(parts[2]);
      return payment ? { status: 200, body: payment } : { status: 404, body: { type: 'invalid_request_error', message: 'Object not found', errors: null } };
    }
    return { status: 404, body: { type: 'api_error', message: 'Not found', errors: null } };
  }

  private createPayment(raw: string): SimResponse {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw);
    } catch {
      return { status: 400, body: { type: 'invalid_request_error', message: 'Malformed JSON', errors: null } };
    }
    const errors: Record<string, string[]> = {};
    if (!Number.isInteger(body.amount) || (body.amount as number) < 100) errors.amount = ['must be an integer of at least 100 (halalas)'];
    if (typeof body.currency !== 'string') errors.currency = ["can't be blank"];
    const source = body.source as { type?: string; token?: string } | undefined;
    if (!source || source.type !== 'token' || !source.token || !TOKENS[source.token]) errors.source = ['is invalid'];
    if (Object.keys(errors).length) return { status: 400, body: { type: 'invalid_request_error', message: 'Validation Failed', errors } };
    const givenId = typeof body.given_id === 'string' ? body.given_id : undefined;
    const replay = givenId ? this.byGivenId.get(givenId) : undefined;
    if (replay) return { status: 201, body: this.payments.get(replay) };
    const token = TOKENS[source!.token!]!;
    const payment: Record<string, unknown> = {
      id: givenId ?? randomUUID(), status: token.fail ? 'failed' : 'paid', amount: body.amount, fee: 0, currency: body.currency,
      refunded: 0, captured: token.fail ? 0 : body.amount, description: body.description ?? null, amount_format: '', fee_format: '',
      invoice_id: null, ip: null, callback_url: null, created_at: new Date().toISOString(), updated_at: new Date().toISOString(),
      metadata: body.metadata ?? null,
      source: { type: 'token', company: token.company, name: 'Test', number: '4201-32XX-XXXX-1111', message: token.fail ?? 'APPROVED', response_code: token.fail ? '51' : '00', gateway_id: randomUUID() },
    };
    this.payments.set(payment.id as string, payment);
    if (givenId) this.byGivenId.set(givenId, payment.id as string);
    this.webhooks.push({
      id: randomUUID(), type: token.fail ? 'payment_failed' : 'payment_paid', created_at: new Date().toISOString(), secret_token: this.webhookSecret,
      account_name: 'Dogan', live: false, data: structuredClone(payment),
    });
    return { status: 201, body: payment };
  }
}
