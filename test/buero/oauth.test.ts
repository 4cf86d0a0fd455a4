import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { BueroCode } from '../../lib/error-codes';
import { BueroClient } from '../../lib/buero/client';
import { BueroConnection, resolveSettings } from '../../lib/buero/connection';
import { resolveFieldMap } from '../../lib/buero/fields';
import { HttpTransport } from '../../lib/buero/http';
import { OAuthSession } from '../../lib/buero/oauth';
import type { SyncError } from '../../lib/errors';
import { openStateDb, type StateDb } from '../../lib/state/db';
import { TokenStore } from '../../lib/state/tokens';
import { type Sim, startSim, tempDir } from './support/harness';

const REDIRECT = 'http://127.0.0.1:1880/buero-connection/conn-1/callback';
const CLIENT = { clientId: 'node-red-sync', clientSecret: 'geheim-ß-&-=' };
const MANDANT_QUERY = '{ tblClient { rowRead { fldMandNr } } }';

/** What the browser does after "Connect to büro+": open the login URL, follow büro+'s redirect. */
async function browserLogin(url: string): Promise<{ code?: string; state?: string }> {
  const res = await fetch(url, { redirect: 'manual' });
  assert.equal(res.status, 302, 'büro+ redirects back to Node-RED');
  const back = new URL(res.headers.get('location') as string);
  assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
  return { code: back.searchParams.get('code') ?? undefined, state: back.searchParams.get('state') ?? undefined };
}

