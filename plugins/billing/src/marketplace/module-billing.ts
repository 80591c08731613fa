import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import type { Clock } from '../clock.js';
import { InvoiceLineSchema, PendingChargeSchema, type Invoice } from '../entities/invoices.js';
import { ModulePurchaseSchema, PublisherPayoutSchema, type ModulePurchase } from '../entities/usage.js';
import { BillingErrors } from '../errors.js';
import type { NewLine } from '../invoices/invoice-service.js';
import { lineText } from '../invoices/line-text.js';
import { scaleRounded } from '../money.js';
import type { UsageService } from '../usage/usage-service.js';

/** How a marketplace module is priced (amounts in minor units of the billing currency). */
export type ModulePricing =
  | { model: 'free' }
  | { model: 'one_time'; amount: number }
  | { model: 'monthly'; amount: number }
  | { model: 'per_use'; amount: number; metric?: string };

export interface ModulePurchaseInput {
  moduleId: string;
  version: string;
  pricing: ModulePricing;
  publisher: string;
}

export const moduleMetric = (moduleId: string) => `module:${moduleId}`;

function validatePricing(p: ModulePricing): void {
  if (p.model === 'free') return;
  if (!['one_time', 'monthly', 'per_use'].includes(p.model)) throw BillingErrors.MODULE_PRICING_INVALID(`unknown model "${String((p as { model: unknown }).model)}"`);
  if (!Number.isSafeInteger(p.amount) || p.amount < 0) throw BillingErrors.MODULE_PRICING_INVALID('amount must be whole minor units ≥ 0');
}

/**
 * Marketplace revenue: a purchase adds the price to the tenant's next invoice (one-time), or every
 * period's invoice (monthly, per use); when that invoice is paid the publisher's share of each module
 * line is recorded once, for the payout report. Modules are billed in arrears when a usage period
 * closes: a monthly module ended during a period (uninstalled) is billed for that period in full and
 * for none after it, not prorated; each use of a per-use module is an event under its metric.
 */
export class ModuleBilling {
  constructor(private readonly deps: { orm: MikroORM; clock: Clock; usage: UsageService; currency: string; sharePercent: number }) {}

  async purchase(tenantId: string, input: ModulePurchaseInput): Promise<ModulePurchase> {
    validatePricing(input.pricing);
    const em = this.deps.orm.em.fork();
    const now = this.deps.clock.now();
    const purchase = em.create(ModulePurchaseSchema, {
      id: randomUUID(), tenantId, moduleId: input.moduleId, version: input.version, publisher: input.publisher,
      pricing: input.pricing as unknown as Record<string, unknown>, active: true, createdAt: now,
    });
    if (input.pricing.model === 'one_time' && input.pricing.amount > 0) {
      em.create(PendingChargeSchema, {
        id: randomUUID(), tenantId, kind: 'module', description: lineText.module(input.moduleId, input.version), amount: input.pricing.amount,
        currency: this.deps.currency, metadata: { moduleId: input.moduleId, version: input.version, publisher: input.publisher, purchaseId: purchase.id }, invoiceId: null, createdAt: now,
      });
    }
    await em.flush();
    return purchase;
  }

  /** Ends the tenant's monthly purchases of a module (an uninstall); returns how many ended. */
  async endRecurring(tenantId: string, moduleId: string): Promise<number> {
    const em = this.deps.orm.em.fork();
    const monthly = (await em.find(ModulePurchaseSchema, { tenantId, moduleId, active: true })).filter((p) => (p.pricing as unknown as ModulePricing).model === 'monthly');
    const now = this.deps.clock.now();
    for (const p of monthly) Object.assign(p, { active: false, endedAt: now });
    await em.flush();
    return monthly.length;
  }

  /** One use of a per-use module, counted at the period's close (a fresh key: every call is a use). */
  async recordUse(tenantId: string, moduleId: string, quantity = 1): Promise<void> {
    const metric = moduleMetric(moduleId);
    await this.deps.usage.record(tenantId, { key: `${metric}:${randomUUID()}`, metric, quantity });
  }

  /** Lines for recurring and per-use modules over a closed usage period. */
  async periodLines(tenantId: string, period: { start: Date; end: Date }): Promise<NewLine[]> {
    const purchases = await this.deps.orm.em.fork().find(
      ModulePurchaseSchema,
      { tenantId, createdAt: { $lt: period.end }, $or: [{ active: true }, { endedAt: { $gte: period.start } }] },
      { orderBy: { createdAt: 'asc' } },
    );
    const lines: NewLine[] = [];
    // Bought again after an uninstall in the same period: still one month's charge (and one count of uses) for that period.
    const billed = new Set<string>();
    for (const p of purchases) {
      const pricing = p.pricing as unknown as ModulePricing;
      const meta = { moduleId: p.moduleId, version: p.version, publisher: p.publisher, purchaseId: p.id };
      if (billed.has(`${pricing.model}:${p.moduleId}`)) continue;
      billed.add(`${pricing.model}:${p.moduleId}`);
      if (pricing.model === 'monthly' && pricing.amount > 0) {
        lines.push({ kind: 'module', description: lineText.module(p.moduleId, p.version), amount: pricing.amount, metadata: meta });
      } else if (pricing.model === 'per_use' && pricing.amount > 0) {
        const uses = await this.deps.usage.aggregate(tenantId, pricing.metric ?? moduleMetric(p.moduleId), 'sum', period.start, period.end);
        if (uses > 0) lines.push({ kind: 'module', description: lineText.moduleUse(p.moduleId, uses), quantity: uses, unitAmount: pricing.amount, amount: uses * pricing.amount, metadata: meta });
      }
    }
    return lines;
  }

  /** Records the publisher's share of each module line of a paid invoice; the line id keeps it to once. */
  async recordPayouts(invoice: Invoice): Promise<void> {
    const em = this.deps.orm.em.fork();
    const lines = await em.find(InvoiceLineSchema, { invoiceId: invoice.id, kind: 'module' });
    for (const line of lines) {
      const publisher = line.metadata.publisher;
      if (typeof publisher !== 'string' || line.amount <= 0) continue;
      if (await em.findOne(PublisherPayoutSchema, { id: line.id })) continue;
      em.create(PublisherPayoutSchema, {
        id: line.id, publisher, moduleId: String(line.metadata.moduleId ?? ''), tenantId: invoice.tenantId, invoiceId: invoice.id, gross: line.amount,
        sharePercent: this.deps.sharePercent, share: scaleRounded(line.amount, this.deps.sharePercent, 100), currency: invoice.currency, recordedAt: this.deps.clock.now(),
      });
    }
    await em.flush();
  }

  /** What each publisher is owed for payments recorded in [from, to). */
  async payoutReport(from: Date, to: Date) {
    const rows = await this.deps.orm.em.fork().find(PublisherPayoutSchema, { recordedAt: { $gte: from, $lt: to } }, { orderBy: { publisher: 'asc', recordedAt: 'asc' } });
    const by = new Map<string, { publisher: string; currency: string; gross: number; share: number; lines: number }>();
    for (const r of rows) {
      const key = `${r.publisher}|${r.currency}`;
      const slot = by.get(key) ?? { publisher: r.publisher, currency: r.currency, gross: 0, share: 0, lines: 0 };
      slot.gross += r.gross;
      slot.share += r.share;
      slot.lines += 1;
      by.set(key, slot);
    }
    return { from: from.toISOString(), to: to.toISOString(), publishers: [...by.values()] };
  }
}
