/**
 * Who is calling: Bearer tokens from the AAD simulator (Exchange Online, app-only with
 * full_access_as_app), Basic and NTLM (Exchange on-premises accounts). The answers for bad
 * credentials mimic Exchange: HTTP 401 with WWW-Authenticate and, for tokens, x-ms-diagnostics.
 * Source: "Authenticate an EWS application by using OAuth" (Microsoft Learn); the diagnostics
 * format follows Exchange Online's (`<code>;reason="…";error_category="…"`).
 */
import { createPublicKey, verify as verifySignature, KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { challengeMessage, messageType, parseAuthenticate, verifyNtlmV2 } from './ntlm';

export interface EwsAccount {
  /** Logon name (`svc-sync`) or UPN (`svc-sync@firma.de`). */
  user: string;
  /** NetBIOS domain (`FIRMA`); NTLM and `DOMAIN\user` logons must name it. */
  domain?: string;
  password: string;
  /** Holds the ApplicationImpersonation role. */
  impersonation: boolean;
  /** The account's own mailbox, if it has one (used when a request does not impersonate). */
  mailbox?: string;
}

export interface Caller {
  /** Key for the per-account concurrency limit. */
  account: string;
  scheme: 'Bearer' | 'Basic' | 'NTLM';
  /** App-only OAuth token: Exchange requires the ExchangeImpersonation header. */
  appOnly: boolean;
  mayImpersonate: boolean;
  ownMailbox?: string;
}

export type AuthOutcome =
  | { kind: 'ok'; caller: Caller }
  | { kind: 'challenge'; headers: Record<string, string | string[]> }
  | { kind: 'reject'; headers: Record<string, string | string[]>; reason: string };

export const EXCHANGE_ONLINE_AUDIENCE = 'https://outlook.office365.com';
const EXCHANGE_APP_ID = '00000002-0000-0ff1-ce00-000000000000';

interface NtlmState {
  challenge?: Buffer;
  caller?: Caller;
}

export class Authenticator {
  private readonly ntlm = new WeakMap<Socket, NtlmState>();
  private readonly aadKey?: KeyObject;

  constructor(private readonly accounts: EwsAccount[], aadPublicKeyPem: string | undefined, private readonly clock: () => number) {
    if (aadPublicKeyPem) this.aadKey = createPublicKey(aadPublicKeyPem);
  }

  /** The WWW-Authenticate offers of this server (on-premises schemes and/or Bearer). */
  private offers(error?: string): string[] {
    const offers: string[] = [];
    if (this.aadKey) {
      offers.push(`Bearer client_id="${EXCHANGE_APP_ID}", trusted_issuers="00000001-0000-0000-c000-000000000000@*", token_types="app_asserted_user_v1 service_asserted_app_v1", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"${error ? `, error="${error}"` : ''}`);
    }
    if (this.accounts.length) offers.push('Negotiate', 'NTLM', 'Basic realm="127.0.0.1"');
    return offers;
  }

  private reject(reason: string, diagnostics?: string, bearerError?: string): AuthOutcome {
    const headers: Record<string, string | string[]> = { 'WWW-Authenticate': this.offers(bearerError) };
    if (diagnostics) headers['x-ms-diagnostics'] = diagnostics;
    return { kind: 'reject', headers, reason };
  }

  authenticate(req: IncomingMessage): AuthOutcome {
    const header = req.headers.authorization ?? '';
    const space = header.indexOf(' ');
    const scheme = (space > 0 ? header.slice(0, space) : header).toLowerCase();
    const value = space > 0 ? header.slice(space + 1).trim() : '';
    const state = this.ntlm.get(req.socket);
    if (!header) {
      // NTLM authenticates the connection: later requests on it need no header (as with IIS).
      if (state?.caller) return { kind: 'ok', caller: state.caller };
      return this.reject('no credentials');
    }
    if (scheme === 'bearer' && this.aadKey) return this.bearer(value);
    if (scheme === 'basic' && this.accounts.length) return this.basic(value);
    if ((scheme === 'ntlm' || scheme === 'negotiate') && this.accounts.length) return this.ntlmStep(req.socket, scheme, value);
    return this.reject(`scheme ${scheme} not offered`);
  }

  private bearer(token: string): AuthOutcome {
    const parts = token.split('.');
    let header: { alg?: string };
    let claims: { aud?: string; exp?: number; nbf?: number; roles?: string[]; tid?: string; appid?: string; scp?: string };
    try {
      header = JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
    } catch {
      return this.reject('malformed token', '2000000;reason="The token is malformed.";error_category="invalid_token"', 'invalid_token');
    }
    const signed = parts.length === 3 && header.alg === 'RS256'
      && verifySignature('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), this.aadKey!, Buffer.from(parts[2]!, 'base64url'));
    if (!signed) return this.reject('bad signature', '2000001;reason="The token has an invalid signature.";error_category="invalid_signature"', 'invalid_token');
    const aud = (claims.aud ?? '').replace(/\/$/, '');
    if (aud !== EXCHANGE_ONLINE_AUDIENCE && aud !== EXCHANGE_APP_ID) {
      return this.reject('wrong audience', `2000003;reason="The audience claim value is invalid '${claims.aud ?? ''}'.";error_category="invalid_resource"`, 'invalid_token');
    }
    const now = Math.floor(this.clock() / 1000);
    if (typeof claims.exp !== 'number' || claims.exp <= now) {
      return this.reject('token expired', '2000008;reason="The token has expired.";error_category="invalid_token"', 'invalid_token');
    }
    if (typeof claims.nbf === 'number' && claims.nbf > now + 300) {
      return this.reject('token not yet valid', '2000007;reason="The token is not yet valid.";error_category="invalid_token"', 'invalid_token');
    }
    const appOnly = !claims.scp;
    if (appOnly && !(claims.roles ?? []).includes('full_access_as_app')) {
      return this.reject('role full_access_as_app missing', '2000008;reason="The token contains no permissions, or permissions can not be understood.";error_category="invalid_grant"', 'invalid_token');
    }
    return { kind: 'ok', caller: { account: `app:${claims.tid}:${claims.appid}`, scheme: 'Bearer', appOnly, mayImpersonate: true } };
  }

  private findAccount(user: string, domain: string | undefined): EwsAccount | undefined {
    const u = user.toLowerCase();
    return this.accounts.find((a) => {
      const au = a.user.toLowerCase();
      const userMatches = au === u || (au.includes('@') && au.split('@')[0] === u) || (u.includes('@') && u.split('@')[0] === au);
      const domainMatches = !domain || !a.domain || a.domain.toLowerCase() === domain.toLowerCase();
      return userMatches && domainMatches;
    });
  }

  private callerOf(a: EwsAccount, scheme: Caller['scheme']): Caller {
    return {
      account: `user:${(a.domain ?? '').toUpperCase()}\\${a.user.toLowerCase()}`, scheme, appOnly: false,
      mayImpersonate: a.impersonation, ownMailbox: a.mailbox ?? (a.user.includes('@') ? a.user : undefined),
    };
  }

  private basic(value: string): AuthOutcome {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return this.reject('malformed Basic credentials');
    let user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    let domain: string | undefined;
    if (user.includes('\\')) [domain, user] = user.split('\\', 2) as [string, string];
    const account = this.findAccount(user, domain);
    if (!account || account.password !== password) return this.reject(`Basic logon failed for ${domain ? domain + '\\' : ''}${user}`);
    return { kind: 'ok', caller: this.callerOf(account, 'Basic') };
  }

  private ntlmStep(socket: Socket, scheme: string, value: string): AuthOutcome {
    const token = Buffer.from(value, 'base64');
    const type = messageType(token);
    const prefix = scheme === 'negotiate' ? 'Negotiate' : 'NTLM';
    if (type === 1) {
      const domain = this.accounts.find((a) => a.domain)?.domain ?? 'WORKGROUP';
      const { token: challenge, challenge: serverChallenge } = challengeMessage(domain, 'EXCH01');
      this.ntlm.set(socket, { challenge: serverChallenge });
      return { kind: 'challenge', headers: { 'WWW-Authenticate': `${prefix} ${challenge.toString('base64')}` } };
    }
    if (type === 3) {
      const state = this.ntlm.get(socket);
      this.ntlm.delete(socket);
      if (!state?.challenge) return this.reject('NTLM authenticate without a challenge on this connection');
      const auth = parseAuthenticate(token);
      if (!auth) return this.reject('malformed NTLM authenticate message');
      const candidates = this.accounts.filter((a) => a.user.toLowerCase() === auth.user.toLowerCase()
        || (a.user.includes('@') && a.user.split('@')[0]!.toLowerCase() === auth.user.toLowerCase()));
      const account = candidates.find((a) => !auth.domain || !a.domain || a.domain.toLowerCase() === auth.domain.toLowerCase());
      if (!account) return this.reject(`NTLM logon failed: unknown user ${auth.domain}\\${auth.user}`);
      if (!verifyNtlmV2(auth, account.password, state.challenge)) return this.reject(`NTLM logon failed for ${auth.domain}\\${auth.user}: wrong password`);
      const caller = this.callerOf(account, 'NTLM');
      this.ntlm.set(socket, { caller });
      return { kind: 'ok', caller };
    }
    return this.reject('malformed NTLM message');
  }
}
