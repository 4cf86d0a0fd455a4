import assert from 'node:assert/strict';
import https from 'node:https';
import { startBueroSimulator, type BueroSimulator } from '../../sandbox/buero';
import { createTestPki, type TestPki } from '../../sandbox/tls';

// büro+ serves its GraphQL API only over TLS: the simulator can too, with the sandbox's test CA.
describe('sandbox büro+ simulator over HTTPS', function () {
  let sim: BueroSimulator;
  let pki: TestPki;

  before(async function () {
    pki = await createTestPki();
    sim = await startBueroSimulator({ auth: { staticToken: 'T' }, tls: { certPem: pki.certPem, keyPem: pki.keyPem } });
  });
  after(async function () {
    await sim.close();
  });

  function post(ca: string | undefined): Promise<{ status: number; body: string } | { error: string }> {
    return new Promise((resolve) => {
      const body = JSON.stringify({ query: '{ tblClient { rowRead { fldMandNr } } }' });
      const req = https.request(sim.url, { method: 'POST', ca, agent: false, headers: { 'content-type': 'application/json', authorization: 'Bearer T' } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
      req.end(body);
    });
  }

  it('answers a client that trusts the test CA, and fails verification for one that does not', async function () {
    assert.match(sim.url, /^https:\/\/127\.0\.0\.1:\d+\/graphql$/);
    const trusted = await post(pki.caPem);
    assert.deepEqual(trusted, { status: 200, body: JSON.stringify({ data: { tblClient: { rowRead: { fldMandNr: 1 } } } }) });
    const untrusted = await post(undefined);
    assert.ok('error' in untrusted && /SELF_SIGNED|UNABLE_TO_VERIFY|CERT/.test(untrusted.error), JSON.stringify(untrusted));
  });
});
