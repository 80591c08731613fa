/**
 * How a node spends the API-call allowance it leased for one hard-stopped tenant and period.
 *
 * The bound (also in the README, Billing): nodes serve only allowance reserved in the shared row,
 * and reservations never pass the limit, so calls served in a period never exceed it, however many
 * nodes: overshoot 0. (A lowered limit reaches a node when it reloads the plan; blocks it leased
 * before may still be served.) The price is allowance reserved and not served: a node holds at most
 * a quarter of its last block plus the block it fetched ahead. A block starts at FIRST_BLOCK, doubles
 * while the node keeps using them, and never exceeds MAX_BLOCK nor 1/32 of what is left of the
 * period, so near the limit it is a single call. A node that stops getting the tenant's calls gives
 * its rest back at its next flush, and on shutdown; a node that dies takes its rest with it: the
 * tenant loses at most 1.25 blocks (≤ 625 calls, ≤ 4% of what was left) of that period's quota.
 * When in doubt (a lease or a give-back whose answer was lost) a node assumes the worse for the
 * tenant, never more calls. None of this is billed: billing reads the calls counted, not the
 * allowance reserved.
 */
export const MAX_BLOCK = 500;
/** A node new to a tenant (or back after idling) starts small: a quiet tenant leaves little allowance stranded. */
const FIRST_BLOCK = 8;
/** A block takes at most this share of what is left: many nodes asking at once still leave the last ones something. */
const SHARE = 32;
/** After the period's allowance ran out: refusals come from memory, one recheck per node per interval. */
const EXHAUSTED_RECHECK_MS = 2_000;
/** After a lease failed: the same, so a database that is down is not asked once per request. */
const FAILED_RETRY_MS = 1_000;

/** The block to ask for when `reserved` of `limit` is already reserved and the last block was `last` (0: none). */
export function blockSize(limit: number, reserved: number, last: number): number {
  const wanted = last > 0 ? 2 * last : FIRST_BLOCK;
  return Math.max(1, Math.min(wanted, MAX_BLOCK, Math.ceil((limit - reserved) / SHARE)));
}

export class LocalAllowance {
  /** Calls this node may still serve. */
  left = 0;
  /** The shared reserved total as of this node's last lease (sizes the next block). */
  reserved = 0;
  /** The lease in flight, shared by every request that waits for it. */
  leasing: Promise<void> | undefined;
  /** Why the last lease failed; set while refusals are 503s rather than 429s. */
  failure: unknown = undefined;
  /** Whether a call was served since the last flush (an idle node gives its rest back). */
  usedSinceFlush = false;
  private lastBlock = 0;
  private lowWater = 0;
  private refusedUntil = 0;

  /** Takes one call; false when nothing is left here. */
  take(): boolean {
    if (this.left === 0) return false;
    this.left--;
    this.usedSinceFlush = true;
    return true;
  }

  /** A quarter of the last block left: fetch the next one before requests have to wait for it. */
  wantsTopUp(): boolean {
    return this.left <= this.lowWater && this.leasing === undefined && !this.refusing();
  }

  /** Out of allowance, or unable to lease, recently enough not to ask again yet. */
  refusing(): boolean {
    return this.refusedUntil !== 0 && Date.now() < this.refusedUntil;
  }

  nextBlock(limit: number): number {
    return blockSize(limit, this.reserved, this.lastBlock);
  }

  granted(calls: number, reserved: number): void {
    this.left += calls;
    this.reserved = reserved;
    if (calls > 0) this.lastBlock = calls;
    this.lowWater = calls >> 2;
    this.failure = undefined;
    this.refusedUntil = calls > 0 ? 0 : Date.now() + EXHAUSTED_RECHECK_MS;
  }

  failed(err: unknown): void {
    this.failure = err;
    this.refusedUntil = Date.now() + FAILED_RETRY_MS;
  }

  /** The limit changed (an override): stop answering from the last verdict. */
  limitChanged(): void {
    this.refusedUntil = 0;
  }

  /**
   * Hands over what is left, to give back, and starts the next lease small again; none while a lease
   * is in flight (it may still add some). What is handed over is not served, even if giving it back
   * fails: the write may have happened all the same, and serving it then could pass the limit.
   */
  surrender(): number {
    if (this.leasing) return 0;
    const calls = this.left;
    this.left = 0;
    this.lastBlock = 0;
    this.lowWater = 0;
    this.reserved = Math.max(0, this.reserved - calls);
    return calls;
  }
}
