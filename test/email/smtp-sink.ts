import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

/** One message the sink took: the envelope, the raw bytes, and what mailparser made of them. */
export interface SinkMessage {
  readonly from: string;
  readonly to: readonly string[];
  /** Who logged in for it; null without authentication. */
  readonly user: string | null;
  readonly raw: Buffer;
  readonly parsed: ParsedMail;
}

export interface SmtpSink {
  readonly host: string;
  readonly port: number;
  readonly messages: SinkMessage[];
  /** Messages taken so far (parsed or not). */
  received(): number;
  /** When each message was taken (performance.now()), by its Message-ID header; with `parse: false` too. */
  readonly arrivals: Map<string, number>;
  /** Logins tried, in order, with whether the sink took them. */
  readonly logins: Array<{ user: string; ok: boolean }>;
  /** The next `count` messages get a temporary failure at DATA (451 by default), then mail is taken again. */
  deferNext(count: number, code?: number): void;
  /** RCPT TO for `address` is refused with `code` (550: a hard bounce) from now on. */
  rejectRecipient(address: string, code?: number): void;
  /** Messages to `address`, in the order they arrived. */
  to(address: string): SinkMessage[];
  /** Resolves once `count` messages arrived (in all), failing after `timeoutMs`; gives the parsed ones. */
  waitFor(count: number, timeoutMs?: number): Promise<SinkMessage[]>;
  close(): Promise<void>;
}

function smtpError(code: number, text: string): Error & { responseCode: number } {
  return Object.assign(new Error(text), { responseCode: code });
}

/**
 * A real SMTP server in the test process (smtp-server) on a free loopback port, without TLS: with
 * `auth` it wants a login and refuses any other password with 535, as a mail provider does. Every
 * message that is taken is parsed with mailparser, so tests compare what a mail client would show.
 */
export async function startSmtpSink(options: { auth?: { user: string; pass: string }; parse?: boolean } = {}): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  const arrivals = new Map<string, number>();
  let received = 0;
  // Parsed messages count once parsed, so a waiter always finds them in `messages`.
  const taken = () => (options.parse === false ? received : messages.length);
  const logins: Array<{ user: string; ok: boolean }> = [];
  const rejected = new Map<string, number>();
  const deferrals: number[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    secure: false,
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      const ok = auth.username === options.auth?.user && auth.password === options.auth?.pass;
      logins.push({ user: String(auth.username), ok });
      if (!ok) return callback(smtpError(535, '5.7.8 Authentication credentials invalid'));
      callback(null, { user: auth.username });
    },
    onRcptTo(address, _session, callback) {
      const code = rejected.get(address.address.toLowerCase());
      if (code !== undefined) return callback(smtpError(code, `${code >= 500 ? '5.1.1' : '4.2.1'} <${address.address}>: Recipient address rejected`));
      callback();
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const deferral = deferrals.shift();
        if (deferral !== undefined) return callback(smtpError(deferral, '4.3.0 Try again later'));
        const raw = Buffer.concat(chunks);
        received++;
        const id = /^Message-ID:\s*(<[^>\r\n]+>)/im.exec(raw.subarray(0, 8192).toString('latin1'))?.[1];
        if (id && !arrivals.has(id)) arrivals.set(id, performance.now());
        // A benchmark counts; parsing every message would measure mailparser.
        if (options.parse === false) {
          for (const wake of waiters) wake();
          return callback();
        }
        simpleParser(raw).then(
          (parsed) => {
            messages.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              user: session.user ? String(session.user) : null,
              raw,
              parsed,
            });
            for (const wake of waiters) wake();
            callback();
          },
          (err: Error) => callback(err),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = ((server as unknown as { server: { address(): AddressInfo } }).server.address() as AddressInfo).port;
  return {
    host: '127.0.0.1',
    port,
    messages,
    received: () => received,
    arrivals,
    logins,
    deferNext(count, code = 451) {
      for (let i = 0; i < count; i++) deferrals.push(code);
    },
    rejectRecipient(address, code = 550) {
      rejected.set(address.toLowerCase(), code);
    },
    to(address) {
      return messages.filter((m) => m.to.some((a) => a.toLowerCase() === address.toLowerCase()));
    },
    waitFor(count, timeoutMs = 15_000) {
      if (taken() >= count) return Promise.resolve(messages.slice());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`the SMTP sink got ${taken()} messages, not ${count}, within ${timeoutMs} ms`));
        }, timeoutMs);
        const wake = () => {
          if (taken() < count) return;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(messages.slice());
        };
        waiters.add(wake);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
