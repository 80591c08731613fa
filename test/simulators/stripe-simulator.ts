import { createHmac, randomBytes } from 'node:crypto';
import { parseForm, SimulatorServer, type SimRequest, type SimResponse } from './http-util.js';

/**
 * The subset of the Stripe API Dogan uses, on the wire as Stripe speaks it: form-encoded bodies,
 * Bearer secret keys, `Idempotency-Key` replay (the same answer and `Idempotent-Replayed: true`;
 * other parameters under a used key are an `idempotency_error`), Stripe's error objects, and
 * webhook events signed with `Stripe-Signature: t=…,v1=HMAC-SHA256(secret, "t.payload")`.
 *
 * Test cards: `pm_card_visa` and `pm_card_mastercard` succeed; `pm_card_chargeDeclined` and
 * `pm_card_chargeDeclinedInsufficientFunds` decline. `declineNext(pm)` flips a card for one charge.
 */
export interface StripeEvent {
  id: string;
  type: string;
  created: number;
  data: { object: Record<string, unknown> };
}

const CARDS: Record<string, { brand: string; decline?: string }> = {
  pm_card_visa: { brand: 'visa' },
  pm_card_mastercard: { brand: 'mastercard' },
  pm_card_chargeDeclined: { brand: 'visa', decline: 'generic_decline' },
  pm_card_chargeDeclinedInsufficientFunds: { brand: 'visa', decline: 'insufficient_funds' },
};

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

export class StripeSimulator extends SimulatorServer {
  readonly secretKey = 'sk_test_simulator_0123456789';
  readonly webhookSecret = 'whsec_simulator_0123456789';
  readonly customers = new Map<string, Record<string, unknown>>();
  readonly paymentIntents = new Map<string, Record<string, unknown>>();
  readonly events: StripeEvent[] = [];
  readonly requests: Array<{ method: string; path: string; idempotencyKey?: string; replayed: boolean }> = [];
  /** Answers the next N requests with a dropped connection (the client cannot know what happened). */
  dropNext = 0;
  private readonly attached = new Map<string, string>();
  private readonly idempotent = new Map<string, { params: string; response: SimResponse }>();
  private readonly forcedDeclines = new Set<string>();

  declineNext(paymentMethod: string): void {
    this.forcedDeclines.add(paymentMethod);
  }

  /** An event as Stripe would POST it to the webhook endpoint: the exact payload and its signature header. */
  sign(event: StripeEvent, at = Math.floor(Date.now() / 1000), secret = this.webhookSecret): { payload: string; header: string } {
    const payload = JSON.stringify(event, null, 2);
    const v1 = createHmac('sha256', secret).update(`${at}.${payload}`).digest('hex');
    return { payload, header: `t=${at},v1=${v1}` };
  }

  eventsOfType(type: string): StripeEvent[] {
    return this.events.filter((e) => e.type === type);
  }

  private error(status: number, type: string, message: string, extra: Record<string, unknown> = {}): SimResponse {
    return { status, body: { error: { type, message, ...extra } }, headers: { 'request-id': id('req') } };
  }

  private emit(type: string, object: Record<string, unknown>): void {
    this.events.push({ id: id('evt'), type, created: Math.floor(Date.now() / 1000), data: { object: structuredClone(object) } });
  }

  protected handle(req: SimRequest): SimResponse {
    const idempotencyKey = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined;
    if (this.dropNext > 0) {
      this.dropNext--;
      this.requests.push({ method: req.method, path: req.path, idempotencyKey, replayed: false });
      if (idempotencyKey && !this.idempotent.has(idempotencyKey)) {
        // The charge happened; only the answer is lost. A retry with the key must replay, not charge again.
        const response = this.route(req);
        this.idempotent.set(idempotencyKey, { params: req.body, response });
      }
      return { status: 0, body: null };
    }
    const auth = req.headers.authorization;
    if (auth !== `Bearer ${this.secretKey}`) {
      return this.error(401, 'invalid_request_error', `Invalid API Key provided: ${String(auth ?? '').slice(7, 15)}****`);
    }
    if (idempotencyKey && req.method === 'POST') {
      const seen = this.idempotent.get(idempotencyKey);
      if (seen) {
        this.requests.push({ method: req.method, path: req.path, idempotencyKey, replayed: true });
        if (seen.params !== req.body) {
          return this.error(400, 'idempotency_error', `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`);
        }
        return { ...seen.response, headers: { ...(seen.response.headers ?? {}), 'idempotent-replayed': 'true', 'idempotency-key': idempotencyKey } };
      }
    }
    this.requests.push({ method: req.method, path: req.path, idempotencyKey, replayed: false });
    const response = this.route(req);
    if (idempotencyKey && req.method === 'POST' && response.status < 500) this.idempotent.set(idempotencyKey, { params: req.body, response });
    return response;
  }

