/**
 * Who may use the EWS simulator: OAuth app tokens from the AAD simulator (Exchange Online),
 * Basic and NTLM accounts (on-premises), impersonation rules and HTTPS with the test CA — all
 * through the real ews-javascript-api / @ewsjs/xhr over real sockets.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { XhrApi } from '@ewsjs/xhr';
import * as ews from 'ews-javascript-api';
import { AadSimulator, startAadSimulator } from '../../sandbox/aad';
import { EwsSimulator, startEwsSimulator } from '../../sandbox/ews';

const TENANT = '7d3c1e2a-4b5f-4c6d-8e9f-0a1b2c3d4e5f';
const ANNA = 'anna@firma.de';
const OUTLOOK = 'https://outlook.office365.com';

const codeOf = (e: unknown) => {
  const f = e as { ResponseCode?: number; ErrorCode?: number };
  return ews.ServiceError[f.ResponseCode && f.ResponseCode !== ews.ServiceError.ErrorInternalServerError ? f.ResponseCode : f.ErrorCode ?? -1];
};
async function failure(p: Promise<unknown>): Promise<{ code: string; status?: number; message: string }> {
  try {
    await p;
  } catch (e) {
    return { code: codeOf(e), status: (e as { HttpStatusCode?: number }).HttpStatusCode, message: (e as Error).message };
  }
  return assert.fail('expected the call to fail');
}

describe('sandbox EWS simulator: authentication, impersonation and HTTPS', function () {
  this.timeout(20_000);
  let aad: AadSimulator;
  let sim: EwsSimulator;

  before(async () => {
    aad = await startAadSimulator({
      tenants: [{ id: TENANT, domains: ['firma.onmicrosoft.com'] }],
      clients: [
        { tenant: TENANT, clientId: 'app-ok', secret: 's3cret', roles: { [OUTLOOK]: ['full_access_as_app'] } },
        { tenant: TENANT, clientId: 'app-no-consent', secret: 's3cret', roles: {} },
      ],
    });
    sim = await startEwsSimulator({
      mailboxes: [ANNA],
      aadPublicKeyPem: aad.publicKeyPem,
      accounts: [
        { user: 'svc-sync', domain: 'FIRMA', password: 'Geheim-123', impersonation: true },
        { user: 'helpdesk', domain: 'FIRMA', password: 'pw', impersonation: false },
        { user: 'anna', domain: 'FIRMA', password: 'annas-pw', impersonation: false, mailbox: ANNA },
      ],
    });
  });
  after(async () => {
    await sim.close();
    await aad.close();
  });
  beforeEach(() => {
    sim.resetStats();
    aad.tokenLifetimeSeconds = 3599;
  });

  async function token(clientId = 'app-ok', scope = `${OUTLOOK}/.default`): Promise<string> {
    const res = await fetch(`${aad.url}/${TENANT}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: 's3cret', scope }),
    });
    assert.equal(res.status, 200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  function service(credentials: ews.ExchangeCredentials, options: { impersonate?: string; anchor?: boolean; https?: boolean } = {}): ews.ExchangeService {
    const s = new ews.ExchangeService(ews.ExchangeVersion.Exchange2016);
    s.Credentials = credentials;
    s.Url = new ews.Uri(options.https ? sim.httpsUrl : sim.url);
    if (options.https) s.XHRApi = new XhrApi({ httpsAgent: new https.Agent({ ca: sim.caPem }) } as never);
    if (options.impersonate) {
      s.ImpersonatedUserId = new ews.ImpersonatedUserId(ews.ConnectingIdType.SmtpAddress, options.impersonate);
      if (options.anchor !== false) s.HttpHeaders.Add('X-AnchorMailbox', options.impersonate);
    }
    return s;
  }
  const calendar = (s: ews.ExchangeService) => ews.Folder.Bind(s, ews.WellKnownFolderName.Calendar);

  describe('OAuth (Exchange Online)', () => {
    it('accepts an app token with full_access_as_app and impersonation, over HTTPS trusting the test CA', async () => {
      const folder = await calendar(service(new ews.OAuthCredentials(await token()), { impersonate: ANNA, https: true }));
      assert.equal(folder.DisplayName, 'Calendar');
      assert.equal(sim.stats().rejectedAuth, 0);
    });

    it('rejects an app token without the ExchangeImpersonation header, as Exchange Online does', async () => {
      const f = await failure(calendar(service(new ews.OAuthCredentials(await token()))));
      assert.equal(f.code, 'ErrorInvalidExchangeImpersonationHeaderData');
      assert.equal(f.message, 'ExchangeImpersonation SOAP header must be present for this type of OAuth token.');
      assert.equal(f.status, 500);
    });

    it('answers ErrorNonExistentMailbox when impersonating a mailbox that does not exist', async () => {
      const f = await failure(calendar(service(new ews.OAuthCredentials(await token()), { impersonate: 'niemand@firma.de' })));
      assert.equal(f.code, 'ErrorNonExistentMailbox');
    });

    it('answers 401 for an expired token, a token without the role, one for another audience and a forged one', async () => {
      aad.tokenLifetimeSeconds = 0;
      const expired = await token();
      aad.tokenLifetimeSeconds = 3599;
      const forged = (() => {
        const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        const input = `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc({ aud: OUTLOOK, tid: TENANT, appid: 'app-ok', roles: ['full_access_as_app'], exp: Math.floor(Date.now() / 1000) + 3600 })}`;
        return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
      })();
      const cases = [expired, await token('app-no-consent'), await token('app-ok', 'https://graph.microsoft.com/.default'), forged];
      for (const t of cases) {
        const f = await failure(calendar(service(new ews.OAuthCredentials(t), { impersonate: ANNA })));
        assert.equal(f.status, 401);
      }
      assert.equal(sim.stats().rejectedAuth, 4);
      const diagnostics = await fetch(sim.url, { method: 'POST', headers: { Authorization: `Bearer ${expired}` }, body: '' });
      assert.equal(diagnostics.status, 401);
      assert.match(diagnostics.headers.get('x-ms-diagnostics') ?? '', /token has expired/);
      assert.match(diagnostics.headers.get('www-authenticate') ?? '', /^Bearer client_id="00000002-0000-0ff1-ce00-000000000000"/);
    });

    it('counts impersonated requests without X-AnchorMailbox', async () => {
      const t = await token();
      await calendar(service(new ews.OAuthCredentials(t), { impersonate: ANNA, anchor: false }));
      await calendar(service(new ews.OAuthCredentials(t), { impersonate: ANNA }));
      assert.equal(sim.stats().missingAnchorMailbox, 1);
      const api = (await (await fetch(`${sim.inspectUrl}/api/stats`)).json()) as { missingAnchorMailbox: number };
      assert.equal(api.missingAnchorMailbox, 1);
    });
  });

  describe('Basic (on-premises)', () => {
    it('accepts DOMAIN\\user with the right password and impersonation right', async () => {
      const folder = await calendar(service(new ews.WebCredentials('FIRMA\\svc-sync', 'Geheim-123'), { impersonate: ANNA }));
      assert.equal(folder.DisplayName, 'Calendar');
    });

    it('answers 401 for a wrong password or an unknown user', async () => {
      for (const [user, pw] of [['FIRMA\\svc-sync', 'falsch'], ['FIRMA\\wer', 'Geheim-123'], ['ANDERE\\svc-sync', 'Geheim-123']]) {
        assert.equal((await failure(calendar(service(new ews.WebCredentials(user!, pw!), { impersonate: ANNA })))).status, 401);
      }
      assert.equal(sim.stats().rejectedAuth, 3);
    });

    it('refuses impersonation to an account without the ApplicationImpersonation role', async () => {
      const f = await failure(calendar(service(new ews.WebCredentials('FIRMA\\helpdesk', 'pw'), { impersonate: ANNA })));
      assert.equal(f.code, 'ErrorImpersonateUserDenied');
    });

    it('lets an account use its own mailbox without impersonation; one without a mailbox gets ErrorMissingEmailAddress', async () => {
      assert.equal((await calendar(service(new ews.WebCredentials('FIRMA\\anna', 'annas-pw')))).DisplayName, 'Calendar');
      assert.equal((await failure(calendar(service(new ews.WebCredentials('FIRMA\\helpdesk', 'pw'))))).code, 'ErrorMissingEmailAddress');
    });
  });

  describe('NTLM (on-premises)', () => {
    function ntlmService(user: string, password: string): ews.ExchangeService {
      const s = service(new ews.WebCredentials(user, password), { impersonate: ANNA });
      s.XHRApi = new XhrApi().useNtlmAuthentication(user, password);
      return s;
    }

    it('completes the negotiate/challenge/authenticate handshake of @ewsjs/xhr and verifies the NTLMv2 response', async () => {
      const folder = await calendar(ntlmService('FIRMA\\svc-sync', 'Geheim-123'));
      assert.equal(folder.DisplayName, 'Calendar');
      const s = ntlmService('FIRMA\\svc-sync', 'Geheim-123');
      const a = new ews.Appointment(s);
      a.Subject = 'über NTLM';
      a.Start = new ews.DateTime(Date.parse('2026-09-01T08:00:00Z'));
      a.End = new ews.DateTime(Date.parse('2026-09-01T09:00:00Z'));
      await a.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);
      assert.equal(sim.store.item(ANNA, a.Id.UniqueId)!.fields.Subject, 'über NTLM');
    });

    it('answers 401 for a wrong password, a wrong domain or an unknown user', async () => {
      for (const [user, pw] of [['FIRMA\\svc-sync', 'falsch'], ['ANDERE\\svc-sync', 'Geheim-123'], ['FIRMA\\niemand', 'Geheim-123']]) {
        assert.equal((await failure(calendar(ntlmService(user!, pw!)))).status, 401, user);
      }
      assert.equal(sim.stats().rejectedAuth, 3);
    });

    it('binds the challenge to its connection: an AUTHENTICATE on a new connection is refused', async () => {
      const ntlm = require('@ewsjs/ntlm-client') as {
        createType1Message(ws: string, domain: string): string;
        decodeType2Message(header: string): unknown;
        createType3Message(t2: unknown, user: string, pw: string, ws: string, domain: string): string;
      };
      const request = (agent: http.Agent, authorization: string, method = 'GET') => new Promise<http.IncomingMessage>((resolve, reject) => {
        const req = http.request(sim.url, { method, agent, headers: { Authorization: authorization } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res));
        });
        req.on('error', reject);
        req.end();
      });
      const first = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const challenge = await request(first, ntlm.createType1Message('WS', 'FIRMA'));
      assert.equal(challenge.statusCode, 401);
      const type3 = ntlm.createType3Message(ntlm.decodeType2Message(String(challenge.headers['www-authenticate'])), 'svc-sync', 'Geheim-123', 'WS', 'FIRMA');
      const other = new http.Agent({ keepAlive: false });
      assert.equal((await request(other, type3)).statusCode, 401);
      // The same handshake on one connection succeeds.
      const again = await request(first, ntlm.createType1Message('WS', 'FIRMA'));
      const good = ntlm.createType3Message(ntlm.decodeType2Message(String(again.headers['www-authenticate'])), 'svc-sync', 'Geheim-123', 'WS', 'FIRMA');
      assert.equal((await request(first, good)).statusCode, 200);
      first.destroy();
    });
  });

  describe('HTTPS', () => {
    it('is refused by a client that does not trust the test CA', async () => {
      const s = service(new ews.WebCredentials('FIRMA\\svc-sync', 'Geheim-123'), { impersonate: ANNA });
      s.Url = new ews.Uri(sim.httpsUrl);
      const f = await failure(calendar(s));
      assert.match(f.message, /self[- ]signed|unable to verify|certificate/i);
    });
  });
});
