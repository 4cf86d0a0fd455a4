import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

// ews-javascript-api (with its HTTP layer) holds about 17 MB of heap and MSAL 3 MB; V8 lets the
// heap grow to a multiple of what stays alive, so a library a deployment does not use costs it
// far more than its size (docs/architecture.md, "Memory"). Each deployment loads only its own.
async function librariesLoadedFor(settings: object): Promise<{ ews: boolean; ewsHttp: boolean; msal: boolean }> {
  const { stdout } = await promisify(execFile)(process.execPath,
    ['--require', require.resolve('tsx/cjs'), path.join(__dirname, 'libraries-child.ts'), JSON.stringify(settings)], { timeout: 60_000 });
  return JSON.parse(stdout);
}

describe('Exchange libraries: a deployment loads only what its connection uses', function () {
  this.timeout(90_000);

  it('Exchange Online through Microsoft Graph loads neither ews-javascript-api nor its HTTP layer', async function () {
    const loaded = await librariesLoadedFor({ deployment: 'online', api: 'graph', tenant: 'firma.onmicrosoft.com', clientId: 'app', clientSecret: 'secret' });
    assert.deepEqual(loaded, { ews: false, ewsHttp: false, msal: true });
  });

  it('Exchange Server on premises (NTLM) does not load MSAL', async function () {
    const loaded = await librariesLoadedFor({ deployment: 'onprem', host: 'exchange.firma.local', user: 'FIRMA\\sync', password: 'secret' });
    assert.deepEqual(loaded, { ews: true, ewsHttp: true, msal: false });
  });

  it('Exchange Online through EWS loads both', async function () {
    const loaded = await librariesLoadedFor({ deployment: 'online', api: 'ews', tenant: 'firma.onmicrosoft.com', clientId: 'app', clientSecret: 'secret' });
    assert.deepEqual(loaded, { ews: true, ewsHttp: true, msal: true });
  });
});
