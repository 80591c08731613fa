import { createHash, timingSafeEqual } from 'node:crypto';
import { BillingErrors } from '../errors.js';
import type { ChargeRequest, ChargeResult, PaymentProvider, ProviderEvent } from './provider.js';

export interface MoyasarOptions {
  secretKey: string;
  webhookSecret: string | undefined;
  apiUrl: string | undefined;
}

interface MoyasarPayment {
  id: string;
  status: string;
  amount: number;
  currency: string;
  metadata?: Record<string, string> | null;
  source?: { type?: string; message?: string | null; response_code?: string | null } | null;
}

/** Moyasar wants a UUID as `given_id`; derive it from the attempt's key so a retry sends the same one. */
export function uuidFromKey(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Moyasar (mada, Apple Pay and cards by a saved token; amounts in halalas): payments created with
 * the tenant's token, `given_id` as the idempotency key, and webhooks checked by their secret token
 * (constant-time). STC Pay needs the customer present (an OTP), so it is not used for renewals.
 */
export class MoyasarProvider implements PaymentProvider {
  readonly name = 'moyasar' as const;
  readonly needsPaymentMethod = true;
  private readonly base: string;

  constructor(private readonly options: MoyasarOptions) {
    this.base = (options.apiUrl ?? 'https://api.moyasar.com').replace(/\/$/, '');
  }

  private async request(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(this.base + path, {
      method,
      headers: { authorization: 'Basic ' + Buffer.from(this.options.secretKey + ':').toString('base64'), 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    return { status: res.status, json };
  }

  async savePaymentMethod(input: { tenantId: string; customerId: string | null; paymentMethod: string }) {
    // A token from Moyasar's form (mada, Visa, Apple Pay); checked by fetching it, never stored raw elsewhere.
    const { status, json } = await this.request('GET', `/v1/tokens/${encodeURIComponent(input.paymentMethod)}`).catch((err: Error) => {
      throw BillingErrors.PAYMENT_PROVIDER_ERROR(err.message);
    });
    if (status === 404) throw BillingErrors.PAYMENT_METHOD_INVALID('Moyasar does not know this token');
    if (status >= 400) throw BillingErrors.PAYMENT_PROVIDER_ERROR(String(json.message ?? status));
    return { customerId: input.customerId, paymentMethod: input.paymentMethod };
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    let answer: { status: number; json: Record<string, unknown> };
    try {
      answer = await this.request('POST', '/v1/payments', {
        given_id: uuidFromKey(request.idempotencyKey),
        amount: request.amount,
        currency: request.currency,
        description: `Dogan invoice ${request.invoiceNumber}`,
        source: { type: 'token', token: request.paymentMethod },
        metadata: { invoice_id: request.invoiceId, tenant_id: request.tenantId },
      });
    } catch {
      return { status: 'pending', providerPaymentId: null };
    }
    if (answer.status >= 500) return { status: 'pending', providerPaymentId: null };
    if (answer.status >= 400) {
      return { status: 'failed', providerPaymentId: null, failureCode: String(answer.json.type ?? 'invalid_request'), failureMessage: String(answer.json.message ?? 'refused') };
    }
    const payment = answer.json as unknown as MoyasarPayment;
    if (payment.status === 'paid') return { status: 'succeeded', providerPaymentId: payment.id };
    if (payment.status === 'failed') {
      return { status: 'failed', providerPaymentId: payment.id, failureCode: payment.source?.response_code ?? 'failed', failureMessage: payment.source?.message ?? 'payment failed' };
    }
    return { status: 'pending', providerPaymentId: payment.id };
  }

  parseWebhook(rawBody: Buffer): ProviderEvent {
    if (!this.options.webhookSecret) throw BillingErrors.PAYMENT_PROVIDER_NOT_CONFIGURED('moyasar', 'MOYASAR_WEBHOOK_SECRET is not set');
    let body: { id?: unknown; type?: unknown; secret_token?: unknown; data?: MoyasarPayment };
    try {
      body = JSON.parse(rawBody.toString('utf8'));
    } catch {
      throw BillingErrors.WEBHOOK_PAYLOAD_INVALID('Moyasar', 'not JSON');
    }
    const given = Buffer.from(typeof body.secret_token === 'string' ? body.secret_token : '');
    const expected = Buffer.from(this.options.webhookSecret);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw BillingErrors.WEBHOOK_SIGNATURE_INVALID('Moyasar', 'the secret token does not match');
    if (typeof body.id !== 'string' || typeof body.type !== 'string' || typeof body.data !== 'object' || body.data === null) {
      throw BillingErrors.WEBHOOK_PAYLOAD_INVALID('Moyasar', 'id, type and data are required');
    }
    const p = body.data;
    return {
      id: body.id,
      type: body.type,
      outcome: body.type === 'payment_paid' ? 'succeeded' : body.type === 'payment_failed' ? 'failed' : 'ignored',
      providerPaymentId: typeof p.id === 'string' ? p.id : null,
      invoiceId: p.metadata?.invoice_id ?? null,
      amount: typeof p.amount === 'number' ? p.amount : null,
      currency: typeof p.currency === 'string' ? p.currency.toUpperCase() : null,
      failureCode: p.source?.response_code ?? undefined,
      failureMessage: p.source?.message ?? undefined,
    };
  }
}
