import assert from 'node:assert/strict';
import { clearSecrets, MASK, redact, redactDeep, registerSecret } from '../../lib/log/redact';

// Values as the nodes would register them from their credentials.
const CLIENT_SECRET = 'Qx8Q~abcDEF123.ghiJKL456_mnoPQR789';
const EXCHANGE_PASSWORD = 'Sommer2026!';
const ODD_PASSWORD = 'S&p<3"c\\ret 9'; // shows up XML-, JSON- and URL-encoded in library texts
const BUERO_TOKEN = 'bt_5f4dcc3b5aa765d61d8327deb882cf99';

const JWT =
  'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsIng1dCI6Im5PbzNaRHJPRFhFSzFqS1doWHNsSFJfS1hFZyJ9' +
  '.eyJhdWQiOiJodHRwczovL291dGxvb2sub2ZmaWNlMzY1LmNvbSIsImlzcyI6Imh0dHBzOi8vc3RzLndpbmRvd3MubmV0LyJ9' +
  '.TkVWRVItTE9HLU1FLXNpZ25hdHVyZS1ieXRlcy0xMjM0NTY3ODkw';

interface Case {
  name: string;
  text: string;
  /** Must not survive redaction. */
  secrets: string[];
  /** Must survive: what a support person needs. */
  keep: string[];
}

