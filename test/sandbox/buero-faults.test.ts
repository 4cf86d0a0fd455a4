/* eslint-disable @typescript-eslint/no-explicit-any -- tests walk the JSON of GraphQL answers freely */
import assert from 'node:assert/strict';
import http from 'node:http';
import { startBueroSimulator, type BueroSimulator } from '../../sandbox/buero';
import { graphql, pkcePair, authorize, tokenRequest } from '../../sandbox/buero/client';

// Fault injection of the büro+ simulator, seen by a client over real HTTP.
describe('sandbox büro+ simulator: faults', function () {
  let sim: BueroSimulator;
  const QUERY = '{ tblClient { rowRead { fldMandNr } } }';
  const ask = () => graphql<any>(sim.url, 'T', QUERY);

  /** A raw request on a fresh connection, so the result is the server's doing, not a pooled socket's. */
  function rawRequest(url: string): Promise<{ status: number } | { error: string }> {
    return new Promise((resolve) => {
      const body = JSON.stringify({ query: QUERY });
      const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', authorization: 'Bearer T', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode! }));
      });
      req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
      req.end(body);
    });
  }

  beforeEach(async function () {
    let seed = 1;
    sim = await startBueroSimulator({
      auth: { staticToken: 'T', oauthClients: [{ clientId: 'c', redirectUris: ['http://127.0.0.1/cb'] }], autoApprove: true },
      random: () => ((seed = (seed * 16807) % 2147483647) / 2147483647), // seeded, so the 5xx mix is the same every run
    });
  });
  afterEach(async function () {
    await sim.close();
  });

  it('latency: every request waits latencyMs', async function () {
    sim.faults.latencyMs = 150;
    const t0 = Date.now();
    const r = await ask();
    assert.equal(r.status, 200);
    assert.ok(Date.now() - t0 >= 145, `took ${Date.now() - t0} ms`);
    sim.faults.latencyMs = 0;
    const t1 = Date.now();
    await ask();
    assert.ok(Date.now() - t1 < 100);
  });

  it('HTTP 5xx: rate 1 fails every request (status settable), rate 0 none, 0.5 about half', async function () {
    sim.faults.http5xxRate = 1;
    const r = await ask();
    assert.equal(r.status, 503);
    assert.match(r.body.errors![0].message, /injected fault/);
    sim.faults.http5xxStatus = 502;
    assert.equal((await ask()).status, 502);
    const t = await tokenRequest(sim.oauth.tokenEndpoint, { grant_type: 'refresh_token', refresh_token: 'x', client_id: 'c' });
    assert.equal(t.status, 502, 'the token endpoint fails too');
    sim.faults.http5xxRate = 0.5;
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await ask()).status);
    const failed = statuses.filter((s) => s === 502).length;
    assert.ok(failed > 8 && failed < 32, `${failed} of 40 failed`);
    assert.equal(statuses.filter((s) => s !== 502 && s !== 200).length, 0);
    sim.faults.http5xxRate = 0;
    assert.equal((await ask()).status, 200);
  });

  it('token expiry: expireAccessTokens() turns a working OAuth token into 401 invalid_token', async function () {
    const { verifier, challenge } = pkcePair();
    const a = await authorize(sim.oauth.authorizationEndpoint, { response_type: 'code', client_id: 'c', redirect_uri: 'http://127.0.0.1/cb', code_challenge: challenge, code_challenge_method: 'S256' });
    const t = await tokenRequest(sim.oauth.tokenEndpoint, { grant_type: 'authorization_code', client_id: 'c', code: a.location!.searchParams.get('code')!, code_verifier: verifier });
    const token = t.body.access_token as string;
    assert.equal((await graphql(sim.url, token, QUERY)).status, 200);
    sim.expireAccessTokens();
    const r = await graphql(sim.url, token, QUERY);
    assert.equal(r.status, 401);
    assert.match(r.headers.get('www-authenticate')!, /expired/);
  });

  it('server stopped: connections are dropped (also pooled keep-alive ones), and it answers again on the same port when started', async function () {
    assert.equal((await ask()).status, 200); // leaves a pooled keep-alive connection behind
    sim.faults.stopped = true;
    const raw = await rawRequest(sim.url);
    assert.ok('error' in raw, JSON.stringify(raw));
    await assert.rejects(ask(), /fetch failed|socket|ECONNRESET/);
    sim.faults.stopped = false;
    assert.deepEqual(await rawRequest(sim.url), { status: 200 });
    assert.equal((await ask()).status, 200);
  });

  it('stop()/start(): connection refused while stopped, then the same port serves again', async function () {
    const url = sim.url;
    await sim.stop();
    assert.deepEqual(await rawRequest(url), { error: 'ECONNREFUSED' });
    await sim.start();
    assert.deepEqual(await rawRequest(url), { status: 200 });
  });

  it('counts requests and logs each with its query, status and CPU time', async function () {
    await ask();
    await graphql(sim.url, undefined, QUERY);
    await graphql(sim.url, 'T', '{ nope }');
    const s = sim.stats();
    assert.equal(s.requests, 3);
    assert.equal(s.byOperation['tblClient.rowRead'], 1);
    assert.deepEqual(sim.requestLog.map((e) => e.status), [200, 401, 200]);
    assert.equal(sim.requestLog[0].query, QUERY);
    assert.ok(sim.requestLog.every((e) => typeof e.cpuMs === 'number' && e.cpuMs >= 0));
  });

  it('a malformed request is 400; GET on /graphql is 405', async function () {
    const bad = await fetch(sim.url, { method: 'POST', headers: { authorization: 'Bearer T', 'content-type': 'application/json' }, body: '{not json' });
    assert.equal(bad.status, 400);
    const get = await fetch(sim.url, { headers: { authorization: 'Bearer T' } });
    assert.equal(get.status, 405);
  });
});
