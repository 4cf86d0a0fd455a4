import assert from 'node:assert/strict';
import { ExchangeCode } from '../../lib/error-codes';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExchangeConnection, resolveEwsUrl, type ConnectionSettings } from '../../lib/exchange/connection/exchange-connection';
import { testConnection } from '../../lib/exchange/connection/test-connection';
import type { EwsSimulator } from '../../sandbox/ews';
import { ANNA, NO_RIGHTS, SERVICE, assertCleanTraffic, onPrem, startSim } from './ews-support';

describe('Exchange connection settings', function () {
  it('turns a host into the EWS URL; keeps a full URL; Exchange Online has its default', function () {
    assert.equal(resolveEwsUrl({ deployment: 'onprem', host: 'exchange.firma.local' }), 'https://exchange.firma.local/EWS/Exchange.asmx');
    assert.equal(resolveEwsUrl({ deployment: 'onprem', host: 'https://mail.firma.de/EWS/Exchange.asmx' }), 'https://mail.firma.de/EWS/Exchange.asmx');
    assert.equal(resolveEwsUrl({ deployment: 'online' }), 'https://outlook.office365.com/EWS/Exchange.asmx');
  });

  const bad: [string, Partial<ConnectionSettings>, string][] = [
    ['no host', { deployment: 'onprem', user: 'u', password: 'p' }, 'host'],
    ['no account', { deployment: 'onprem', host: 'x.local', password: 'p' }, 'user'],
    ['no password', { deployment: 'onprem', host: 'x.local', user: 'u' }, 'password'],
    ['no tenant', { deployment: 'online', clientId: 'c', clientSecret: 's' }, 'tenant'],
    ['no client secret', { deployment: 'online', tenant: 't', clientId: 'c' }, 'clientSecret'],
    ['plain-HTTP authority', { deployment: 'online', tenant: 't', clientId: 'c', clientSecret: 's', authorityHost: 'http://login.local' }, 'authorityHost'],
    ['unknown time zone', { deployment: 'onprem', host: 'x.local', user: 'u', password: 'p', timeZone: 'MEZ' }, 'timeZone'],
    ['unknown version', { deployment: 'onprem', host: 'x.local', user: 'u', password: 'p', version: 'Exchange2019' }, 'version'],
    ['unreadable CA file', { deployment: 'onprem', host: 'x.local', user: 'u', password: 'p', caFile: '/nonexistent/ca.pem' }, 'caFile'],
  ];
  for (const [what, settings, field] of bad) {
    it(`names the setting to fix: ${what}`, function () {
      assert.throws(() => new ExchangeConnection(settings as ConnectionSettings), (err: Error & { field?: string }) => err.field === field);
    });
  }

  it('a missing secret names the environment variable it should come from, or the empty field; never a value', function () {
    const table: [Partial<ConnectionSettings>, string, string | undefined][] = [
      [{ deployment: 'onprem', host: 'x.local', user: 'u', secretSources: { password: { variable: 'EXCHANGE_PASSWORD' } } },
        'Enter the password of the administrative account: the environment variable EXCHANGE_PASSWORD (setting "Password") is not set.', 'EXCHANGE_PASSWORD'],
      [{ deployment: 'onprem', host: 'x.local', user: 'u' }, 'Enter the password of the administrative account: the setting "Password" is empty.', undefined],
      [{ deployment: 'online', tenant: 't', clientId: 'c', secretSources: { clientSecret: { variable: 'EXCHANGE_CLIENT_SECRET' } } },
        'Enter the client secret of the app registration: the environment variable EXCHANGE_CLIENT_SECRET (setting "Client secret") is not set.', 'EXCHANGE_CLIENT_SECRET'],
      [{ deployment: 'online', tenant: 't', clientId: 'c', secretSources: { clientSecret: { badName: true } } },
        'Enter the client secret of the app registration: the setting "Client secret" does not name an environment variable (a name such as BUERO_TOKEN, without ${ }).', undefined],
    ];
    for (const [settings, message, variable] of table) {
      assert.throws(() => new ExchangeConnection(settings as ConnectionSettings), (err: Error & { variable?: string; code?: string }) =>
        err.message === message && err.variable === variable && err.code === ExchangeCode.config);
    }
  });

  it('a CA file must hold a PEM certificate', function () {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ca-')), 'ca.pem');
    fs.writeFileSync(file, 'not a certificate');
    assert.throws(() => new ExchangeConnection({ deployment: 'onprem', host: 'x.local', user: 'u', password: 'p', caFile: file }), /no PEM certificate/);
  });
});

// "Test connection": each failing step is named, against the EWS simulator over real HTTPS.
describe('Exchange connection test (the edit dialog button)', function () {
  this.timeout(30_000);
  let sim: EwsSimulator;
  before(async function () {
    sim = await startSim();
  });
  after(async function () {
    assertCleanTraffic(sim);
    await sim.close();
  });

  it('reports success for an account that may write the mailbox, with NTLM and with Basic', async function () {
    for (const auth of ['ntlm', 'basic'] as const) {
      const r = await testConnection(onPrem(sim, { auth }), ANNA);
      assert.deepEqual([r.ok, r.step], [true, 'ok'], r.message);
      assert.match(r.message, new RegExp(ANNA));
    }
  });

  const steps: [string, (s: EwsSimulator) => Partial<ConnectionSettings>, string, RegExp][] = [
    ['DNS', () => ({ host: 'exchange.does-not-exist.invalid' }), 'dns', /cannot be resolved/],
    ['TLS without the CA', () => ({ caFile: undefined }), 'tls', /not trusted/],
    ['connection refused', () => ({ host: 'https://127.0.0.1:1/EWS/Exchange.asmx' }), 'unreachable', /does not answer/],
    ['wrong password (NTLM)', () => ({ auth: 'ntlm', password: 'wrong' }), 'auth', /401/],
    ['no impersonation right', () => ({ user: `${NO_RIGHTS.domain}\\${NO_RIGHTS.user}`, password: NO_RIGHTS.password }), 'impersonation', /impersonat/i],
    ['wrong path', (s) => ({ host: s.httpsUrl.replace('/EWS/Exchange.asmx', '/owa/') }), 'url', /404/],
  ];
  for (const [what, settings, step, message] of steps) {
    it(`names the failing step: ${what}`, async function () {
      const r = await testConnection(onPrem(sim, settings(sim)), ANNA);
      assert.equal(r.ok, false);
      assert.equal(r.step, step, r.message);
      assert.match(r.message, message);
      assert.ok(!r.message.includes(SERVICE.password), 'no password in the message');
    });
  }

  it('names a mailbox that does not exist', async function () {
    const r = await testConnection(onPrem(sim), 'niemand@firma.de');
    assert.deepEqual([r.ok, r.step], [false, 'mailbox']);
  });
});
