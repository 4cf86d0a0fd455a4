import fs from 'node:fs';
import type { StateDb } from './db';

/**
 * The büro+ OAuth token chain of one connection, kept in the state file. büro+ rotates the
 * refresh token on every use and treats the reuse of a rotated one as theft (the whole chain
 * is revoked), so the new refresh token is committed here — durably, in one statement —
 * before the access token that came with it is used. A crash then loses at most an access
 * token, never the chain.
 */
export interface StoredTokens {
  /** The OAuth client the chain belongs to; a different client id means "not connected". */
  clientId: string;
  refreshToken: string | null;
  accessToken: string | null;
  /** Epoch ms. */
  accessExpiresAt: number | null;
  /** `connected`, or `reconnect` when the chain is revoked or expired. */
  state: 'connected' | 'reconnect';
  /** Why a re-connect is needed, in plain words. */
  reason: string | null;
  updatedAt: string;
}

export class TokenStore {
  private readonly db: StateDb;
  readonly connectionId: string;

  constructor(db: StateDb, connectionId: string) {
    this.db = db;
    this.connectionId = connectionId;
    // Table buero_oauth_tokens: lib/state/schema.ts.
    // The file holds refresh tokens: readable by the Node-RED user only.
    if (db.name && db.name !== ':memory:' && fs.existsSync(db.name)) {
      try {
        fs.chmodSync(db.name, 0o600);
      } catch {
        /* not the owner (e.g. a shared volume): keep the file's mode */
      }
    }
  }

  load(): StoredTokens | undefined {
    const row = this.db
      .prepare('SELECT client_id, refresh_token, access_token, access_expires_at, state, reason, updated_at FROM buero_oauth_tokens WHERE connection = ?')
      .get(this.connectionId) as Record<string, unknown> | undefined;
    if (!row) return undefined;
    return {
      clientId: row.client_id as string,
      refreshToken: (row.refresh_token as string) ?? null,
      accessToken: (row.access_token as string) ?? null,
      accessExpiresAt: (row.access_expires_at as number) ?? null,
      state: row.state === 'reconnect' ? 'reconnect' : 'connected',
      reason: (row.reason as string) ?? null,
      updatedAt: row.updated_at as string,
    };
  }

  /** A new chain (after "Connect to büro+") or one rotation of it; one atomic statement. */
  save(t: { clientId: string; refreshToken: string | null; accessToken: string | null; accessExpiresAt: number | null }, now: Date): void {
    this.db
      .prepare(
        `INSERT INTO buero_oauth_tokens (connection, client_id, refresh_token, access_token, access_expires_at, state, reason, updated_at)
         VALUES (?, ?, ?, ?, ?, 'connected', NULL, ?)
         ON CONFLICT(connection) DO UPDATE SET client_id = excluded.client_id, refresh_token = excluded.refresh_token,
           access_token = excluded.access_token, access_expires_at = excluded.access_expires_at,
           state = 'connected', reason = NULL, updated_at = excluded.updated_at`,
      )
      .run(this.connectionId, t.clientId, t.refreshToken, t.accessToken, t.accessExpiresAt, now.toISOString());
  }

  /** The chain is dead (revoked, expired, reused): keep why, drop the tokens. */
  markReconnectNeeded(clientId: string, reason: string, now: Date): void {
    this.db
      .prepare(
        `INSERT INTO buero_oauth_tokens (connection, client_id, refresh_token, access_token, access_expires_at, state, reason, updated_at)
         VALUES (?, ?, NULL, NULL, NULL, 'reconnect', ?, ?)
         ON CONFLICT(connection) DO UPDATE SET refresh_token = NULL, access_token = NULL, access_expires_at = NULL,
           state = 'reconnect', reason = excluded.reason, updated_at = excluded.updated_at`,
      )
      .run(this.connectionId, clientId, reason, now.toISOString());
  }

  clear(): void {
    this.db.prepare('DELETE FROM buero_oauth_tokens WHERE connection = ?').run(this.connectionId);
  }
}
