import assert from 'node:assert/strict';
import http from 'node:http';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import type { ConnectionSettings } from '../../lib/exchange/connection/exchange-connection';
import { startAadSimulator, type AadSimulator } from '../../sandbox/aad';
import type { EwsSimulator } from '../../sandbox/ews';
import { ANNA, assertCleanTraffic, harness, only, startSim, until, type Harness } from './ews-support';
import { appointment, upsert } from './support';

const TENANT_ID = '6f1d7c1e-3b6a-4d5e-9a51-2f1c0b7e4a10';
const TENANT = 'firma.onmicrosoft.com';
const APP = 'b4c1f2d3-1111-4a4a-8b8b-0123456789ab';
const SECRET = 'kV8Q~sim.secret-value_123';
const EXCHANGE = 'https://outlook.office365.com';

/**
 * MSAL refuses an authority over plain HTTP. For the HTTP token server the test gives the
 * connection an MSAL network client that sends `https://login.sandbox.test/...` to it.
 */
function forwardTo(base: string): INetworkModule {
  const send = <T>(method: string, url: string, options: NetworkRequestOptions = {}): Promise<NetworkResponse<T>> =>
    new Promise((resolve, reject) => {
      const target = new URL(url.replace(/^https:\/\/login\.sandbox\.test/, base));
      const req = http.request(target, { method, headers: options.headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v;
          // The server names its own (HTTP) address in its metadata; MSAL wants HTTPS there too.
          const text = Buffer.concat(chunks).toString('utf8').split(base).join('https://login.sandbox.test');
          resolve({ status: res.statusCode ?? 0, headers, body: JSON.parse(text || '{}') as T });
        });
      });
      req.on('error', reject);
      if (options.body) req.write(options.body);
      req.end();
    });
  return {
    sendGetRequestAsync: (url, options) => send('GET', url, options),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}

// Exchange Online: client credentials through @azure/msal-node against the sandbox's token
// server, bearer tokens checked by the EWS simulator.
describe('Exchange Online: OAuth 2.0 client credentials with msal-node', function () {
  this.timeout(60_000);
  let aad: AadSimulator;
  let sim: EwsSimulator;
  let h: Harness | undefined;
  let skewMs = 0;
  let onTrace: (direction: 'request' | 'response', body: string) => void = () => undefined;

  before(async function () {
    aad = await startAadSimulator({
      tenants: [{ id: TENANT_ID, domains: [TENANT] }],
      clients: [
        { tenant: TENANT_ID, clientId: APP, secret: SECRET, roles: { [EXCHANGE]: ['full_access_as_app'] } },
        { tenant: TENANT_ID, clientId: 'no-consent-app', secret: SECRET, roles: {} },
        { tenant: TENANT_ID, clientId: 'old-secret-app', secret: SECRET, secretExpired: true, roles: { [EXCHANGE]: ['full_access_as_app'] } },
      ],
    });
    sim = await startSim({ aadPublicKeyPem: aad.publicKeyPem, clock: () => Date.now() + skewMs, trace: (d, b) => onTrace(d, b) });
  });
  afterEach(async function () {
    await h?.close();
    h = undefined;
    skewMs = 0;
    onTrace = () => undefined;
    aad.tokenLifetimeSeconds = 3599;
  });
  after(async function () {
    assertCleanTraffic(sim);
    await sim.close();
    await aad.close();
  });

  const online = (overrides: Partial<ConnectionSettings> = {}): ConnectionSettings => ({
    deployment: 'online', tenant: TENANT, clientId: APP, clientSecret: SECRET,
    authorityHost: aad.httpsUrl, ewsUrl: sim.httpsUrl, caFile: sim.caFile, ...overrides,
  });
  const reasons = () => h!.events.filter((e) => e.type === 'outage' && e.phase === 'begin').map((e) => (e as { reason?: string }).reason ?? '');

  it('writes with a token over HTTPS (CA setting for both servers); one token for many concurrent requests', async function () {
    const issued = aad.tokensIssued;
    h = harness(online(), { batchSize: 1, flushDelayMs: 0, maxConcurrent: 8 });
    for (let i = 0; i < 12; i++) h.send(upsert(`oauth-${i}`, appointment()));
    await h.outcomesReach(12);
    assert.equal(aad.tokensIssued - issued, 1, 'all 12 requests shared one token');
    for (let i = 0; i < 12; i++) only(sim, ANNA, `oauth-${i}`);
  });

  it('works with a plain-HTTP token server through an MSAL network client (tests only)', async function () {
    h = harness(online({ authorityHost: 'https://login.sandbox.test', networkClient: forwardTo(aad.url) }));
    h.send(upsert('oauth-http', appointment()));
    await h.outcomesReach(1);
    only(sim, ANNA, 'oauth-http');
  });

  it('renews the token before it expires', async function () {
    aad.tokenLifetimeSeconds = 4;
    const issued = aad.tokensIssued;
    const rejected = sim.stats().rejectedAuth;
    h = harness(online(), { flushDelayMs: 0 });
    h.send(upsert('renew-1', appointment()));
    await h.outcomesReach(1);
    await new Promise((r) => setTimeout(r, 2900)); // 2/3 of the lifetime passed
    h.send(upsert('renew-2', appointment()));
    await h.outcomesReach(2);
    assert.equal(aad.tokensIssued - issued, 2);
    assert.equal(sim.stats().rejectedAuth - rejected, 0, 'Exchange never saw an expired token');
  });

  it('a 401 renews the token once and retries the request', async function () {
    // Exchange's clock runs an hour ahead until it has refused one token.
    skewMs = 3600_000 + 60_000;
    onTrace = (direction, body) => {
      if (direction === 'response' && body === '') skewMs = 0;
    };
    const issued = aad.tokensIssued;
    h = harness(online());
    h.send(upsert('after-401', appointment()));
    await h.outcomesReach(1);
    assert.equal(h.outcomes[0].ok, true);
    assert.equal(aad.tokensIssued - issued, 2);
    only(sim, ANNA, 'after-401');
  });

  it('a token Exchange keeps refusing is an authentication outage; the change stays queued', async function () {
    skewMs = 3600_000 + 60_000;
    h = harness(online());
    h.send(upsert('refused', appointment()));
    await until(() => reasons().length > 0, 'the outage event');
    assert.match(reasons()[0], /401/);
    assert.equal(h.writer.stats().queued, 1);
  });

  const cases: [string, Partial<ConnectionSettings>, RegExp][] = [
    ['a wrong secret', { clientSecret: 'wrong' }, /client secret is wrong.*AADSTS7000215/],
    ['an expired secret', { clientId: 'old-secret-app' }, /client secret has expired.*AADSTS7000222/],
    ['no admin consent for full_access_as_app', { clientId: 'no-consent-app' }, /no admin consent for full_access_as_app/],
    ['an unknown tenant', { tenant: 'other.onmicrosoft.com' }, /tenant other\.onmicrosoft\.com was not found/],
    ['an unknown client ID', { clientId: '00000000-0000-0000-0000-000000000000' }, /client\) ID was not found.*AADSTS700016/],
  ];
  for (const [what, settings, expected] of cases) {
    it(`reports ${what} in plain words and keeps the change`, async function () {
      h = harness(online(settings));
      h.send(upsert(`aadsts-${what}`, appointment()));
      await until(() => reasons().length > 0, 'the outage event');
      assert.match(reasons()[0], expected);
      assert.ok(!reasons()[0].includes(SECRET), 'no secret in the reason');
      assert.equal(h.writer.stats().queued, 1);
    });
  }
});
