/**
 * The Azure AD token simulator: client-credentials tokens as Exchange Online expects them,
 * OpenID discovery, Microsoft's error bodies — and the real @azure/msal-node getting a token
 * from it over HTTPS (trusting the test CA) as the product's connection node will.
 */
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import https from 'node:https';
import { ConfidentialClientApplication, INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { AadSimulator, startAadSimulator } from '../../sandbox/aad';

const TENANT = '0b5c7c52-6a2e-4f0e-9c1d-2f3a4b5c6d7e';
const OUTLOOK = 'https://outlook.office365.com';

describe('sandbox Azure AD token simulator', function () {
  this.timeout(20_000);
  let aad: AadSimulator;

  before(async () => {
    aad = await startAadSimulator({
      tenants: [{ id: TENANT, domains: ['firma.onmicrosoft.com', 'firma.de'] }],
      clients: [
        { tenant: TENANT, clientId: '11111111-2222-3333-4444-555555555555', secret: 'Wert~des.Geheimnisses', roles: { [OUTLOOK]: ['full_access_as_app'] } },
        { tenant: TENANT, clientId: 'abgelaufen', secret: 'alt', secretExpired: true, roles: {} },
      ],
    });
  });
  after(() => aad.close());

  async function tokenRequest(tenant: string, form: Record<string, string>, base = aad.url) {
    const res = await fetch(`${base}/${tenant}/oauth2/v2.0/token`, {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
  const good = { grant_type: 'client_credentials', client_id: '11111111-2222-3333-4444-555555555555', client_secret: 'Wert~des.Geheimnisses', scope: `${OUTLOOK}/.default` };
  const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

  it('issues an RS256 JWT with aud, roles, tid, appid and exp, for the tenant as GUID or as domain', async () => {
    for (const tenant of [TENANT, 'firma.onmicrosoft.com', 'FIRMA.DE']) {
      const before = aad.tokensIssued;
      const { status, body } = await tokenRequest(tenant, good);
      assert.equal(status, 200);
      assert.equal(body.token_type, 'Bearer');
      assert.equal(body.expires_in, 3599);
      const jwt = String(body.access_token);
      const [h, p, sig] = jwt.split('.');
      assert.equal(JSON.parse(Buffer.from(h!, 'base64url').toString()).alg, 'RS256');
      assert.ok(verify('sha256', Buffer.from(`${h}.${p}`), createPublicKey(aad.publicKeyPem), Buffer.from(sig!, 'base64url')));
      const claims = claimsOf(jwt);
      assert.equal(claims.aud, OUTLOOK);
      assert.deepEqual(claims.roles, ['full_access_as_app']);
      assert.equal(claims.tid, TENANT);
      assert.equal(claims.appid, good.client_id);
      assert.ok(Math.abs(Number(claims.exp) - (Date.now() / 1000 + 3599)) < 5);
      assert.equal(aad.tokensIssued, before + 1);
    }
  });

  it('issues tokens of the lifetime set at run time', async () => {
    aad.tokenLifetimeSeconds = 60;
    try {
      const { body } = await tokenRequest(TENANT, good);
      assert.equal(body.expires_in, 60);
      assert.ok(Math.abs(Number(claimsOf(String(body.access_token)).exp) - (Date.now() / 1000 + 60)) < 5);
    } finally {
      aad.tokenLifetimeSeconds = 3599;
    }
  });

  it('answers with Microsoft\'s error bodies (AADSTS codes) for bad input', async () => {
    const cases: [string, Record<string, string>, number, string, number][] = [
      [TENANT, { ...good, client_secret: 'falsch' }, 401, 'invalid_client', 7000215],
      [TENANT, { ...good, client_id: 'abgelaufen', client_secret: 'alt' }, 401, 'invalid_client', 7000222],
      ['unbekannt.onmicrosoft.com', good, 400, 'invalid_request', 90002],
      [TENANT, { ...good, client_id: '99999999-0000-0000-0000-000000000000' }, 400, 'unauthorized_client', 700016],
      [TENANT, { ...good, scope: `${OUTLOOK}/EWS.AccessAsUser.All` }, 400, 'invalid_scope', 1002012],
      [TENANT, { ...good, grant_type: 'password' }, 400, 'unsupported_grant_type', 70003],
    ];
    for (const [tenant, form, status, error, code] of cases) {
      const res = await tokenRequest(tenant, form);
      assert.equal(res.status, status, `AADSTS${code}`);
      assert.equal(res.body.error, error);
      assert.deepEqual(res.body.error_codes, [code]);
      assert.match(String(res.body.error_description), new RegExp(`^AADSTS${code}: .+ Trace ID: [0-9a-f-]{36} Correlation ID: [0-9a-f-]{36} Timestamp: `));
      assert.doesNotMatch(JSON.stringify(res.body), /Wert~des\.Geheimnisses|falsch/, 'a secret never appears in an error');
    }
    assert.equal(aad.requestLog.filter((r) => r.outcome === 'AADSTS7000215').length, 1);
  });

  it('serves OpenID discovery whose token endpoint leads back to it', async () => {
    for (const tenant of [TENANT, 'firma.de']) {
      const cfg = (await (await fetch(`${aad.url}/${tenant}/v2.0/.well-known/openid-configuration`)).json()) as Record<string, string>;
      assert.equal(cfg.token_endpoint, `${aad.url}/${TENANT}/oauth2/v2.0/token`);
      assert.equal(cfg.issuer, `${aad.url}/${TENANT}/v2.0`);
    }
    assert.equal((await fetch(`${aad.url}/nirgendwo/v2.0/.well-known/openid-configuration`)).status, 400);
  });

  it('gives @azure/msal-node a token over HTTPS (test CA trusted through its network client), and caches it', async () => {
    const agent = new https.Agent({ ca: aad.caPem });
    const send = <T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions) => new Promise<NetworkResponse<T>>((resolve, reject) => {
      const req = https.request(url, { method, agent, headers: options?.headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({
          status: res.statusCode ?? 0,
          headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)])),
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as T,
        }));
      });
      req.on('error', reject);
      req.end(options?.body);
    });
    const networkClient: INetworkModule = {
      sendGetRequestAsync: (url, options) => send('GET', url, options),
      sendPostRequestAsync: (url, options) => send('POST', url, options),
    };
    const host = new URL(aad.httpsUrl).host;
    const app = new ConfidentialClientApplication({
      auth: { clientId: good.client_id, clientSecret: good.client_secret, authority: `${aad.httpsUrl}/firma.onmicrosoft.com`, knownAuthorities: [host] },
      system: { networkClient },
    });
    const before = aad.tokensIssued;
    const result = await app.acquireTokenByClientCredential({ scopes: [`${OUTLOOK}/.default`] });
    assert.ok(result?.accessToken);
    assert.deepEqual(claimsOf(result!.accessToken).roles, ['full_access_as_app']);
    const again = await app.acquireTokenByClientCredential({ scopes: [`${OUTLOOK}/.default`] });
    assert.equal(again?.accessToken, result!.accessToken, 'the second call is served from MSAL\'s cache');
    assert.equal(aad.tokensIssued, before + 1);

    const wrong = new ConfidentialClientApplication({
      auth: { clientId: good.client_id, clientSecret: 'falsch', authority: `${aad.httpsUrl}/${TENANT}`, knownAuthorities: [host] },
      system: { networkClient },
    });
    await assert.rejects(wrong.acquireTokenByClientCredential({ scopes: [`${OUTLOOK}/.default`] }), /AADSTS7000215/);
  });
});
