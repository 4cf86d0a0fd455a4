import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { HttpsClient } from '../../lib/net/https';
import { createTestPki, type TestPki } from '../../sandbox/tls';

// The one HTTPS client of büro+, Graph and the token requests, against a server with a
// certificate of the sandbox's test CA.
describe('HTTPS client (custom CA, TLS verified, timeout)', function () {
  let pki: TestPki;
  let server: https.Server;
  let url: string;
  const seen: { method?: string; headers: Record<string, unknown>; body: string }[] = [];

  before(async function () {
    pki = await createTestPki();
    server = https.createServer({ cert: pki.certPem, key: pki.keyPem }, (req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method, headers: req.headers, body });
        if (req.url === '/slow') return; // never answers
        if (req.url === '/html') {
          res.writeHead(502, { 'Content-Type': 'text/html', 'Retry-After': '7' });
          return void res.end('<html>Bad Gateway</html>');
        }
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ echo: body ? JSON.parse(body) : null }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async function () {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('trusts a server whose certificate the custom CA signed; sends and reads JSON', async function () {
    const client = new HttpsClient({ ca: pki.caPem });
    try {
      const answer = await client.requestJson(`${url}/json`, { method: 'POST', json: { a: 1 } });
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body, { echo: { a: 1 } });
      const sent = seen.at(-1)!;
      assert.deepEqual([sent.method, sent.headers['content-type'], sent.headers.accept], ['POST', 'application/json', 'application/json']);
    } finally {
      client.close();
    }
  });

  it('an answer that is no JSON stays text; headers come in lower case', async function () {
    const client = new HttpsClient({ ca: pki.caPem });
    try {
      const answer = await client.requestJson(`${url}/html`);
      assert.deepEqual([answer.status, answer.body, answer.headers['retry-after']], [502, '<html>Bad Gateway</html>', '7']);
    } finally {
      client.close();
    }
  });

  it('refuses the same server without the CA (TLS is verified), with Node\'s error code', async function () {
    const client = new HttpsClient();
    try {
      await assert.rejects(client.request(`${url}/json`), (err: NodeJS.ErrnoException) => /SELF_SIGNED|UNABLE_TO_VERIFY|CERT/.test(String(err.code)));
    } finally {
      client.close();
    }
  });

  it('gives up after the timeout with ETIMEDOUT', async function () {
    const client = new HttpsClient({ ca: pki.caPem, timeoutMs: 200 });
    try {
      await assert.rejects(client.request(`${url}/slow`), (err: NodeJS.ErrnoException) => err.code === 'ETIMEDOUT' && /no answer within 200 ms/.test(err.message));
    } finally {
      client.close();
    }
  });
});
