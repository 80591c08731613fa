import { Agent } from 'undici';

export interface KeepAliveAgentOptions {
  /** Connections per origin; default 16 (the tenant limiter bounds what one tenant uses of them). */
  readonly connections?: number;
  /**
   * Idle time before a kept connection is closed; default 4000. Kept under the idle timeouts of the
   * proxies that front ERPNext (nginx 65 s, most load balancers 60 s), so we close first and a request
   * rarely lands on a socket the server is closing. undici shortens it further on a `Keep-Alive: timeout` hint.
   */
  readonly keepAliveTimeoutMs?: number;
  /** TCP/TLS connect timeout; default 10000. */
  readonly connectTimeoutMs?: number;
}

/** A dispatcher that reuses connections to each site: the TLS handshake is paid once, not per request. */
export function keepAliveAgent(options: KeepAliveAgentOptions = {}): Agent {
  return new Agent({
    connections: options.connections ?? 16,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 4_000,
    keepAliveMaxTimeout: 60_000,
    // One request per connection at a time: Frappe's workers (gunicorn) answer pipelined requests in order, so pipelining buys nothing and one slow request would stall the rest.
    pipelining: 1,
    connect: { timeout: options.connectTimeoutMs ?? 10_000 },
  });
}

/** A dispatcher that opens a new connection for every request (`pipelining: 0` turns keep-alive off): the baseline the bench compares with. */
export function freshConnectionAgent(options: { connectTimeoutMs?: number } = {}): Agent {
  return new Agent({ pipelining: 0, connect: { timeout: options.connectTimeoutMs ?? 10_000 } });
}

let shared: Agent | undefined;

/** The module-level keep-alive Agent clients use when given no dispatcher. */
export function sharedAgent(): Agent {
  shared ??= keepAliveAgent();
  return shared;
}
