import crypto from 'node:crypto';
import { BueroCode } from '../error-codes';
import { SyncError } from '../errors';
import type { TokenStore } from '../state/tokens';
import type { AccessTokenSource } from './client';
import type { HttpTransport } from './http';

/**
 * OAuth 2.0 for büro+: authorization code with PKCE (S256; büro+ makes PKCE mandatory) and
 * rotating refresh tokens (RFC 9700, "OAuth 2.0 Security Best Current Practice", 2.2.2).
 * A confidential client authenticates at the token endpoint with HTTP Basic
 * (client_secret_basic, the method every server must support, RFC 6749 2.3.1).
 */

export interface OAuthEndpoints {
  authorizationEndpoint: string;
  tokenEndpoint: string;
}

export type RandomBytes = (n: number) => Buffer;

const b64url = (buf: Buffer) => buf.toString('base64url');

/** A PKCE pair (RFC 7636 4.1/4.2): 32 random bytes as verifier, its SHA-256 as challenge. */
export function createPkce(random: RandomBytes = crypto.randomBytes): { verifier: string; challenge: string } {
  const verifier = b64url(random(32));
  const challenge = b64url(crypto.createHash('sha256').update(verifier).digest());
  return { verifier, challenge };
}

/**
 * The server's endpoints from its metadata (RFC 8414 3: `/.well-known/oauth-authorization-server`
 * at the issuer's origin) unless both are configured.
 */
export async function resolveEndpoints(
  transport: HttpTransport,
  graphqlEndpoint: string,
  configured: Partial<OAuthEndpoints>,
): Promise<OAuthEndpoints> {
  if (configured.authorizationEndpoint && configured.tokenEndpoint) {
    return { authorizationEndpoint: configured.authorizationEndpoint, tokenEndpoint: configured.tokenEndpoint };
  }
  const origin = new URL(graphqlEndpoint).origin;
  const url = `${origin}/.well-known/oauth-authorization-server`;
  const res = await transport.request(url, { headers: { accept: 'application/json' } });
  if (res.status >= 500) throw new SyncError(BueroCode.unavailable, `büro+ at ${origin} answered HTTP ${res.status} for its OAuth metadata.`, { retryable: true });
  let meta: Record<string, unknown> = {};
  try {
    meta = res.status === 200 ? JSON.parse(res.body) : {};
  } catch {
    /* handled below */
  }
  const authorizationEndpoint = configured.authorizationEndpoint || (meta.authorization_endpoint as string | undefined);
  const tokenEndpoint = configured.tokenEndpoint || (meta.token_endpoint as string | undefined);
  if (!authorizationEndpoint || !tokenEndpoint) {
    throw new SyncError(
      BueroCode.config,
      `büro+ at ${origin} offers no OAuth metadata (${url}): set the authorization and token URLs of the büro+ connection.`,
    );
  }
  return { authorizationEndpoint, tokenEndpoint };
}

interface TokenResponse {
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
  error?: string;
  error_description?: string;
}

export interface OAuthSessionOptions {
  store: TokenStore;
  transport: HttpTransport;
  clientId: string;
  clientSecret?: string;
  endpoints: () => Promise<OAuthEndpoints>;
  scope?: string;
  clock?: () => Date;
  random?: RandomBytes;
  /** Called when the chain breaks (revoked, expired, reused) or is connected again. */
  onStateChange?: (state: 'connected' | 'reconnect', reason?: string) => void;
}

/** A login started with "Connect to büro+" and not yet called back. */
interface PendingLogin {
  verifier: string;
  redirectUri: string;
  createdAt: number;
}

/** How long a started login may take (the user types a password in another window). */
const LOGIN_TTL_MS = 15 * 60_000;
/** Refresh this long before the access token expires, so a request never carries a dying one. */
const EXPIRY_SKEW_MS = 30_000;

export class OAuthSession implements AccessTokenSource {
  private readonly opts: OAuthSessionOptions;
  private readonly clock: () => Date;
  private readonly pending = new Map<string, PendingLogin>();
  private refreshing?: Promise<string>;

  constructor(opts: OAuthSessionOptions) {
    this.opts = opts;
    this.clock = opts.clock ?? (() => new Date());
  }

  /** `connected`, `not-connected` (never connected with this client) or `reconnect` (chain dead). */
  get state(): { state: 'connected' | 'not-connected' | 'reconnect'; reason?: string } {
    const t = this.opts.store.load();
    if (!t || t.clientId !== this.opts.clientId) return { state: 'not-connected' };
    if (t.state === 'reconnect' || !t.refreshToken) return { state: 'reconnect', reason: t.reason ?? undefined };
    return { state: 'connected' };
  }

  async getAccessToken(): Promise<string> {
    const t = this.opts.store.load();
    if (!t || t.clientId !== this.opts.clientId) {
      throw new SyncError(BueroCode.notConnected, 'The büro+ connection is not connected yet: open it in the editor and click "Connect to büro+".');
    }
    if (t.state === 'reconnect' || !t.refreshToken) {
      throw new SyncError(BueroCode.reconnectNeeded, `Re-connect to büro+ needed: ${t.reason ?? 'no refresh token stored'}.`);
    }
    if (t.accessToken && t.accessExpiresAt && t.accessExpiresAt - EXPIRY_SKEW_MS > this.clock().getTime()) return t.accessToken;
    // Two requests needing a fresh token share one refresh: a second refresh with the same
    // (already rotated) refresh token would look like theft to büro+.
    if (!this.refreshing) {
      this.refreshing = this.refresh(t.refreshToken).finally(() => {
        this.refreshing = undefined;
      });
    }
    return this.refreshing;
  }

