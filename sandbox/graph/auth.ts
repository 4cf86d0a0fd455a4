/**
 * Who is calling: app-only Bearer tokens from the AAD simulator, checked for signature,
 * audience (Microsoft Graph) and lifetime; the `roles` they carry decide which resources a
 * request may touch (routes.ts). Bad tokens are answered like Graph: HTTP 401 with
 * InvalidAuthenticationToken and Graph's wording.
 * Source: Microsoft Graph "Get access without a user", "Authentication and authorization errors".
 */
import { createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import { graphError, type Reply } from './odata';

export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

export type AuthOutcome = { kind: 'ok'; roles: string[] } | { kind: 'reject'; reply: Reply };

/** A token Graph refuses: 401 InvalidAuthenticationToken (also used for an injected revocation). */
export function rejectToken(message: string): Reply {
  return graphError(401, 'InvalidAuthenticationToken', message);
}

const reject = (message: string): AuthOutcome => ({ kind: 'reject', reply: rejectToken(message) });

export class Authenticator {
  private readonly key: KeyObject;

  constructor(aadPublicKeyPem: string, private readonly clock: () => number) {
    this.key = createPublicKey(aadPublicKeyPem);
  }

  /** Checks the Authorization header of one HTTP request (a $batch's steps share it). */
  authenticate(header: string | undefined): AuthOutcome {
    const token = /^Bearer (.+)$/i.exec(header ?? '')?.[1];
    if (!token) return reject('Access token is empty.');
    const parts = token.split('.');
    let claims: { aud?: string; exp?: number; roles?: string[] };
    try {
      claims = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
    } catch {
      return reject('IDX14100: JWT is not well formed.');
    }
    const signed = parts.length === 3 && verifySignature('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), this.key, Buffer.from(parts[2]!, 'base64url'));
    if (!signed) return reject('Access token validation failure. Invalid signature.');
    const aud = (claims.aud ?? '').replace(/\/$/, '');
    if (aud !== GRAPH_AUDIENCE && aud !== GRAPH_APP_ID) return reject('Access token validation failure. Invalid audience.');
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= this.clock()) return reject('Lifetime validation failed, the token is expired.');
    return { kind: 'ok', roles: claims.roles ?? [] };
  }
}
