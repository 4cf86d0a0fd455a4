/**
 * The büro+ OAuth 2.0 authorization server (microtech: "OAuth 2.0 with mandatory PKCE and
 * refresh-token rotation"): authorization code grant with PKCE S256 only (RFC 7636; `plain` is
 * refused as RFC 9700 §2.1.1 advises), rotating refresh tokens with reuse detection — presenting
 * a refresh token that was already rotated revokes its whole family (RFC 9700 §4.14.2) — and
 * expiring opaque access tokens. Metadata per RFC 8414. Also a static token mode for tests.
 */
import crypto from 'node:crypto';
import type { Row } from '../data/generator';

export interface OAuthClient {
  clientId: string;
  /** Absent: a public client (no client authentication at the token endpoint). */
  clientSecret?: string;
  redirectUris: string[];
}

export interface OAuthOptions {
  staticToken?: string;
  oauthClients?: OAuthClient[];
  accessTokenLifetimeSeconds?: number;
  refreshTokenLifetimeSeconds?: number;
  /** The login page grants at once, as the first user (or `autoApproveUser`). */
  autoApprove?: boolean;
  /** Login name used by autoApprove and the static token; default: the first user. */
  autoApproveUser?: string;
  /** Lifetime of an authorization code; default 60 s. */
  codeLifetimeSeconds?: number;
}

interface Family {
  id: string;
  clientId: string;
  login: string;
  revoked: boolean;
}

interface AccessToken {
  family?: Family;
  login: string;
  expiresAt: number;
  revoked: boolean;
}

interface RefreshToken {
  family: Family;
  expiresAt: number;
  /** Set once this token was exchanged: presenting it again is reuse. */
  rotated: boolean;
}

interface AuthorizationCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  login: string;
  expiresAt: number;
  used: boolean;
  family?: Family;
  scope?: string;
}

export interface TokenResponse {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

export type BearerCheck = { ok: true; login: string } | { ok: false; error: string; description: string };

function randomToken(bytes = 32): string {
  return crypto.randomBytes(bytes).toString('base64url');
}

export function s256(verifier: string): string {
  return crypto.createHash('sha256').update(verifier).digest('base64url');
}

const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

function oauthError(status: number, error: string, description: string, headers?: Record<string, string>): TokenResponse {
  return { status, body: { error, error_description: description }, headers };
}

export class AuthorizationServer {
  readonly staticToken?: string;
  readonly clients: Map<string, OAuthClient>;
  tokensIssued = 0;
  refreshReuseDetected = 0;
  private readonly access = new Map<string, AccessToken>();
  private readonly refresh = new Map<string, RefreshToken>();
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly families: Family[] = [];

  constructor(
    readonly options: OAuthOptions,
    private readonly clock: () => number,
    /** The login names of tblUsers, read at login time (changes to tblUsers take effect at once). */
    private readonly users: () => Row[],
  ) {
    this.staticToken = options.staticToken;
    this.clients = new Map((options.oauthClients ?? []).map((c) => [c.clientId, c]));
  }

  get accessLifetimeMs(): number {
    return (this.options.accessTokenLifetimeSeconds ?? 3600) * 1000;
  }

  get refreshLifetimeMs(): number {
    return (this.options.refreshTokenLifetimeSeconds ?? 30 * 86400) * 1000;
  }

  /** The büro+ user of a login name (case-insensitive), or undefined. */
  findUser(login: string): Row | undefined {
    const wanted = login.trim().toLowerCase();
    return this.users().find((u) => String(u.fldAnmNa ?? '').toLowerCase() === wanted);
  }

  defaultLogin(): string {
    return this.options.autoApproveUser ?? String(this.users()[0]?.fldAnmNa ?? 'admin');
  }

  // ---------- /authorize ----------

  /**
   * Checks an authorization request. `fatal` errors are shown to the user (client or redirect
   * URI unknown: RFC 6749 §4.1.2.1 forbids redirecting); the others go back to the client.
   */
  checkAuthorizationRequest(q: URLSearchParams): { fatal?: string; error?: string; description?: string; client?: OAuthClient } {
    const client = this.clients.get(q.get('client_id') ?? '');
    if (!client) return { fatal: `Unknown client_id "${q.get('client_id') ?? ''}".` };
    const redirectUri = q.get('redirect_uri') ?? (client.redirectUris.length === 1 ? client.redirectUris[0] : '');
    if (!client.redirectUris.includes(redirectUri)) return { fatal: `redirect_uri "${redirectUri}" is not registered for client "${client.clientId}".` };
    if (q.get('response_type') !== 'code') return { client, error: 'unsupported_response_type', description: 'only response_type=code is supported' };
    if (!q.get('code_challenge')) return { client, error: 'invalid_request', description: 'PKCE is required: code_challenge missing' };
    const method = q.get('code_challenge_method') ?? 'plain';
    if (method !== 'S256') return { client, error: 'invalid_request', description: `code_challenge_method ${method} is not supported; use S256` };
    if (!/^[A-Za-z0-9_-]{43}$/.test(q.get('code_challenge')!)) return { client, error: 'invalid_request', description: 'code_challenge must be a base64url SHA-256 hash (43 characters)' };
    return { client };
  }

  issueCode(q: URLSearchParams, client: OAuthClient, login: string): string {
    const code = randomToken();
    this.codes.set(code, {
      clientId: client.clientId,
      redirectUri: q.get('redirect_uri') ?? client.redirectUris[0],
      challenge: q.get('code_challenge')!,
      login,
      expiresAt: this.clock() + (this.options.codeLifetimeSeconds ?? 60) * 1000,
      used: false,
      scope: q.get('scope') ?? undefined,
    });
    return code;
  }

