/**
 * A throw-away PKI for the sandbox servers: one test CA and one server certificate for
 * 127.0.0.1 and localhost, made with the `openssl` command line tool (always on the machine
 * and in CI; no npm dependency needed). Clients trust the CA through the product's
 * CA-certificate setting, exactly as an administrator would with an internal CA.
 *
 * Generated once per process and shared by every simulator (key generation takes ~100 ms).
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestPki {
  /** PEM of the test CA certificate (what a client trusts). */
  caPem: string;
  /** The same CA certificate as a file, for clients that want a path (NODE_EXTRA_CA_CERTS, exchangelib). */
  caFile: string;
  /** Server certificate (SAN: IP 127.0.0.1, DNS localhost), signed by the CA. */
  certPem: string;
  keyPem: string;
}

let pending: Promise<TestPki> | undefined;
let directory: string | undefined;

export function createTestPki(): Promise<TestPki> {
  pending ??= generate().catch((err: unknown) => {
    pending = undefined;
    throw err;
  });
  return pending;
}

async function generate(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'buero-sync-pki-'));
  directory = dir;
  const f = (name: string) => join(dir, name);
  const openssl = (args: string[]) => run('openssl', args, { cwd: dir });

  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '30',
    '-subj', '/CN=buero-sync sandbox test CA', '-keyout', f('ca.key'), '-out', f('ca.pem'),
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-subj', '/CN=127.0.0.1',
    '-keyout', f('server.key'), '-out', f('server.csr')]);
  await writeFile(f('server.ext'), [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '',
  ].join('\n'));
  await openssl(['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'),
    '-CAcreateserial', '-days', '30', '-sha256', '-extfile', f('server.ext'), '-out', f('server.pem')]);

  const [caPem, certPem, keyPem] = await Promise.all([
    readFile(f('ca.pem'), 'utf8'), readFile(f('server.pem'), 'utf8'), readFile(f('server.key'), 'utf8'),
  ]);
  return { caPem, caFile: f('ca.pem'), certPem, keyPem };
}

// The CA's private key must not outlive the run.
process.once('exit', () => {
  if (directory) rmSync(directory, { recursive: true, force: true });
});
