/* eslint-disable @typescript-eslint/no-explicit-any -- tests walk the JSON of GraphQL answers freely */
import assert from 'node:assert/strict';
import { startBueroSimulator, generateBueroData, type BueroSimulator } from '../../sandbox/buero';
import { authorize, graphql, pkcePair, tokenRequest } from '../../sandbox/buero/client';

// The büro+ OAuth 2.0 server of the simulator: authorization code + PKCE (S256 only), rotating
// refresh tokens with reuse detection, expiry, revocation, static token — all over real HTTP.
describe('sandbox büro+ simulator: OAuth', function () {
  const REDIRECT = 'http://127.0.0.1:1880/buero/oauth/callback';
  const partner = { clientId: 'node-red-sync', clientSecret: 's3cr3t/+&', redirectUris: [REDIRECT] };
  const publicClient = { clientId: 'public-app', redirectUris: ['http://localhost:9999/cb'] };
  let sim: BueroSimulator;
  let now = 1_780_000_000_000;

  const whoAmI = (token: string) => graphql<any>(sim.url, token, '{ tblUsers { rowRead(using: current) { fldAnmNa } } }');

  async function code(challenge: string, extra: Record<string, string> = {}, client = partner) {
    const r = await authorize(sim.oauth.authorizationEndpoint, {
      response_type: 'code', client_id: client.clientId, redirect_uri: client.redirectUris[0],
      code_challenge: challenge, code_challenge_method: 'S256', state: 'st-42', ...extra,
    });
    return r;
  }

  async function signIn() {
    const { verifier, challenge } = pkcePair();
    const r = await code(challenge);
    assert.equal(r.status, 302);
    const c = r.location!.searchParams.get('code')!;
    const t = await tokenRequest(sim.oauth.tokenEndpoint, { grant_type: 'authorization_code', code: c, redirect_uri: REDIRECT, code_verifier: verifier }, partner);
    assert.equal(t.status, 200, JSON.stringify(t.body));
    return t.body as { access_token: string; refresh_token: string; expires_in: number; token_type: string };
  }

  const refresh = (refreshToken: string) => tokenRequest(sim.oauth.tokenEndpoint, { grant_type: 'refresh_token', refresh_token: refreshToken }, partner);

  beforeEach(async function () {
    sim = await startBueroSimulator({
      data: generateBueroData({ seed: 5, users: 6, appointments: 5, tasks: 1, followUps: 1, addresses: 2 }),
      auth: { staticToken: 'static-T', oauthClients: [partner, publicClient], autoApprove: true, accessTokenLifetimeSeconds: 60, refreshTokenLifetimeSeconds: 3600 },
      clock: () => now,
    });
  });
  afterEach(async function () {
    await sim.close();
  });

  it('publishes RFC 8414 metadata with S256 as the only PKCE method', async function () {
    const m = (await (await fetch(sim.oauth.metadataUrl)).json()) as Record<string, unknown>;
    assert.equal(m.authorization_endpoint, sim.oauth.authorizationEndpoint);
    assert.equal(m.token_endpoint, sim.oauth.tokenEndpoint);
    assert.deepEqual(m.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(m.grant_types_supported, ['authorization_code', 'refresh_token']);
  });

  it('authorization code with PKCE S256 gives tokens that open /graphql; the state comes back', async function () {
    const { verifier, challenge } = pkcePair();
    const r = await code(challenge);
    assert.equal(r.location!.origin + r.location!.pathname, REDIRECT);
    assert.equal(r.location!.searchParams.get('state'), 'st-42');
    const t = await tokenRequest(sim.oauth.tokenEndpoint, { grant_type: 'authorization_code', code: r.location!.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: verifier }, partner);
    assert.equal(t.status, 200);
    assert.equal(t.headers.get('cache-control'), 'no-store');
    assert.equal(t.body.token_type, 'Bearer');
    assert.equal(t.body.expires_in, 60);
    assert.ok(t.body.refresh_token);
    const me = await whoAmI(t.body.access_token as string);
    assert.equal(me.status, 200);
    assert.equal(me.body.data.tblUsers.rowRead.fldAnmNa, 'aschaefer');
    assert.equal(sim.stats().tokensIssued, 1);
  });

  it('a public client (no secret) and client_secret_post work; a wrong secret is invalid_client', async function () {
    const p = pkcePair();
    const r = await code(p.challenge, {}, publicClient as typeof partner);
    const t = await tokenRequest(sim.oauth.tokenEndpoint, { grant_type: 'authorization_code', client_id: 'public-app', code: r.location!.searchParams.get('code')!, code_verifier: p.verifier });
    assert.equal(t.status, 200);
    const p2 = pkcePair();
    const r2 = await code(p2.challenge);
    const c2 = r2.location!.searchParams.get('code')!;
    const bad = await tokenRequest(sim.oauth.tokenEndpoint, { grant_type: 'authorization_code', code: c2, code_verifier: p2.verifier }, { clientId: partner.clientId, clientSecret: 'wrong' });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.error, 'invalid_client');
    const post = await tokenRequest(sim.oauth.tokenEndpoint, { grant_type: 'authorization_code', code: c2, code_verifier: p2.verifier, client_id: partner.clientId, client_secret: partner.clientSecret });
    assert.equal(post.status, 200);
  });

  it('PKCE is mandatory and S256 only: plain, a missing method (= plain) and a missing challenge are refused', async function () {
    const { verifier, challenge } = pkcePair();
    const plain = await code(verifier, { code_challenge_method: 'plain' });
    assert.equal(plain.location!.searchParams.get('error'), 'invalid_request');
    assert.match(plain.location!.searchParams.get('error_description')!, /plain is not supported; use S256/);
    const noMethod = await authorize(sim.oauth.authorizationEndpoint, { response_type: 'code', client_id: partner.clientId, redirect_uri: REDIRECT, code_challenge: challenge });
    assert.equal(noMethod.location!.searchParams.get('error'), 'invalid_request');
    const none = await authorize(sim.oauth.authorizationEndpoint, { response_type: 'code', client_id: partner.clientId, redirect_uri: REDIRECT, state: 's' });
    assert.match(none.location!.searchParams.get('error_description')!, /code_challenge missing/);
    assert.equal(none.location!.searchParams.get('state'), 's');
  });

  it('the token endpoint checks the verifier against the S256 challenge, and a missing verifier', async function () {
    const { challenge } = pkcePair();
    const other = pkcePair();
    const c = (await code(challenge)).location!.searchParams.get('code')!;
    const wrong = await tokenRequest(sim.oauth.tokenEndpoint, { grant_type: 'authorization_code', code: c, redirect_uri: REDIRECT, code_verifier: other.verifier }, partner);
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error, 'invalid_grant');
    assert.match(wrong.body.error_description as string, /does not match the code_challenge/);
    const c2 = (await code(challenge)).location!.searchParams.get('code')!;
    const missing = await tokenRequest(sim.oauth.tokenEndpoint, { grant_type: 'authorization_code', code: c2, redirect_uri: REDIRECT }, partner);
    assert.equal(missing.body.error, 'invalid_request');
  });

  it('a code works once: using it again fails and revokes the tokens it gave', async function () {
    const { verifier, challenge } = pkcePair();
    const c = (await code(challenge)).location!.searchParams.get('code')!;
    const form = { grant_type: 'authorization_code', code: c, redirect_uri: REDIRECT, code_verifier: verifier };
    const first = await tokenRequest(sim.oauth.tokenEndpoint, form, partner);
    assert.equal((await whoAmI(first.body.access_token as string)).status, 200);
    const again = await tokenRequest(sim.oauth.tokenEndpoint, form, partner);
    assert.equal(again.body.error, 'invalid_grant');
    assert.equal((await whoAmI(first.body.access_token as string)).status, 401);
  });

  it('an unknown client or an unregistered redirect_uri gets an error page, never a redirect', async function () {
    const { challenge } = pkcePair();
    const unknown = await authorize(sim.oauth.authorizationEndpoint, { response_type: 'code', client_id: 'evil', redirect_uri: 'http://evil.example/cb', code_challenge: challenge, code_challenge_method: 'S256' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.location, undefined);
    const badRedirect = await code(challenge, { redirect_uri: 'http://evil.example/cb' });
    assert.equal(badRedirect.status, 400);
    assert.match(badRedirect.body, /is not registered/);
  });

  it('refresh tokens rotate; reusing a rotated one revokes the whole family', async function () {
    const first = await signIn();
    const second = await refresh(first.refresh_token);
    assert.equal(second.status, 200);
    assert.notEqual(second.body.refresh_token, first.refresh_token);
    const third = await refresh(second.body.refresh_token as string);
    assert.equal(third.status, 200);
    assert.equal((await whoAmI(third.body.access_token as string)).status, 200);

    const reuse = await refresh(first.refresh_token);
    assert.equal(reuse.status, 400);
    assert.equal(reuse.body.error, 'invalid_grant');
    assert.match(reuse.body.error_description as string, /reuse detected/);
    assert.equal(sim.stats().refreshReuseDetected, 1);
    // The newest tokens of the family are dead too: the chain is revoked.
    assert.equal((await refresh(third.body.refresh_token as string)).body.error, 'invalid_grant');
    const denied = await whoAmI(third.body.access_token as string);
    assert.equal(denied.status, 401);
    assert.match(denied.headers.get('www-authenticate')!, /error="invalid_token".*revoked/);
    // Another sign-in (another family) is not affected.
    const other = await signIn();
    assert.equal((await whoAmI(other.access_token)).status, 200);
  });

  it('access tokens expire after their lifetime; the refresh token gets a new one; refresh tokens expire too', async function () {
    const t = await signIn();
    now += 59_000;
    assert.equal((await whoAmI(t.access_token)).status, 200);
    now += 2_000;
    const expired = await whoAmI(t.access_token);
    assert.equal(expired.status, 401);
    assert.match(expired.headers.get('www-authenticate')!, /invalid_token.*expired/);
    const renewed = await refresh(t.refresh_token);
    assert.equal((await whoAmI(renewed.body.access_token as string)).status, 200);
    now += 3_600_000;
    const late = await refresh(renewed.body.refresh_token as string);
    assert.equal(late.body.error, 'invalid_grant');
    assert.match(late.body.error_description as string, /expired/);
  });

  it('expireAccessTokens() ends every access token at once; refreshing still works', async function () {
    const t = await signIn();
    sim.expireAccessTokens();
    assert.equal((await whoAmI(t.access_token)).status, 401);
    const renewed = await refresh(t.refresh_token);
    assert.equal((await whoAmI(renewed.body.access_token as string)).status, 200);
  });

  it('revokeAllTokens() kills access and refresh tokens; the static token stays', async function () {
    const t = await signIn();
    sim.revokeAllTokens();
    assert.equal((await whoAmI(t.access_token)).status, 401);
    assert.equal((await refresh(t.refresh_token)).body.error, 'invalid_grant');
    assert.equal((await whoAmI('static-T')).status, 200);
  });

  it('/graphql needs a Bearer token: none or an unknown one is 401 with WWW-Authenticate', async function () {
    const none = await graphql<any>(sim.url, undefined, '{ tblClient { rowRead { fldMandNr } } }');
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate')!, /^Bearer realm="buero"/);
    const unknown = await whoAmI('nope');
    assert.equal(unknown.status, 401);
    assert.equal((await whoAmI('static-T')).status, 200);
  });

  it('unsupported grant types are refused', async function () {
    const r = await tokenRequest(sim.oauth.tokenEndpoint, { grant_type: 'password', username: 'x', password: 'y' }, partner);
    assert.equal(r.body.error, 'unsupported_grant_type');
  });
});