  // ---------- /token ----------

  token(form: URLSearchParams, authorization: string | undefined): TokenResponse {
    // Client authentication: client_secret_basic (RFC 6749 §2.3.1, form-encoded parts) or client_secret_post.
    let clientId = form.get('client_id') ?? undefined;
    let secret = form.get('client_secret') ?? undefined;
    if (authorization?.startsWith('Basic ')) {
      const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      clientId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    }
    const client = clientId !== undefined ? this.clients.get(clientId) : undefined;
    const basic = { 'WWW-Authenticate': 'Basic realm="buero"' };
    if (!client) return oauthError(401, 'invalid_client', `unknown client "${clientId ?? ''}"`, basic);
    if (client.clientSecret !== undefined && secret !== client.clientSecret) return oauthError(401, 'invalid_client', 'client authentication failed', basic);
    const grant = form.get('grant_type');
    if (grant === 'authorization_code') return this.exchangeCode(form, client);
    if (grant === 'refresh_token') return this.rotate(form, client);
    return oauthError(400, 'unsupported_grant_type', `grant_type ${grant ?? '(missing)'} is not supported`);
  }

  private exchangeCode(form: URLSearchParams, client: OAuthClient): TokenResponse {
    const code = this.codes.get(form.get('code') ?? '');
    if (!code || code.clientId !== client.clientId) return oauthError(400, 'invalid_grant', 'unknown authorization code');
    if (code.used) {
      // A code used twice: revoke what the first use produced (RFC 6749 §4.1.2).
      if (code.family) this.revokeFamily(code.family);
      return oauthError(400, 'invalid_grant', 'authorization code already used');
    }
    code.used = true;
    if (code.expiresAt <= this.clock()) return oauthError(400, 'invalid_grant', 'authorization code expired');
    if ((form.get('redirect_uri') ?? code.redirectUri) !== code.redirectUri) return oauthError(400, 'invalid_grant', 'redirect_uri does not match the authorization request');
    const verifier = form.get('code_verifier');
    if (!verifier) return oauthError(400, 'invalid_request', 'PKCE is required: code_verifier missing');
    if (!VERIFIER.test(verifier)) return oauthError(400, 'invalid_grant', 'code_verifier must be 43–128 unreserved characters');
    if (s256(verifier) !== code.challenge) return oauthError(400, 'invalid_grant', 'code_verifier does not match the code_challenge (S256)');
    const family: Family = { id: randomToken(8), clientId: client.clientId, login: code.login, revoked: false };
    this.families.push(family);
    code.family = family;
    return this.issue(family, code.scope);
  }

  private rotate(form: URLSearchParams, client: OAuthClient): TokenResponse {
    const presented = form.get('refresh_token') ?? '';
    const token = this.refresh.get(presented);
    if (!token || token.family.clientId !== client.clientId) return oauthError(400, 'invalid_grant', 'unknown refresh token');
    if (token.family.revoked) return oauthError(400, 'invalid_grant', 'refresh token revoked');
    if (token.rotated) {
      this.refreshReuseDetected++;
      this.revokeFamily(token.family);
      return oauthError(400, 'invalid_grant', 'refresh token reuse detected; the token family is revoked, sign in again');
    }
    if (token.expiresAt <= this.clock()) return oauthError(400, 'invalid_grant', 'refresh token expired');
    token.rotated = true;
    return this.issue(token.family, form.get('scope') ?? undefined);
  }

  private issue(family: Family, scope?: string): TokenResponse {
    const accessToken = randomToken();
    const refreshToken = randomToken();
    const now = this.clock();
    this.access.set(accessToken, { family, login: family.login, expiresAt: now + this.accessLifetimeMs, revoked: false });
    this.refresh.set(refreshToken, { family, expiresAt: now + this.refreshLifetimeMs, rotated: false });
    this.tokensIssued++;
    return {
      status: 200,
      body: {
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: Math.round(this.accessLifetimeMs / 1000),
        refresh_token: refreshToken,
        ...(scope ? { scope } : {}),
      },
    };
  }

  private revokeFamily(family: Family): void {
    family.revoked = true;
    for (const t of this.access.values()) if (t.family === family) t.revoked = true;
  }

  /** RFC 7009 revocation: a refresh token revokes its family, an access token itself. */
  revoke(token: string): void {
    const r = this.refresh.get(token);
    if (r) this.revokeFamily(r.family);
    const a = this.access.get(token);
    if (a) a.revoked = true;
  }

  revokeAll(): void {
    for (const f of this.families) f.revoked = true;
    for (const t of this.access.values()) t.revoked = true;
  }

  expireAccessTokens(): void {
    const past = this.clock() - 1;
    for (const t of this.access.values()) t.expiresAt = Math.min(t.expiresAt, past);
  }

  // ---------- resource server ----------

  /** Checks `Authorization: Bearer …` on /graphql. */
  checkBearer(header: string | undefined, pageToken: string): BearerCheck {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!m) return { ok: false, error: 'invalid_request', description: 'Authorization: Bearer <access token> is required' };
    const value = m[1];
    if (this.staticToken !== undefined && value === this.staticToken) return { ok: true, login: this.defaultLogin() };
    if (value === pageToken) return { ok: true, login: this.defaultLogin() };
    const token = this.access.get(value);
    if (!token) return { ok: false, error: 'invalid_token', description: 'unknown access token' };
    if (token.revoked || token.family?.revoked) return { ok: false, error: 'invalid_token', description: 'the access token was revoked' };
    if (token.expiresAt <= this.clock()) return { ok: false, error: 'invalid_token', description: 'the access token expired' };
    return { ok: true, login: token.login };
  }
}
