/**
 * Azure AD (Microsoft Entra ID) token simulator: the v2.0 client-credentials token endpoint and
 * OpenID discovery, issuing RS256-signed JWT access tokens shaped like the ones Exchange Online
 * accepts (v1 tokens: `aud` = resource, `roles`, `tid`, `appid`, `exp`), with Microsoft's error
 * bodies for bad input. Listens on 127.0.0.1 over HTTP and HTTPS (test CA, see ../tls).
 *
 * Sources: Microsoft identity platform docs, "OAuth 2.0 client credentials flow" (request and
 * error response format) and "Microsoft Entra authentication and authorization error codes".
 */
import { createHash, generateKeyPairSync, randomUUID, sign, KeyObject } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { AddressInfo } from 'node:net';
import { createTestPki } from '../tls';
import { close, listen } from '../net';

export interface AadClient {
  /** Tenant GUID the app registration lives in. */
  tenant: string;
  clientId: string;
  secret: string;
  /** The secret exists but has expired (AADSTS7000222). */
  secretExpired?: boolean;
  /** Application permissions with admin consent, per resource (audience), e.g. `{ 'https://outlook.office365.com': ['full_access_as_app'] }`. */
  roles: Record<string, string[]>;
  displayName?: string;
}

export interface AadTenant {
  id: string;
  domains: string[];
}

export interface AadSimulatorOptions {
  tenants: AadTenant[];
  clients: AadClient[];
  tokenLifetimeSeconds?: number;
  port?: number;
  httpsPort?: number;
  /** Clock for iat/nbf/exp (ms). */
  clock?: () => number;
}

export interface AadSimulator {
  /** HTTP base, e.g. `http://127.0.0.1:port` (authority = `${url}/${tenant}`). */
  url: string;
  httpsUrl: string;
  caPem: string;
  caFile: string;
  /** Public key (SPKI PEM) that verifies the issued tokens. */
  publicKeyPem: string;
  /** Lifetime of tokens issued from now on (mutable). */
  tokenLifetimeSeconds: number;
  tokensIssued: number;
  /** Every token request: time, tenant as given, client id, outcome (`ok` or the AADSTS code). */
  requestLog: { time: number; tenant: string; clientId: string; outcome: string }[];
  close(): Promise<void>;
}

