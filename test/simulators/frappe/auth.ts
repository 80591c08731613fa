import { frappeThrow, raise, type Ctx } from './context.js';
import { generateHash } from './errors.js';
import { rolesOf } from './permissions.js';
import type { UserSpec } from './types.js';

/**
 * Who a request is, as frappe/auth.py decides it.
 *
 * 1. HTTPRequest -> LoginManager: a request to /api/method/login logs in with `usr`/`pwd` (form or
 *    JSON); any other request resumes the session named by the `sid` cookie. An unknown sid goes on
 *    as Guest with `session_expired: 1` in the answer and the cookies cleared (sessions.py).
 *    Every answer sets the session cookies: `sid` (HttpOnly), `system_user`, `full_name`, `user_id`,
 *    `user_image` - for guests and token requests too (`sid=Guest`).
 * 2. validate_auth: an `Authorization` header of exactly two words. `token key:secret` or
 *    `Basic base64(key:secret)`: an unknown key or a wrong secret is a bare AuthenticationError (401,
 *    no message); text that is not base64 is InvalidAuthorizationToken (400); any two-word header
 *    that leaves the user Guest (a bearer token, "token abc") is an AuthenticationError. A valid
 *    cookie session wins over a valid token (validate_api_key_secret only sets the user for Guest).
 */
export interface SiteUser {
  name: string;
  email: string;
  password: string;
  apiKey: string;
  apiSecret: string;
  roles: string[];
  fullName: string;
}

/** System Settings session_expiry "240:00" (hours), as get_expiry_in_seconds reads it. */
const SESSION_SECONDS = 240 * 3600;

export class Auth {
  readonly users = new Map<string, SiteUser>();
  private readonly sessions = new Map<string, string>();

  constructor(private readonly homePage: string) {}

  add(spec: UserSpec, name = spec.email): SiteUser {
    const user: SiteUser = { name, email: spec.email, password: spec.password, apiKey: spec.apiKey, apiSecret: spec.apiSecret, roles: spec.roles ?? [], fullName: spec.fullName ?? name };
    this.users.set(name, user);
    return user;
  }

  roles(user: string): string[] {
    return rolesOf(user, this.users.get(user)?.roles ?? []);
  }

  private setUserCookies(ctx: Ctx): void {
    const user = this.users.get(ctx.user);
    ctx.cookies.set('sid', { value: ctx.sid, maxAge: SESSION_SECONDS, httpOnly: true });
    ctx.cookies.set('system_user', { value: user ? 'yes' : 'no' });
    ctx.cookies.set('full_name', { value: user?.fullName ?? 'Guest' });
    ctx.cookies.set('user_id', { value: ctx.user });
    ctx.cookies.set('user_image', { value: '' });
  }

  /** auth.clear_cookies */
  clearCookies(ctx: Ctx): void {
    for (const name of ['full_name', 'user_id', 'sid', 'user_image', 'system_user']) ctx.cookiesToDelete.add(name);
  }

  private asGuest(ctx: Ctx): void {
    ctx.user = 'Guest';
    ctx.sid = 'Guest';
    ctx.authKind = 'none';
  }

  /** LoginManager.__init__: log in (the login path) or resume the cookie's session. */
  startSession(ctx: Ctx): void {
    if (ctx.path === '/api/method/login' || ctx.path === '/api/v1/method/login' || ctx.path === '/api/v2/method/login') return this.login(ctx);
    const sid = cookie(ctx, 'sid');
    const user = sid && sid !== 'Guest' ? this.sessions.get(sid) : undefined;
    if (user) {
      ctx.user = user;
      ctx.sid = sid!;
      ctx.authKind = 'session';
    } else {
      if (sid && sid !== 'Guest') {
        ctx.response.session_expired = 1;
        this.clearCookies(ctx);
      }
      this.asGuest(ctx);
    }
    this.setUserCookies(ctx);
  }

  private fail(ctx: Ctx, message: string): never {
    ctx.response.message = message;
    return raise('AuthenticationError');
  }