const cases: Case[] = [
  {
    name: 'msal-node: token request body echoed in a network error',
    text:
      'ClientAuthError: network_error: Network request failed. POST https://login.microsoftonline.com/firma.onmicrosoft.com/oauth2/v2.0/token ' +
      `body: client_id=a1b2c3d4-0000-4000-8000-000000000001&scope=https%3A%2F%2Foutlook.office365.com%2F.default&client_secret=${encodeURIComponent('Qx8Q~other-secret.NOT_registered')}&grant_type=client_credentials`,
    secrets: ['Qx8Q~other-secret.NOT_registered', 'Qx8Q~other-secret'],
    keep: ['network_error', 'client_id=a1b2c3d4-0000-4000-8000-000000000001', 'grant_type=client_credentials', 'client_secret=***'],
  },
  {
    name: 'msal-node: AADSTS7000215 body with the registered secret quoted by a wrapper',
    text:
      'ServerError: invalid_client: Error(s): 7000215 - Timestamp: 2026-11-27 21:15:03Z - Description: AADSTS7000215: Invalid client secret provided. ' +
      "Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app 'a1b2c3d4-0000-4000-8000-000000000001'. " +
      `Trace ID: 9f1c2e0a-8d0b-4e5f-9a3b-2c1d0e9f8a7b Correlation ID: 0e2c1b3a-4d5e-6f70-8192-a3b4c5d6e7f8 (sent: "${CLIENT_SECRET}")`,
    secrets: [CLIENT_SECRET],
    keep: ['AADSTS7000215: Invalid client secret provided.', 'not the client secret ID', 'Trace ID: 9f1c2e0a'],
  },
  {
    name: 'msal-node: token response JSON in a debug dump',
    text: `{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"${JWT}","refresh_token":"0.AVYA9xk-opaque-refresh-XYZ123"}`,
    secrets: [JWT, '0.AVYA9xk-opaque-refresh-XYZ123', 'eyJ0eXAi'],
    keep: ['"token_type":"Bearer"', '"expires_in":3599', '"access_token":"***"', '"refresh_token":"***"'],
  },
  {
    name: 'msal-node: client assertion (certificate credential) in a form body',
    text: `client_id=a1b2&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=${JWT}&grant_type=client_credentials`,
    secrets: [JWT, 'eyJ0eXAi'],
    keep: ['client_assertion_type=urn%3Aietf', 'grant_type=client_credentials'],
  },
  {
    name: '@ewsjs/xhr: request options with a Basic Authorization header',
    text:
      '{"message":"Request failed","options":{"url":"https://mail.firma.local/EWS/Exchange.asmx","headers":{"Content-Type":"text/xml; charset=utf-8",' +
      '"Authorization":"Basic c3luY0BmaXJtYS5sb2NhbDpXaW50ZXIyMDI2IQ==","X-AnchorMailbox":"anna@firma.de"}}}',
    secrets: ['c3luY0BmaXJtYS5sb2NhbDpXaW50ZXIyMDI2IQ=='],
    keep: ['"Authorization":"Basic ***"', '"X-AnchorMailbox":"anna@firma.de"', 'Exchange.asmx'],
  },
  {
    name: '@ewsjs/xhr: NTLM handshake headers',
    text:
      'NTLM handshake failed: WWW-Authenticate: NTLM TlRMTVNTUAACAAAADAAMADgAAAAFgomiBdH6lRj8l1QAAAAAAAAAAIoAigBEAAAA\r\n' +
      'Authorization: NTLM TlRMTVNTUAADAAAAGAAYAEgAAAAYABgAYAAAAAwADAB4AAAACAAIAIQAAAAQABAAjAAAAAAAAAAAAAAABYKIog==',
    secrets: ['TlRMTVNTUAACAAAADAAMADgAAAAFgomiBdH6lRj8l1QAAAAAAAAAAIoAigBEAAAA', 'TlRMTVNTUAADAAAAGAAYAEgAAAAYABgAYAAAAAwADAB4'],
    keep: ['NTLM handshake failed', 'WWW-Authenticate: NTLM ***', 'Authorization: NTLM ***'],
  },
  {
    name: 'ews-javascript-api: SOAP fault with the registered password XML-escaped',
    text:
      '<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>' +
      '<faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorInvalidRequest</faultcode>' +
      `<faultstring xml:lang="en-US">The request is invalid: logon as sync with S&amp;p&lt;3&quot;c\\ret 9 failed.</faultstring></s:Fault></s:Body></s:Envelope>`,
    secrets: ['S&amp;p&lt;3&quot;c\\ret 9', 'S&amp;p'],
    keep: ['a:ErrorInvalidRequest', 'The request is invalid: logon as sync with *** failed.'],
  },
  {
    name: 'ews-javascript-api: WS-Security UsernameToken in a request dump',
    text:
      '<soap:Header><wsse:Security><wsse:UsernameToken><wsse:Username>sync@firma.local</wsse:Username>' +
      '<wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">Herbst2026#x</wsse:Password>' +
      '</wsse:UsernameToken></wsse:Security></soap:Header>',
    secrets: ['Herbst2026#x'],
    keep: ['<wsse:Username>sync@firma.local</wsse:Username>', '#PasswordText">***</wsse:Password>'],
  },
  {
    name: 'ews-javascript-api: SoapFaultDetails object dumped as JSON with a Bearer header',
    text:
      `{"ErrorCode":"ErrorAccessDenied","Message":"Access is denied. Check credentials and try again.","HttpResponseHeaders":{"authorization":"Bearer ${JWT}",` +
      '"x-ms-diagnostics":"2000003;reason=\\"The hostname component of the audience claim value is invalid\\""}}',
    secrets: [JWT, 'eyJ0eXAi'],
    keep: ['ErrorAccessDenied', 'Access is denied. Check credentials and try again.', 'The hostname component of the audience claim value is invalid'],
  },
  {
    name: 'axios: util.inspect of an AxiosError with headers and basic auth',
    text: [
      'AxiosError: Request failed with status code 401',
      '    at settle (node_modules/axios/lib/core/settle.js:19:12)',
      '  config: {',
      '    headers: Object [AxiosHeaders] {',
      "      Accept: 'application/json, text/plain, */*',",
      "      'Content-Type': 'application/json',",
      `      Authorization: 'Bearer ${JWT}'`,
      '    },',
      `    data: '{"query":"{ tblCalendar { fldBeginn } }"}',`,
      "    auth: { username: 'sync', password: 'Sommer2026!' },",
      '  },',
    ].join('\n'),
    secrets: [JWT, 'eyJ0eXAi', EXCHANGE_PASSWORD],
    keep: ['Request failed with status code 401', "Authorization: 'Bearer ***'", "username: 'sync'", "password: '***'", 'fldBeginn'],
  },
  {
    name: 'fetch (undici): access token in the query string of a failed request',
    text: 'TypeError: fetch failed: request to https://buero.firma.local:8443/graphql?mandant=1&access_token=opaqueTok3n_9f8e7d6c5b4a&x=1 failed, reason: getaddrinfo ENOTFOUND buero.firma.local',
    secrets: ['opaqueTok3n_9f8e7d6c5b4a'],
    keep: ['getaddrinfo ENOTFOUND buero.firma.local', 'mandant=1', '&x=1', 'access_token=***'],
  },
  {
    name: 'fetch: user and password in the URL',
    text: 'Error: connect ECONNREFUSED 10.0.0.5:443 (https://sync:Winter2026%21@mail.firma.local/EWS/Exchange.asmx)',
    secrets: ['Winter2026%21', 'Winter2026'],
    keep: ['connect ECONNREFUSED 10.0.0.5:443', 'https://sync:***@mail.firma.local/EWS/Exchange.asmx'],
  },
  {
    name: 'büro+ OAuth: refresh response with a rotated refresh token',
    text: 'token refresh failed: 400 {"error":"invalid_grant","error_description":"refresh token expired","refresh_token":"rt_9a8b7c6d5e4f3a2b1c0d"}',
    secrets: ['rt_9a8b7c6d5e4f3a2b1c0d'],
    keep: ['"error":"invalid_grant"', 'refresh token expired'],
  },
  {
    name: 'büro+ OAuth (PKCE): authorization code and verifier in a callback and a form',
    text: 'GET /buero/callback?code=M.C507_BAY.2.U.f00dcafe1234&state=af0ifjsldkj then POST code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk&grant_type=authorization_code',
    secrets: ['M.C507_BAY.2.U.f00dcafe1234', 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'],
    keep: ['state=af0ifjsldkj', 'grant_type=authorization_code'],
  },
  {
    name: 'registered büro+ static token inside a GraphQL error text',
    text: `GraphQL error: Unauthorized (token ${BUERO_TOKEN} rejected for Mandant 1)`,
    secrets: [BUERO_TOKEN],
    keep: ['GraphQL error: Unauthorized', 'rejected for Mandant 1'],
  },
  {
    name: 'registered password JSON-escaped and URL-encoded',
    text: `{"user":"sync","pass":${JSON.stringify(ODD_PASSWORD)}} retried as ?u=sync&p=${encodeURIComponent(ODD_PASSWORD)}`,
    secrets: [JSON.stringify(ODD_PASSWORD).slice(1, -1), encodeURIComponent(ODD_PASSWORD), 'S&p<3'],
    keep: ['"user":"sync"', '?u=sync'],
  },
  {
    name: 'Exchange cookies and an API gateway key in a header dump',
    text:
      'HTTP/1.1 401 Unauthorized\nSet-Cookie: X-BackEndCookie=S-1-5-21-3623811015=u56Lnp2ejJqBnJ6ZzM3Nz87Sycc; expires=Sun, 27-Dec-2026 21:15:03 GMT; path=/EWS\n' +
      'Ocp-Apim-Subscription-Key: 0a1b2c3d4e5f60718293a4b5c6d7e8f9\nX-Request-Id: 7f3e',
    secrets: ['u56Lnp2ejJqBnJ6ZzM3Nz87Sycc', '0a1b2c3d4e5f60718293a4b5c6d7e8f9'],
    keep: ['HTTP/1.1 401 Unauthorized', 'X-Request-Id: 7f3e'],
  },
  {
    name: 'curl-style line with Proxy-Authorization and a bare Bearer token',
    text: `curl -H "Proxy-Authorization: Basic cHJveHk6c2VjcmV0cHc=" https://graph.microsoft.com/v1.0/users -H 'x: Bearer ${JWT}'`,
    secrets: ['cHJveHk6c2VjcmV0cHc=', JWT, 'eyJ0eXAi'],
    keep: ['https://graph.microsoft.com/v1.0/users', 'Proxy-Authorization: Basic ***'],
  },
  {
    name: 'plain text: password=… and client_secret: … in a configuration dump',
    text: 'config loaded: host=mail.firma.local user=sync password=Sommer2026! tenant=firma.onmicrosoft.com client_secret: Qx8Q~zz-Other.Secret',
    secrets: [EXCHANGE_PASSWORD, 'Qx8Q~zz-Other.Secret'],
    keep: ['host=mail.firma.local', 'user=sync', 'tenant=firma.onmicrosoft.com'],
  },
];

describe('log redaction: no secret in any line', function () {
  before(function () {
    clearSecrets();
    for (const s of [CLIENT_SECRET, EXCHANGE_PASSWORD, ODD_PASSWORD, BUERO_TOKEN]) registerSecret(s);
  });
  after(clearSecrets);

  it(`has a table of at least 15 realistic texts (${cases.length})`, function () {
    assert.ok(cases.length >= 15);
  });

  for (const c of cases) {
    it(c.name, function () {
      const out = redact(c.text);
      for (const secret of c.secrets) assert.ok(!out.includes(secret), `"${secret}" survived in: ${out}`);
      for (const keep of c.keep) assert.ok(out.includes(keep), `"${keep}" was lost in: ${out}`);
      assert.ok(out.includes(MASK));
    });
  }

  it('leaves texts without secrets alone', function () {
    const texts = [
      'Basic authentication failed for user sync',
      'connect ECONNREFUSED 10.0.0.5:443',
      'WWW-Authenticate: Bearer realm="", error="invalid_token", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"',
      'ErrorImpersonateUserDenied: The account does not have permission to impersonate the requested user.',
      'Error MAP_INVALID_DATE, record tblCalendar 4711, field fldBeginn: Beginn "31.02.2026" ist kein Datum',
      'Transfer: appointment created, mailbox anna@firma.de, key 1:tblCalendar:4711 (version 7, 120 ms)',
      '{"token_type":"Bearer","expires_in":3599}',
    ];
    for (const t of texts) assert.equal(redact(t), t);
  });

  it('ignores registered values under 4 characters (they would mask ordinary words)', function () {
    registerSecret('abc');
    registerSecret('');
    registerSecret(undefined);
    assert.equal(redact('abc def'), 'abc def');
  });

  it('masks a value registered later, in every string of a nested event', function () {
    registerSecret('late-Secret-42');
    const event = { type: 'error', reason: 'login with late-Secret-42 failed', detail: { list: ['x late-Secret-42 y'] }, n: 3 };
    const safe = redactDeep(event);
    assert.deepEqual(safe, { type: 'error', reason: 'login with *** failed', detail: { list: ['x *** y'] }, n: 3 });
    assert.equal(event.reason, 'login with late-Secret-42 failed', 'the original is not changed');
  });
});