export async function startAadSimulator(opts: AadSimulatorOptions): Promise<AadSimulator> {
  const pki = await createTestPki();
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const kid = createHash('sha1').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
  const clock = opts.clock ?? Date.now;

  const sim: AadSimulator = {
    url: '', httpsUrl: '', caPem: pki.caPem, caFile: pki.caFile, publicKeyPem,
    tokenLifetimeSeconds: opts.tokenLifetimeSeconds ?? 3599, tokensIssued: 0, requestLog: [],
    close: async () => undefined,
  };

  const findTenant = (given: string) => {
    const g = given.toLowerCase();
    return opts.tenants.find((t) => t.id.toLowerCase() === g || t.domains.some((d) => d.toLowerCase() === g));
  };

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        route(req, res, Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        json(res, 500, { error: 'server_error', error_description: String(err) });
      }
    });
  };

  function route(req: http.IncomingMessage, res: http.ServerResponse, body: string) {
    const base = `${(req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http'}://${req.headers.host ?? '127.0.0.1'}`;
    const path = new URL(req.url ?? '/', base).pathname;
    let m: RegExpExecArray | null;
    if (req.method === 'GET' && (m = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(path))) {
      const tenant = findTenant(decodeURIComponent(m[1]!));
      if (!tenant) return aadError(res, 400, 'invalid_tenant', 90002, tenantNotFound(m[1]!));
      return json(res, 200, openIdConfiguration(base, tenant.id));
    }
    if (req.method === 'GET' && (m = /^\/([^/]+)\/discovery\/v2\.0\/keys$/.exec(path))) {
      return json(res, 200, { keys: [{ kty: 'RSA', use: 'sig', kid, x5t: kid, ...publicKey.export({ format: 'jwk' }) }] });
    }
    // MSAL's instance discovery (login.microsoftonline.com/common/discovery/instance).
    if (req.method === 'GET' && path === '/common/discovery/instance') {
      const authority = new URL(req.url ?? '/', base).searchParams.get('authorization_endpoint') ?? '';
      const tenantSegment = /^[a-z]+:\/\/[^/]+\/([^/]+)/.exec(authority)?.[1] ?? 'common';
      const host = new URL(base).host;
      return json(res, 200, {
        tenant_discovery_endpoint: `${base}/${tenantSegment}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      });
    }
    if (req.method === 'POST' && (m = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path))) {
      return token(req, res, decodeURIComponent(m[1]!), new URLSearchParams(body));
    }
    json(res, 404, { error: 'not_found' });
  }

  function token(req: http.IncomingMessage, res: http.ServerResponse, tenantGiven: string, form: URLSearchParams) {
    let clientId = form.get('client_id') ?? '';
    let secret = form.get('client_secret') ?? '';
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
    if (basic) {
      const [id, ...rest] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
      clientId = decodeURIComponent(id ?? '');
      secret = decodeURIComponent(rest.join(':'));
    }
    const log = (outcome: string) => sim.requestLog.push({ time: clock(), tenant: tenantGiven, clientId, outcome });
    const fail = (status: number, error: string, code: number, text: string) => {
      log(`AADSTS${code}`);
      aadError(res, status, error, code, text);
    };

    const tenant = findTenant(tenantGiven);
    if (!tenant) return fail(400, 'invalid_request', 90002, tenantNotFound(tenantGiven));
    const grant = form.get('grant_type');
    if (grant !== 'client_credentials') {
      return fail(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant ?? ''}'.`);
    }
    const client = opts.clients.find((c) => c.clientId.toLowerCase() === clientId.toLowerCase() && c.tenant.toLowerCase() === tenant.id.toLowerCase());
    if (!client) {
      return fail(400, 'unauthorized_client', 700016,
        `Application with identifier '${clientId}' was not found in the directory '${tenantGiven}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
    }
    if (!secret) {
      return fail(401, 'invalid_client', 7000216, "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.");
    }
    if (secret !== client.secret) {
      return fail(401, 'invalid_client', 7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${client.clientId}'.`);
    }
    if (client.secretExpired) {
      return fail(401, 'invalid_client', 7000222,
        `The provided client secret keys for app '${client.clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`);
    }
    const scope = (form.get('scope') ?? '').trim();
    if (!/^\S+\/\.default$/.test(scope)) {
      return fail(400, 'invalid_scope', 1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
    }
    const audience = scope.replace(/\/\.default$/, '');
    const now = Math.floor(clock() / 1000);
    const lifetime = sim.tokenLifetimeSeconds;
    const roles = client.roles[audience] ?? client.roles[audience + '/'] ?? [];
    const claims: Record<string, unknown> = {
      aud: audience,
      iss: `https://sts.windows.net/${tenant.id}/`,
      iat: now, nbf: now, exp: now + lifetime,
      app_displayname: client.displayName ?? 'buero-sync',
      appid: client.clientId, appidacr: '1',
      idp: `https://sts.windows.net/${tenant.id}/`,
      oid: uuidFrom(client.clientId), sub: uuidFrom(client.clientId),
      tid: tenant.id, uti: randomUUID().replace(/-/g, '').slice(0, 22), ver: '1.0',
    };
    if (roles.length) claims.roles = roles;
    sim.tokensIssued++;
    log('ok');
    json(res, 200, { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: signJwt(claims, privateKey, kid) });
  }

  const httpServer = http.createServer(handler);
  const httpsServer = https.createServer({ cert: pki.certPem, key: pki.keyPem }, handler);
  await listen(httpServer, opts.port ?? 0);
  await listen(httpsServer, opts.httpsPort ?? 0);
  sim.url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  sim.httpsUrl = `https://127.0.0.1:${(httpsServer.address() as AddressInfo).port}`;
  sim.close = async () => {
    await Promise.all([close(httpServer), close(httpsServer)]);
  };
  return sim;
}

function openIdConfiguration(base: string, tenantId: string) {
  return {
    token_endpoint: `${base}/${tenantId}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/${tenantId}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${base}/${tenantId}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${base}/oidc/userinfo`,
    authorization_endpoint: `${base}/${tenantId}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/${tenantId}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/${tenantId}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'tid', 'ver', 'oid'],
    kerberos_endpoint: `${base}/${tenantId}/kerberos`,
    tenant_region_scope: 'EU',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  };
}

function tenantNotFound(given: string): string {
  return `Tenant '${given}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`;
}

/** Microsoft's error body: error, error_description with the AADSTS code and trace ids, error_codes, … */
function aadError(res: http.ServerResponse, status: number, error: string, code: number, text: string) {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const now = new Date();
  const timestamp = now.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  json(res, status, {
    error,
    error_description: `AADSTS${code}: ${text} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  });
}

function signJwt(claims: Record<string, unknown>, key: KeyObject, kid: string): string {
  const header = { typ: 'JWT', alg: 'RS256', x5t: kid, kid };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

const b64url = (s: string) => Buffer.from(s, 'utf8').toString('base64url');

/** A stable GUID-shaped id derived from a string (service principal object id). */
function uuidFrom(s: string): string {
  const h = createHash('sha256').update(s).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function json(res: http.ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store, no-cache',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}