  rejected(token: string): void {
    const t = this.opts.store.load();
    if (t && t.accessToken === token) {
      this.opts.store.save({ clientId: t.clientId, refreshToken: t.refreshToken, accessToken: null, accessExpiresAt: null }, this.clock());
    }
  }

  /** Starts "Connect to büro+": the URL of the büro+ login for the browser window. */
  async beginLogin(redirectUri: string): Promise<{ url: string; state: string }> {
    const { authorizationEndpoint } = await this.opts.endpoints();
    const random = this.opts.random ?? crypto.randomBytes;
    const { verifier, challenge } = createPkce(random);
    const state = b64url(random(16));
    const now = this.clock().getTime();
    for (const [k, p] of this.pending) if (now - p.createdAt > LOGIN_TTL_MS) this.pending.delete(k);
    this.pending.set(state, { verifier, redirectUri, createdAt: now });
    const url = new URL(authorizationEndpoint);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', this.opts.clientId);
    url.searchParams.set('redirect_uri', redirectUri);
    url.searchParams.set('code_challenge', challenge);
    url.searchParams.set('code_challenge_method', 'S256');
    url.searchParams.set('state', state);
    if (this.opts.scope) url.searchParams.set('scope', this.opts.scope);
    return { url: url.toString(), state };
  }

  /** Whether `state` belongs to a login this session started (the callback route asks). */
  hasPendingLogin(state: string): boolean {
    return this.pending.has(state);
  }

  /** The callback of "Connect to büro+": trades the code for the first tokens of a new chain. */
  async completeLogin(params: { code?: string; state?: string; error?: string; error_description?: string }): Promise<void> {
    if (params.error) {
      throw new SyncError(BueroCode.login, `The büro+ login was not completed: ${params.error_description || params.error}.`);
    }
    const login = params.state ? this.pending.get(params.state) : undefined;
    if (!login || !params.code) {
      throw new SyncError(BueroCode.login, 'This büro+ login is unknown or expired: click "Connect to büro+" again.');
    }
    this.pending.delete(params.state as string);
    const res = await this.tokenRequest({
      grant_type: 'authorization_code',
      code: params.code,
      redirect_uri: login.redirectUri,
      code_verifier: login.verifier,
    });
    if (!res.access_token || !res.refresh_token) {
      throw new SyncError(BueroCode.login, `büro+ did not return ${res.access_token ? 'a refresh token' : 'an access token'}: ${res.error_description || res.error || 'no reason given'}.`);
    }
    this.store(res, res.refresh_token);
    this.opts.onStateChange?.('connected');
  }

  private async refresh(refreshToken: string): Promise<string> {
    let res: TokenResponse;
    try {
      res = await this.tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
    } catch (err) {
      if (err instanceof SyncError && err.code === BueroCode.tokenRefused) {
        // invalid_grant: the chain is revoked, expired, or was reused (e.g. a rotation lost
        // in a crash before it could be stored). Only a new login helps.
        const reason = `büro+ refused the refresh token (${err.message})`;
        this.opts.store.markReconnectNeeded(this.opts.clientId, reason, this.clock());
        this.opts.onStateChange?.('reconnect', reason);
        throw new SyncError(BueroCode.reconnectNeeded, `Re-connect to büro+ needed: ${reason}.`, { cause: err });
      }
      throw err;
    }
    if (!res.access_token) throw new SyncError(BueroCode.protocol, 'The büro+ token endpoint answered without an access token.', { retryable: true });
    // Committed before the access token is handed out (see TokenStore). A server that does
    // not rotate keeps the old refresh token valid.
    this.store(res, res.refresh_token ?? refreshToken);
    return res.access_token;
  }

  private store(res: TokenResponse, refreshToken: string): void {
    const expiresIn = typeof res.expires_in === 'number' && res.expires_in > 0 ? res.expires_in : 300;
    this.opts.store.save(
      {
        clientId: this.opts.clientId,
        refreshToken,
        accessToken: res.access_token ?? null,
        accessExpiresAt: this.clock().getTime() + expiresIn * 1000,
      },
      this.clock(),
    );
  }

  private async tokenRequest(form: Record<string, string>): Promise<TokenResponse> {
    const { tokenEndpoint } = await this.opts.endpoints();
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    const body = new URLSearchParams(form);
    if (this.opts.clientSecret) {
      // RFC 6749 2.3.1: both parts form-urlencoded before Base64.
      const user = encodeURIComponent(this.opts.clientId);
      const pass = encodeURIComponent(this.opts.clientSecret);
      headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    } else {
      body.set('client_id', this.opts.clientId);
    }
    const res = await this.opts.transport.request(tokenEndpoint, { method: 'POST', headers, body: body.toString() });
    if (res.status >= 500) {
      throw new SyncError(BueroCode.unavailable, `The büro+ token endpoint answered HTTP ${res.status}.`, { retryable: true });
    }
    let json: TokenResponse;
    try {
      json = JSON.parse(res.body);
    } catch {
      throw new SyncError(BueroCode.protocol, `The büro+ token endpoint answered HTTP ${res.status} without JSON: check the token URL.`);
    }
    if (res.status >= 400 || json.error) {
      const why = json.error_description ? `${json.error}: ${json.error_description}` : json.error || `HTTP ${res.status}`;
      if (json.error === 'invalid_grant') throw new SyncError(BueroCode.tokenRefused, why);
      if (json.error === 'invalid_client' || json.error === 'unauthorized_client') {
        throw new SyncError(BueroCode.client, `büro+ does not accept the OAuth client (${why}): check client ID and secret of the büro+ connection.`);
      }
      throw new SyncError(BueroCode.token, `The büro+ token endpoint refused the request (${why}).`);
    }
    return json;
  }
}