  private route(req: SimRequest): SimResponse {
    const params = parseForm(req.body);
    const parts = req.path.split('/').filter(Boolean);
    if (parts[0] !== 'v1') return this.error(404, 'invalid_request_error', `Unrecognized request URL (${req.method}: ${req.path}).`);
    const [, resource, rid, action] = parts;
    if (resource === 'customers' && req.method === 'POST' && !rid) {
      const customer = { id: id('cus'), object: 'customer', name: params.name ?? null, metadata: params.metadata ?? {}, invoice_settings: { default_payment_method: null }, created: Math.floor(Date.now() / 1000), livemode: false };
      this.customers.set(customer.id, customer);
      return { status: 200, body: customer };
    }
    if (resource === 'customers' && rid) {
      const customer = this.customers.get(rid);
      if (!customer) return this.error(404, 'invalid_request_error', `No such customer: '${rid}'`, { code: 'resource_missing', param: 'id' });
      if (req.method === 'POST') {
        const settings = params.invoice_settings as { default_payment_method?: string } | undefined;
        if (settings?.default_payment_method) {
          if (this.attached.get(settings.default_payment_method) !== rid) {
            return this.error(400, 'invalid_request_error', `The customer does not have a payment method with the ID ${settings.default_payment_method}.`, { code: 'resource_missing', param: 'invoice_settings[default_payment_method]' });
          }
          customer.invoice_settings = { default_payment_method: settings.default_payment_method };
        }
      }
      return { status: 200, body: customer };
    }
    if (resource === 'payment_methods' && rid && action === 'attach' && req.method === 'POST') {
      const card = CARDS[rid];
      if (!card) return this.error(400, 'invalid_request_error', `No such PaymentMethod: '${rid}'`, { code: 'resource_missing', param: 'payment_method' });
      const customer = String(params.customer ?? '');
      if (!this.customers.has(customer)) return this.error(400, 'invalid_request_error', `No such customer: '${customer}'`, { code: 'resource_missing', param: 'customer' });
      this.attached.set(rid, customer);
      return { status: 200, body: { id: rid, object: 'payment_method', type: 'card', card: { brand: card.brand, last4: '4242' }, customer } };
    }
    if (resource === 'payment_intents' && req.method === 'POST' && !rid) return this.createIntent(params);
    if (resource === 'payment_intents' && rid && req.method === 'GET') {
      const intent = this.paymentIntents.get(rid);
      return intent ? { status: 200, body: intent } : this.error(404, 'invalid_request_error', `No such payment_intent: '${rid}'`, { code: 'resource_missing', param: 'intent' });
    }
    return this.error(404, 'invalid_request_error', `Unrecognized request URL (${req.method}: ${req.path}).`);
  }

  private createIntent(params: Record<string, unknown>): SimResponse {
    const amount = Number(params.amount);
    if (!Number.isInteger(amount) || amount < 50) return this.error(400, 'invalid_request_error', 'Amount must be at least 50 cents', { code: 'amount_too_small', param: 'amount' });
    const currency = String(params.currency ?? '');
    if (!/^[a-z]{3}$/.test(currency)) return this.error(400, 'invalid_request_error', 'Invalid currency', { param: 'currency' });
    const pm = params.payment_method ? String(params.payment_method) : null;
    const intent: Record<string, unknown> = {
      id: id('pi'), object: 'payment_intent', amount, amount_received: 0, currency, customer: params.customer ?? null, payment_method: pm,
      description: params.description ?? null, metadata: params.metadata ?? {}, status: 'requires_payment_method', last_payment_error: null,
      created: Math.floor(Date.now() / 1000), livemode: false,
    };
    this.paymentIntents.set(intent.id as string, intent);
    if (params.confirm !== 'true') return { status: 200, body: intent };
    const card = pm ? CARDS[pm] : undefined;
    if (!pm || !card) return this.error(400, 'invalid_request_error', `No such PaymentMethod: '${pm}'`, { code: 'resource_missing', param: 'payment_method' });
    if (params.customer && this.attached.get(pm) !== params.customer) {
      return this.error(400, 'invalid_request_error', `The provided PaymentMethod ${pm} is not attached to customer ${String(params.customer)}.`, { param: 'payment_method' });
    }
    const decline = this.forcedDeclines.delete(pm) ? 'generic_decline' : card.decline;
    if (decline) {
      const lastError = { type: 'card_error', code: 'card_declined', decline_code: decline, message: 'Your card was declined.', payment_method: { id: pm } };
      Object.assign(intent, { status: 'requires_payment_method', last_payment_error: lastError });
      this.emit('payment_intent.payment_failed', intent);
      return this.error(402, 'card_error', 'Your card was declined.', { code: 'card_declined', decline_code: decline, payment_intent: intent, request_log_url: 'https://dashboard.stripe.com/test/logs' });
    }
    Object.assign(intent, { status: 'succeeded', amount_received: amount });
    this.emit('payment_intent.succeeded', intent);
    return { status: 200, body: intent };
  }
}
