import { createTransport } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import type { SMTPPoolOptions, SMTPPoolSentMessageInfo } from 'nodemailer/lib/smtp-pool';

export type PooledTransport = Mail<SMTPPoolSentMessageInfo, SMTPPoolOptions>;

interface Entry {
  readonly fingerprint: string;
  readonly transport: PooledTransport;
}

/** Transports kept at once; a platform with more active senders closes the oldest and reopens it when needed. */
const MAX_TRANSPORTS = 500;

/**
 * One pooled nodemailer transport per sender (a tenant's own server, or the platform's), kept while
 * its settings are unchanged: `fingerprint` says what they were, and a transport built from older
 * settings is closed and replaced the next time it is asked for. Settings saved on this node drop
 * theirs at once (`invalidate`); other nodes see the new fingerprint on their next send.
 */
export class TransportCache {
  private readonly entries = new Map<string, Entry>();

  get(key: string, fingerprint: string, options: () => SMTPPoolOptions & { pool: true }): PooledTransport {
    const hit = this.entries.get(key);
    if (hit && hit.fingerprint === fingerprint) {
      // Most recently used last, so the first entry is the one to close when there are too many.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.transport;
    }
    if (hit) this.drop(key);
    const transport = createTransport(options());
    this.entries.set(key, { fingerprint, transport });
    while (this.entries.size > MAX_TRANSPORTS) this.drop(this.entries.keys().next().value as string);
    return transport;
  }

  invalidate(key: string): void {
    this.drop(key);
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    // A pool closes its connections once the messages it is sending are done.
    entry.transport.close();
  }

  close(): void {
    for (const key of [...this.entries.keys()]) this.drop(key);
  }
}
