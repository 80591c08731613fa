import { entryHash, GENESIS_HASH } from './chain-hash.js';
import type { AuditTrailEntry } from './trail-entry.js';

/** Why a chain does not verify. */
export type ChainFault = 'hash_mismatch' | 'prev_hash_mismatch' | 'seq_gap' | 'head_mismatch';

export interface ChainVerification {
  readonly ok: boolean;
  /** Entries that verified (all of them when ok). */
  readonly entries: number;
  /** The first entry that is missing, changed or unlinked. */
  readonly firstBadSeq?: number;
  readonly reason?: ChainFault;
  readonly detail?: string;
}

type Fault = Required<Pick<ChainVerification, 'firstBadSeq' | 'reason' | 'detail'>>;

/** Why one entry breaks the chain at the position expected of it, or undefined when it holds. */
function faultOf(entry: AuditTrailEntry, expectedSeq: number, prevHash: string, tenantId: string | null): Fault | undefined {
  if (entry.seq !== expectedSeq) {
    return { firstBadSeq: expectedSeq, reason: 'seq_gap', detail: `entry ${expectedSeq} is missing: the next entry is ${entry.seq}` };
  }
  if (entry.prevHash !== prevHash) {
    return { firstBadSeq: entry.seq, reason: 'prev_hash_mismatch', detail: `entry ${entry.seq} does not link to entry ${entry.seq - 1}: its prev_hash is not that entry's hash` };
  }
  if (entry.tenantId !== tenantId || entryHash(entry) !== entry.hash) {
    return { firstBadSeq: entry.seq, reason: 'hash_mismatch', detail: `entry ${entry.seq} was changed after it was written: its fields no longer match its hash` };
  }
  return undefined;
}

/**
 * Verifies a chain entry by entry, in seq order, against its head as read before the entries: every
 * entry up to the head was committed by then, so entries after it are appends made meanwhile (on any
 * node), verified like the others.
 */
export class ChainVerifier {
  private expectedSeq = 1;
  private prevHash = GENESIS_HASH;
  private fault: Fault | undefined;
  /** The hash of the entry at the head's seq, once read. */
  private hashAtHead: string | undefined;

  constructor(
    private readonly tenantId: string | null,
    private readonly head: { seq: number; hash: string } | undefined,
  ) {}

  /** Checks the next entry; false once the chain is broken (read no further). */
  accept(entry: AuditTrailEntry): boolean {
    if (this.fault) return false;
    this.fault = faultOf(entry, this.expectedSeq, this.prevHash, this.tenantId);
    if (this.fault) return false;
    if (entry.seq === this.head?.seq) this.hashAtHead = entry.hash;
    this.expectedSeq++;
    this.prevHash = entry.hash;
    return true;
  }

  /**
   * The outcome once every entry was read. An entry missing up to the head means entries at the end
   * were deleted; a head whose hash is not its entry's means the head or that entry was rewritten.
   */
  result(): ChainVerification {
    const entries = this.expectedSeq - 1;
    if (this.fault) return { ok: false, entries, ...this.fault };
    const headSeq = this.head?.seq ?? 0;
    if (headSeq > entries) {
      return { ok: false, entries, firstBadSeq: entries + 1, reason: 'seq_gap', detail: `entries ${entries + 1} to ${headSeq} are missing: the chain's head records ${headSeq} entries` };
    }
    if (this.head ? this.hashAtHead !== this.head.hash : entries > 0) {
      return { ok: false, entries, firstBadSeq: Math.max(1, headSeq), reason: 'head_mismatch', detail: `the chain's head (entry ${headSeq}) does not match the entries` };
    }
    return { ok: true, entries };
  }
}