  /** LoginManager.login -> authenticate -> post_login -> set_user_info. */
  private login(ctx: Ctx): void {
    const usr = ctx.formDict.usr;
    const pwd = ctx.formDict.pwd;
    if (!usr || !pwd) this.fail(ctx, 'Incomplete login details');
    if (String(pwd).length > 512) this.fail(ctx, 'Password size exceeded the maximum allowed size');
    const wanted = String(usr).toLowerCase();
    const user = [...this.users.values()].find((u) => u.name.toLowerCase() === wanted || u.email.toLowerCase() === wanted);
    if (!user || user.password !== String(pwd)) return this.fail(ctx, 'Invalid login credentials');
    ctx.user = user.name;
    ctx.sid = generateHash();
    ctx.authKind = 'session';
    this.sessions.set(ctx.sid, user.name);
    this.setUserCookies(ctx);
    ctx.response.message = 'Logged In';
    ctx.response.home_page = this.homePage;
    ctx.response.full_name = user.fullName;
  }

  /** LoginManager.logout: session deleted, cookies cleared, then login_as_guest (a Website User: "No App"). */
  logout(ctx: Ctx): void {
    if (ctx.authKind === 'session') this.sessions.delete(ctx.sid);
    this.clearCookies(ctx);
    this.asGuest(ctx);
    this.setUserCookies(ctx);
    ctx.response.message = 'No App';
    ctx.response.home_page = '/login';
    ctx.response.full_name = 'Guest';
  }

  /** validate_auth (after the session is set up). */
  validateAuth(ctx: Ctx): void {
    const header = String(ctx.headers.authorization ?? '').split(' ');
    if (header.length !== 2) return;
    const [type = '', token = ''] = header;
    let pair: string[] | undefined;
    if (type.toLowerCase() === 'basic') {
      const cleaned = token.replace(/[^A-Za-z0-9+/=]/g, '');
      if (cleaned.length % 4 !== 0 || /=[^=]/.test(cleaned)) {
        frappeThrow(ctx, 'Failed to decode token, please provide a valid base64-encoded token.', 'InvalidAuthorizationToken');
      }
      pair = Buffer.from(cleaned, 'base64').toString('utf8').split(':');
    } else if (type.toLowerCase() === 'token') pair = token.split(':');
    // Python unpacks `api_key, api_secret = ...split(":")`: anything but two parts is a ValueError, ignored.
    if (pair?.length === 2) this.validateKeySecret(ctx, pair[0]!, pair[1]!);
    if (ctx.user === 'Guest' || ctx.user === '') raise('AuthenticationError');
  }

  private validateKeySecret(ctx: Ctx, key: string, secret: string): void {
    const user = [...this.users.values()].find((u) => u.apiKey === key);
    if (!user || user.apiSecret !== secret) raise('AuthenticationError');
    if (ctx.user === 'Guest' || ctx.user === '') {
      ctx.user = user.name;
      ctx.authKind = 'token';
    }
  }
}

function cookie(ctx: Ctx, name: string): string | undefined {
  for (const part of String(ctx.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** werkzeug's dump_cookie, with CookieManager's defaults (Path=/, SameSite=Lax) and urllib quoting of values. */
export function setCookieHeaders(ctx: Ctx, now: Date): string[] {
  const http = (d: Date): string => d.toUTCString();
  const out: string[] = [];
  for (const [name, c] of ctx.cookies) {
    const value = encodeURIComponent(c.value).replace(/%2F/g, '/');
    const expiry = c.maxAge ? `; Expires=${http(new Date(now.getTime() + c.maxAge * 1000))}; Max-Age=${c.maxAge}` : '';
    out.push(`${name}=${value}${expiry}${c.httpOnly ? '; HttpOnly' : ''}; Path=/; SameSite=Lax`);
  }
  for (const name of ctx.cookiesToDelete) out.push(`${name}=; Expires=${http(new Date(now.getTime() - 86_400_000))}; Path=/`);
  return out;
}
