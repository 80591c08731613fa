import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { buildKernel, createLogger, loadConfig, startServer, type Kernel, type RunningServer } from '@dogan/runtime';
import tenantsPlugin, { tenantsApiRef, type Tenant, type TenantsApi } from '@dogan/tenants';
import { createModulesPlugin, modulesRuntimeRef, type ModuleRuntime } from '@dogan/plugin-modules';
import erpnextPlugin, { erpnextApiRef, type ErpnextApi } from '@dogan/plugin-erpnext';
import type { ModuleTestEmail } from '@dogan/sdk/testing';
import { EmailCatcher } from './email-catcher.js';

/** How to start a {@link LocalPlatform}. */
export interface LocalPlatformOptions {
  /** Where the control plane and the tenants' SQLite files go. */
  readonly dataDir: string;
  /** Remove `dataDir` on close (the test harness's throwaway databases). */
  readonly removeDataDir?: boolean;
  /** Listen on this port (0: any free one); without it the platform answers `inject` only. */
  readonly port?: number;
  /** pino level of the kernel's own log; default silent. */
  readonly logLevel?: string;
}

/** The kernel with the tenants, modules and erpnext plugins, on SQLite, in this process. */
export interface LocalPlatform {
  readonly kernel: Kernel;
  readonly runtime: ModuleRuntime;
  readonly tenants: TenantsApi;
  /** The ERPNext plugin's service: a test tenant's connections (`connectErpnext`) go through it. */
  readonly erpnext: ErpnextApi;
  /** The platform admin token of this run (random; never written to disk). */
  readonly adminToken: string;
  /** `http://127.0.0.1:<port>` when listening. */
  readonly url: string | undefined;
  /** What a tenant's modules sent through `email.send` (caught here: the local platform sends no mail). */
  sentEmails(tenantId: string): ModuleTestEmail[];
  /** Errors that event handlers of this tenant threw since the last call (the runtime only logs them). */
  takeEventFailures(tenantId: string): string[];
  /** Stops listening (draining requests), closes the plugins and the sandbox hosts, removes a throwaway data dir. */
  close(): Promise<void>;
}

// The modules runtime settles event deliveries and only logs a failed handler, with this message;
// the harness reads it from the log so `ctx.emit` can fail the way the handler did.
const EVENT_FAILED = 'module event handler failed';

/**
 * Starts the platform a module runs in for `dogan-module test` and `dev`: the real kernel, tenants,
 * modules and erpnext plugins and sandbox host, configured only from `options` (never from the
 * developer's environment or `.env`, so a `DATABASE_URL` there is never touched). ERPNext
 * connections may reach private and loopback addresses here: a developer's ERPNext, or a simulator,
 * is usually on their own machine or network.
 */
export async function startLocalPlatform(options: LocalPlatformOptions): Promise<LocalPlatform> {
  mkdirSync(options.dataDir, { recursive: true });
  const adminToken = `dev-${randomBytes(24).toString('hex')}`;
  const config = loadConfig({
    envFile: false,
    env: {
      DOGAN_DATA_DIR: options.dataDir,
      LOG_LEVEL: options.logLevel ?? 'silent',
      DOGAN_ADMIN_TOKEN: adminToken,
      PORT: String(options.port ?? 0),
      HOST: '127.0.0.1',
      ERPNEXT_ALLOW_PRIVATE_NETWORKS: 'true',
    },
  });
  const failures: Array<{ tenantId: string; message: string }> = [];
  // The kernel's log is silent for the developer, but event-handler failures are kept for the harness.
  const verbose = config.LOG_LEVEL !== 'silent';
  const logger = createLogger(
    { LOG_LEVEL: verbose ? config.LOG_LEVEL : 'info' },
    {
      write(line: string) {
        if (verbose) process.stderr.write(line);
        if (!line.includes(EVENT_FAILED)) return;
        const entry = JSON.parse(line) as { msg?: string; tenantId?: string; event?: string; err?: { message?: string } };
        if (entry.msg === EVENT_FAILED) failures.push({ tenantId: String(entry.tenantId), message: `event "${entry.event}": ${entry.err?.message ?? 'handler failed'}` });
      },
    },
  );

  // One sandbox host is plenty for one developer and starts faster than the production pool.
  const modules = createModulesPlugin({ sandbox: { hosts: 1 } });
  let kernel: Kernel;
  try {
    kernel = await buildKernel({ config, logger, plugins: [tenantsPlugin, modules, erpnextPlugin] });
  } catch (err) {
    if (options.removeDataDir) rmSync(options.dataDir, { recursive: true, force: true });
    throw err;
  }
  const emails = new EmailCatcher();
  const runtime = kernel.host.service(modulesRuntimeRef);
  if (!emails.attach(runtime) && verbose) process.stderr.write('this platform version has no email capability for modules: email.send is refused\n');
  let server: RunningServer | undefined;
  if (options.port !== undefined) {
    try {
      server = await startServer(kernel);
    } catch (err) {
      await kernel.close();
      throw err;
    }
  }
  let closing: Promise<void> | undefined;
  return {
    kernel,
    runtime,
    tenants: kernel.host.service(tenantsApiRef),
    erpnext: kernel.host.service(erpnextApiRef),
    adminToken,
    url: server?.url.replace('[::1]', '127.0.0.1'),
    sentEmails: (tenantId) => emails.sent(tenantId),
    takeEventFailures(tenantId) {
      const mine = failures.filter((f) => f.tenantId === tenantId);
      failures.splice(0, failures.length, ...failures.filter((f) => f.tenantId !== tenantId));
      return mine.map((f) => f.message);
    },
    close() {
      closing ??= (async () => {
        try {
          if (server) await server.shutdown('dogan-module stopped');
          else await kernel.close();
        } finally {
          if (options.removeDataDir) rmSync(options.dataDir, { recursive: true, force: true });
        }
      })();
      return closing;
    },
  };
}

export type { Tenant };
