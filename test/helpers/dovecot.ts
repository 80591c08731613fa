import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { freePort } from './free-port.js';

/**
 * A private Dovecot for one test: its own config, passwd-file, maildirs and log in a temp dir, IMAP
 * without TLS on a free port of 127.0.0.1, plain-text logins for the users asked for. Started as the
 * current user: as root, mail is kept as the `dovecot` user the package created (Dovecot refuses
 * root for mail); otherwise everything runs as the current user. Stopped in teardown.
 */

export interface DovecotUser {
  readonly user: string;
  readonly password: string;
}

export interface DovecotServer {
  readonly host: string;
  readonly port: number;
  readonly users: Readonly<Record<string, DovecotUser>>;
  /** Dovecot's log, for a failing test's message. */
  readonly logFile: string;
  /** Delivers a raw message into a user's mailbox by IMAP APPEND; resolves to its UID. */
  deliver(user: string, raw: string | Buffer, mailbox?: string): Promise<number>;
  /** The flags of a message (`\Seen` once the platform took it). */
  flags(user: string, uid: number, mailbox?: string): Promise<string[]>;
  stop(): Promise<void>;
}

const BINARIES = ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot'];

/** The dovecot binary, or undefined when Dovecot is not installed. DOGAN_TEST_DOVECOT names another one (or `none`). */
export function dovecotBinary(): string | undefined {
  const chosen = process.env.DOGAN_TEST_DOVECOT;
  if (chosen) return chosen !== 'none' && existsSync(chosen) ? chosen : undefined;
  for (const path of BINARIES) if (existsSync(path)) return path;
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, 'dovecot'))) return join(dir, 'dovecot');
  return undefined;
}

/** Why the IMAP tests cannot run here, or undefined when they can. */
export function dovecotMissing(): string | undefined {
  return dovecotBinary() ? undefined : 'Dovecot is not installed (apt-get install dovecot-imapd; .ci/services installs it), so the IMAP tests are skipped';
}

/** uid and gid of a system user, from /etc/passwd. */
function systemUser(name: string): { uid: number; gid: number } | undefined {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function config(dir: string, port: number): string {
  const root = process.getuid?.() === 0;
  const me = userInfo();
  // Dovecot never gives mail access to root: as root, mail is the package's `dovecot` user's.
  const mailUser = root ? 'dovecot' : me.username;
  const identity = root
    ? ['first_valid_uid = 1', 'first_valid_gid = 1']
    : [`default_internal_user = ${me.username}`, `default_login_user = ${me.username}`, `first_valid_uid = ${me.uid}`, `first_valid_gid = ${me.gid}`];
  return [
    `base_dir = ${dir}/run`,
    `state_dir = ${dir}/state`,
    `log_path = ${dir}/dovecot.log`,
    `info_log_path = ${dir}/dovecot.log`,
    'protocols = imap',
    'listen = 127.0.0.1',
    'ssl = no',
    'disable_plaintext_auth = no',
    'auth_mechanisms = plain login',
    'auth_failure_delay = 0',
    `mail_location = maildir:${dir}/mail/%u`,
    `mail_uid = ${mailUser}`,
    `mail_gid = ${mailUser}`,
    ...identity,
    'passdb {',
    '  driver = passwd-file',
    `  args = scheme=PLAIN username_format=%u ${dir}/users`,
    '}',
    'userdb {',
    '  driver = passwd-file',
    `  args = username_format=%u ${dir}/users`,
    '}',
    'service imap-login {',
    '  inet_listener imap {',
    '    address = 127.0.0.1',
    `    port = ${port}`,
    '  }',
    '  inet_listener imaps {',
    '    port = 0',
    '  }',
    ...(root ? [] : ['  chroot =']),
    '}',
    // No auth penalty socket, no penalty: the tests' wrong passwords would otherwise delay every later login
    // from 127.0.0.1 (2 s, doubling up to 15 s).
    'service anvil {',
    '  unix_listener anvil-auth-penalty {',
    '    mode = 0',
    '  }',
    ...(root ? [] : ['  chroot =']),
    '}',
    '',
  ].join('\n');
}

/** Resolves once the server greets on the port ("* OK"), or rejects after `timeoutMs`. */
async function waitForGreeting(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`dovecot exited with ${child.exitCode}`);
    const greeted = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.once('data', (data) => done(data.toString().startsWith('* OK')));
      socket.once('error', () => done(false));
      socket.setTimeout(1000, () => done(false));
    });
    if (greeted) return;
    if (Date.now() > until) throw new Error(`dovecot did not answer on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function withClient<T>(port: number, u: DovecotUser, work: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user: u.user, pass: u.password }, logger: false, disableAutoIdle: true });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/**
 * Starts a private Dovecot with the given users (password `pass-<user>` unless given), or resolves
 * undefined when Dovecot is not installed (the test then skips with `dovecotMissing()`). A Dovecot
 * that is installed but does not start fails the test.
 */
export async function startDovecot(t: { teardown(fn: () => unknown): void }, users: ReadonlyArray<string | DovecotUser> = ['tester']): Promise<DovecotServer | undefined> {
  const binary = dovecotBinary();
  if (!binary) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'dogan-dovecot-'));
  // Dovecot's auth and mail processes run as its own users: they must reach the passwd-file and maildirs.
  chmodSync(dir, 0o755);
  const byName: Record<string, DovecotUser> = {};
  for (const u of users) {
    const user = typeof u === 'string' ? { user: u, password: `pass-${u}` } : u;
    byName[user.user] = user;
  }
  for (const sub of ['run', 'state', 'mail']) mkdirSync(join(dir, sub), { recursive: true });
  const root = process.getuid?.() === 0;
  if (root) {
    const owner = systemUser('dovecot');
    if (!owner) throw new Error('running as root, Dovecot needs its "dovecot" system user (made by the dovecot-core package)');
    chownSync(join(dir, 'mail'), owner.uid, owner.gid);
  }
  writeFileSync(join(dir, 'users'), Object.values(byName).map((u) => `${u.user}:{PLAIN}${u.password}::::\n`).join(''), { mode: 0o644 });
  const port = await freePort();
  writeFileSync(join(dir, 'dovecot.conf'), config(dir, port));
  const logFile = join(dir, 'dovecot.log');
  const child = spawn(binary, ['-F', '-c', join(dir, 'dovecot.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => void (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A test process that dies without its teardown still takes its Dovecot with it.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', orphanGuard);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  t.teardown(stop);
  try {
    await waitForGreeting(port, child, 10_000);
  } catch (err) {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
    await stop();
    throw new Error(`${(err as Error).message}\n${stderr}\n${log}`);
  }

  const userOf = (name: string) => {
    const u = byName[name];
    if (!u) throw new Error(`no Dovecot user "${name}"`);
    return u;
  };
  return {
    host: '127.0.0.1',
    port,
    users: byName,
    logFile,
    async deliver(user, raw, mailbox = 'INBOX') {
      return withClient(port, userOf(user), async (client) => {
        const appended = await client.append(mailbox, typeof raw === 'string' ? Buffer.from(raw) : raw);
        if (!appended || appended.uid === undefined) throw new Error('Dovecot did not answer the APPEND with a UID');
        return appended.uid;
      });
    },
    async flags(user, uid, mailbox = 'INBOX') {
      return withClient(port, userOf(user), async (client) => {
        const lock = await client.getMailboxLock(mailbox);
        try {
          const message = await client.fetchOne(String(uid), { uid: true, flags: true }, { uid: true });
          return message ? [...(message.flags ?? [])] : [];
        } finally {
          lock.release();
        }
      });
    },
    stop,
  };
}
