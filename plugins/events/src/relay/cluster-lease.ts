import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { lockKey, type SqlSession } from '@dogan/tenants';

/**
 * Work that must run on one node of the cluster at a time (the outbox relay of one database). The
 * relay only needs this tiny interface, so a general lease service (JetStream KV, a scheduler's
 * leases) can stand in for the two below without the relay changing.
 */
export interface ClusterLease {
  /** Runs `work` holding the lease `name`; `{ ran: false }`, without running it, while another holder has it. */
  run<T>(name: string, work: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }>;
  close(): Promise<void>;
}

/**
 * PostgreSQL: a transaction-level advisory lock on the control plane, held for the length of `work`.
 * The server releases it with the transaction or the connection, so a node that dies mid-pass frees
 * it at once; no renewal, no expiry to tune.
 */
export function advisoryLockLease(controlPlane: SqlSession): ClusterLease {
  return {
    async run(name, work) {
      return controlPlane.transaction(async (tx) => {
        const [row] = await tx.query<{ got: boolean }>('SELECT pg_try_advisory_xact_lock(?::bigint) AS got', [lockKey(`events:${name}`)]);
        if (!row?.got) return { ran: false as const };
        return { ran: true as const, value: await work() };
      });
    },
    async close() {},
  };
}

function processGone(owner: string): boolean {
  const [host, pidText] = owner.split('/');
  if (host !== hostname()) return false;
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * The embedded default: one process owns the data dir's SQLite files, so the lease is a lock file
 * naming that process (`host/pid`), taken once and kept until close. A file left by a process that
 * died (SIGKILL) is taken over; a live owner keeps it, and this process's relay stays idle.
 */
export function fileLease(path: string): ClusterLease {
  const me = `${hostname()}/${process.pid}`;
  let held = false;
  const running = new Set<string>();
  const take = (): boolean => {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, me);
        closeSync(fd);
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        let owner = '';
        try {
          owner = readFileSync(path, 'utf8').trim();
        } catch {
          continue; // removed meanwhile: try again
        }
        if (owner === me) return true;
        if (!processGone(owner)) return false;
        try {
          unlinkSync(path);
        } catch {
          // another process took it over first; the next attempt reads its name
        }
      }
    }
    return false;
  };
  return {
    async run(name, work) {
      held ||= take();
      // One pass per name at a time within the process too: two passes would publish a row twice.
      if (!held || running.has(name)) return { ran: false };
      running.add(name);
      try {
        return { ran: true, value: await work() };
      } finally {
        running.delete(name);
      }
    },
    async close() {
      if (!held) return;
      held = false;
      try {
        if (readFileSync(path, 'utf8').trim() === me) unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}