describe('sandbox büro+ simulator: OAuth login page (without autoApprove)', function () {
  const REDIRECT = 'http://127.0.0.1:1880/cb';
  const client = { clientId: 'demo', clientSecret: 'x', redirectUris: [REDIRECT] };
  let sim: BueroSimulator;

  before(async function () {
    sim = await startBueroSimulator({ data: generateBueroData({ seed: 9, users: 5, appointments: 1, tasks: 0, followUps: 0, addresses: 1 }), auth: { oauthClients: [client] } });
  });
  after(async function () {
    await sim.close();
  });

  const post = (form: Record<string, string>) =>
    fetch(sim.oauth.authorizationEndpoint, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });

  it('shows a form, refuses a wrong password, signs the user in with "demo" and the token acts as that user', async function () {
    const { verifier, challenge } = pkcePair();
    const params = { response_type: 'code', client_id: 'demo', redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256', state: 'abc' };
    const page = await authorize(sim.oauth.authorizationEndpoint, params);
    assert.equal(page.status, 200);
    assert.match(page.body, /<form method="post"/);
    assert.match(page.body, /value="Jörg"/);
    const wrong = await post({ ...params, username: 'Jörg', password: 'falsch', action: 'approve' });
    assert.equal(wrong.status, 401);
    assert.match(await wrong.text(), /Passwort falsch/);
    const right = await post({ ...params, username: 'jörg', password: 'demo', action: 'approve' });
    assert.equal(right.status, 302);
    const location = new URL(right.headers.get('location')!);
    assert.equal(location.searchParams.get('state'), 'abc');
    const t = await tokenRequest(sim.oauth.tokenEndpoint, { grant_type: 'authorization_code', code: location.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: verifier }, client);
    const token = t.body.access_token as string;
    const me = await graphql<any>(sim.url, token, '{ tblUsers { rowRead(using: current) { fldNr fldAnmNa } } }');
    assert.deepEqual(me.body.data.tblUsers.rowRead, { fldNr: 2, fldAnmNa: 'Jörg' });
    const created = await graphql<any>(sim.url, token, 'mutation { tblCalendar { rowNew { fldBeginn(set: { text: "2026-03-29T10:00" }) rowSave { fldBzrNr fldErstBzr } } } }');
    assert.deepEqual(created.body.data.tblCalendar.rowNew.rowSave, { fldBzrNr: 2, fldErstBzr: 'Jörg' });
  });

  it('"Deny" sends access_denied back to the client', async function () {
    const { challenge } = pkcePair();
    const r = await post({ response_type: 'code', client_id: 'demo', redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256', state: 'q', action: 'deny' });
    assert.equal(r.status, 302);
    const location = new URL(r.headers.get('location')!);
    assert.equal(location.searchParams.get('error'), 'access_denied');
    assert.equal(location.searchParams.get('state'), 'q');
  });

  it('without a configured static token, a random one is not guessable and there is no default', async function () {
    assert.equal(sim.staticToken, undefined);
    const r = await graphql<any>(sim.url, 'admin', '{ tblClient { rowRead { fldMandNr } } }');
    assert.equal(r.status, 401);
  });
});