describe('büro+ OAuth 2.0: authorization code with PKCE, rotating refresh tokens (simulator over HTTP)', function () {
  this.timeout(20_000);
  let sim: Sim;
  let file: string;
  let db: StateDb;
  let conn: BueroConnection;

  const open = () => {
    db = openStateDb(file);
    conn = new BueroConnection(resolveSettings({ endpoint: sim.url, mandant: 1, auth: 'oauth', clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret }), { db, connectionId: 'conn-1' });
  };
  const crash = () => {
    conn.close();
    db.close();
  };
  const connect = async () => {
    const { url } = await (conn.session as OAuthSession).beginLogin(REDIRECT);
    await (conn.session as OAuthSession).completeLogin(await browserLogin(url));
  };
  const stored = () => new TokenStore(db, 'conn-1').load();

  beforeEach(async function () {
    sim = await startSim({ auth: { oauthClients: [{ ...CLIENT, redirectUris: [REDIRECT] }], autoApprove: true, accessTokenLifetimeSeconds: 600 } });
    file = path.join(tempDir(), 'buero-sync.sqlite');
    open();
  });

  afterEach(async function () {
    crash();
    await sim.close();
  });

  it('connects with PKCE (S256), endpoints discovered from the server metadata', async function () {
    await assert.rejects(conn.client.query(MANDANT_QUERY), (e: SyncError) => e.code === BueroCode.notConnected);
    const { url } = await (conn.session as OAuthSession).beginLogin(REDIRECT);
    const u = new URL(url);
    assert.equal(`${u.origin}${u.pathname}`, sim.oauth.authorizationEndpoint);
    assert.equal(u.searchParams.get('code_challenge_method'), 'S256');
    assert.match(u.searchParams.get('code_challenge') as string, /^[A-Za-z0-9_-]{43}$/);
    const back = await browserLogin(url);
    await (conn.session as OAuthSession).completeLogin(back);
    assert.deepEqual(await conn.client.query(MANDANT_QUERY), { tblClient: { rowRead: { fldMandNr: 1 } } });
    assert.equal((conn.session as OAuthSession).state.state, 'connected');
    await assert.rejects((conn.session as OAuthSession).completeLogin(back), /unknown or expired/, 'a callback is good once');
  });

  it('rotates the refresh token and commits it before the new access token is used', async function () {
    await connect();
    const first = stored();
    // A second, independent handle sees only what is committed on disk.
    const disk = new Database(file, { readonly: true });
    const checks: boolean[] = [];
    const transport = new HttpTransport();
    const spy = {
      request: (url: string, init: { method?: string; headers?: Record<string, string>; body?: string }) => {
        if (url === sim.url) {
          const row = disk.prepare('SELECT refresh_token, access_token FROM buero_oauth_tokens').get() as { refresh_token: string; access_token: string };
          checks.push(init.headers?.authorization === `Bearer ${row.access_token}` && row.refresh_token !== first?.refreshToken);
        }
        return transport.request(url, init);
      },
      close: () => transport.close(),
    } as unknown as HttpTransport;
    const session = new OAuthSession({
      store: new TokenStore(db, 'conn-1'),
      transport: spy,
      clientId: CLIENT.clientId,
      clientSecret: CLIENT.clientSecret,
      endpoints: async () => ({ authorizationEndpoint: sim.oauth.authorizationEndpoint, tokenEndpoint: sim.oauth.tokenEndpoint }),
    });
    const client = new BueroClient({ endpoint: sim.url, transport: spy, auth: session, fields: resolveFieldMap({}) });
    sim.expireAccessTokens();
    const issued = sim.stats().tokensIssued;
    // Three requests at once need one refresh: a second refresh of the same token would be "reuse".
    await Promise.all([client.query(MANDANT_QUERY), client.query(MANDANT_QUERY), client.query(MANDANT_QUERY)]);
    assert.equal(sim.stats().tokensIssued, issued + 1, 'one rotation');
    assert.equal(sim.stats().refreshReuseDetected, 0);
    assert.notEqual(stored()?.refreshToken, first?.refreshToken);
    // The first try of each carried the expired token; every request after the rotation the committed new one.
    assert.deepEqual(checks, [false, false, false, true, true, true]);
    disk.close();
    transport.close();

    // A restart continues the chain from the file.
    crash();
    open();
    sim.expireAccessTokens();
    await conn.client.query(MANDANT_QUERY);
    assert.equal(sim.stats().refreshReuseDetected, 0);
  });

  it('a rotation lost in a crash: büro+ detects the reuse, the status says re-connect, and re-connecting recovers', async function () {
    await connect();
    const before = db.prepare('SELECT * FROM buero_oauth_tokens').get() as Record<string, unknown>;
    sim.expireAccessTokens();
    await conn.client.query(MANDANT_QUERY);
    // The crash: the rotated token never reached the disk (e.g. a restored backup of the state file).
    db.prepare('UPDATE buero_oauth_tokens SET refresh_token = ?, access_token = ?, access_expires_at = ?').run(before.refresh_token, before.access_token, before.access_expires_at);
    crash();
    open();
    const changes: string[] = [];
    conn.onAuthChange((state, reason) => changes.push(`${state}: ${reason ?? ''}`));
    sim.expireAccessTokens();
    await assert.rejects(conn.client.query(MANDANT_QUERY), (e: SyncError) => {
      assert.equal(e.code, BueroCode.reconnectNeeded);
      assert.match(e.message, /Re-connect to büro\+ needed: .*reuse detected/);
      return true;
    });
    assert.equal(sim.stats().refreshReuseDetected, 1);
    const state = (conn.session as OAuthSession).state;
    assert.equal(state.state, 'reconnect');
    assert.match(state.reason as string, /reuse detected/);
    assert.equal(stored()?.refreshToken, null, 'the dead chain is not kept');
    assert.equal(changes.length, 1);
    // Stays broken without another login, with no further refresh attempts.
    await assert.rejects(conn.client.query(MANDANT_QUERY), (e: SyncError) => e.code === BueroCode.reconnectNeeded);
    assert.equal(sim.stats().refreshReuseDetected, 1);

    await connect();
    assert.deepEqual(await conn.client.query(MANDANT_QUERY), { tblClient: { rowRead: { fldMandNr: 1 } } });
    assert.equal((conn.session as OAuthSession).state.state, 'connected');
  });

  it('a revoked chain needs a re-connect; the reason is kept for the log', async function () {
    await connect();
    sim.revokeAllTokens();
    await assert.rejects(conn.client.query(MANDANT_QUERY), (e: SyncError) => e.code === BueroCode.reconnectNeeded && /revoked/.test(e.message));
    assert.match((conn.session as OAuthSession).state.reason as string, /revoked/);
  });

  it('a wrong client secret is a clear error, not a broken chain', async function () {
    crash();
    db = openStateDb(file);
    conn = new BueroConnection(resolveSettings({ endpoint: sim.url, mandant: 1, auth: 'oauth', clientId: CLIENT.clientId, clientSecret: 'falsch' }), { db, connectionId: 'conn-1' });
    const { url } = await (conn.session as OAuthSession).beginLogin(REDIRECT);
    await assert.rejects((conn.session as OAuthSession).completeLogin(await browserLogin(url)), (e: SyncError) => e.code === BueroCode.client && /client ID and secret/.test(e.message));
    assert.ok(!/falsch/.test(String(stored()?.reason)), 'the secret appears nowhere');
  });
});
