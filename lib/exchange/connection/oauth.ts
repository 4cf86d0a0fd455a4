import type { ConfidentialClientApplication, INetworkModule } from '@azure/msal-node';
import { ExchangeCode } from '../../error-codes';
import { ExchangeError } from '../errors';
import { describeNetworkError } from './network-errors';

/**
 * OAuth 2.0 client credentials for Exchange Online through @azure/msal-node: one token shared
 * by all concurrent callers (one pending request, never two), renewed before it expires, and
 * renewed at once when Exchange answers 401. Entra ID's AADSTS errors become plain words.
 */
export interface TokenSourceOptions {
  /** `firma.onmicrosoft.com` or the tenant GUID. */
  tenant: string;
  clientId: string;
  clientSecret: string;
  /** Default https://login.microsoftonline.com (other clouds: login.microsoftonline.us, …). */
  authorityHost?: string;
  /** EWS: https://outlook.office365.com/.default; Graph: https://graph.microsoft.com/.default. */
  scope: string;
  /** An application role the token must carry, e.g. `full_access_as_app` for EWS. */
  requiredRole?: string;
  /** MSAL's HTTP layer; default MSAL's own, or one that trusts `ca` when that is set. */
  networkClient?: INetworkModule;
  now?: () => number;
}

export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

/** Hosts MSAL knows itself (instance discovery); any other authority host is declared known. */
const MICROSOFT_HOSTS = ['login.microsoftonline.com', 'login.microsoftonline.us', 'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn', 'login.microsoftonline.de', 'login.windows.net', 'login.microsoft.com', 'sts.windows.net'];

interface Token {
  value: string;
  expiresAt: number;
  renewAt: number;
}

export class TokenSource {
  private readonly app: ConfidentialClientApplication;
  private readonly now: () => number;
  private token?: Token;
  private pending?: Promise<string>;
  /** Tokens fetched so far (for tests and the status). */
  fetched = 0;

  constructor(private readonly options: TokenSourceOptions) {
    this.now = options.now ?? Date.now;
    const host = (options.authorityHost || DEFAULT_AUTHORITY_HOST).replace(/\/+$/, '');
    const authorityUrl = new URL(host);
    // Loaded with the first OAuth connection, not with the module: an on-premises deployment
    // (NTLM, Basic) never needs MSAL's 3 MB of heap (docs/architecture.md, "Memory").
    const { ConfidentialClientApplication, LogLevel } = require('@azure/msal-node') as typeof import('@azure/msal-node');
    this.app = new ConfidentialClientApplication({
      auth: {
        clientId: options.clientId,
        clientSecret: options.clientSecret,
        authority: `${host}/${encodeURIComponent(options.tenant)}`,
        // MSAL would ask login.microsoftonline.com whether an unknown host is a valid
        // authority; a configured sovereign or test host is trusted as the admin set it.
        knownAuthorities: MICROSOFT_HOSTS.includes(authorityUrl.hostname) ? [] : [authorityUrl.host],
      },
      system: {
        networkClient: options.networkClient,
        loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => undefined },
      },
    });
  }

  /**
   * A valid access token. `rejected`: the token Exchange just refused (401): fetch a new one
   * unless another caller already did.
   */
  async get(rejected?: string): Promise<string> {
    if (this.token && this.token.value === rejected) this.token = undefined;
    if (this.token && this.now() < this.token.renewAt) return this.token.value;
    if (!this.pending) {
      this.pending = this.fetch().finally(() => {
        this.pending = undefined;
      });
    }
    return this.pending;
  }

  /** Forgets the token (e.g. after the settings changed). */
  clear(): void {
    this.token = undefined;
  }

  private async fetch(): Promise<string> {
    let result;
    try {
      result = await this.app.acquireTokenByClientCredential({ scopes: [this.options.scope], skipCache: true });
    } catch (err) {
      throw explainTokenError(err, this.options);
    }
    if (!result?.accessToken) {
      throw new ExchangeError(ExchangeCode.auth, 'Entra ID returned no access token.', { scope: 'endpoint', retryable: true });
    }
    const claims = readClaims(result.accessToken);
    if (this.options.requiredRole) checkRole(claims, this.options.requiredRole, this.options.clientId);
    this.fetched++;
    const now = this.now();
    // The token's own expiry is what Exchange checks; MSAL rounds its copy to whole seconds.
    const expiresAt = typeof claims?.exp === 'number' ? claims.exp * 1000
      : result.expiresOn ? result.expiresOn.getTime() : now + 3600_000;
    const lifetime = Math.max(0, expiresAt - now);
    // Renew 5 minutes before expiry, or after 2/3 of a shorter lifetime (expiry times are
    // whole seconds on both sides, so a short token needs a generous margin).
    const margin = Math.min(5 * 60_000, lifetime / 3);
    this.token = { value: result.accessToken, expiresAt, renewAt: expiresAt - margin };
    return result.accessToken;
  }
}

/** The AADSTS codes an administrator meets, in plain words (source: Microsoft Entra error codes reference). */
const AADSTS: Record<string, string> = {
  '7000215': 'The client secret is wrong. Enter the secret\'s value (not its ID) from the app registration',
  '7000222': 'The client secret has expired. Create a new secret in the app registration and enter it here',
  '7000216': 'No client secret was sent. Enter the client secret',
  '65001': 'The app has no admin consent for full_access_as_app. An administrator must grant consent in Entra ID (App registrations → API permissions)',
  '90002': 'The tenant was not found. Check the tenant name (firma.onmicrosoft.com) or its ID',
  '900023': 'The tenant name or ID is not valid',
  '700016': 'The application (client) ID was not found in this tenant. Check the client ID and the tenant',
  '90014': 'The token request lacks a required field. Check tenant, client ID and secret',
  '1002012': 'The scope is not valid',
  '500011': 'The resource (Exchange Online) is not known in this tenant',
};

export function explainTokenError(err: unknown, options: Pick<TokenSourceOptions, 'authorityHost' | 'tenant'>): ExchangeError {
  const e = err as { errorCode?: string; errorMessage?: string; message?: string; code?: string; subError?: string };
  const text = [e?.errorMessage, e?.message].filter(Boolean).join(' ');
  const m = /AADSTS(\d+)/.exec(text);
  if (m) {
    const plain = AADSTS[m[1]] ?? `Entra ID refused the token request: ${firstSentence(text.slice(m.index))}`;
    return new ExchangeError(ExchangeCode.auth, `${plain} (AADSTS${m[1]}).`, {
      scope: 'endpoint', retryable: true, serverCode: `AADSTS${m[1]}`, cause: err,
    });
  }
  const net = describeNetworkError(err, options.authorityHost || DEFAULT_AUTHORITY_HOST);
  if (net) return net;
  if (e?.errorCode === 'endpoints_resolution_error') {
    // MSAL could not read the tenant's OpenID configuration: Entra ID answers AADSTS90002 there.
    return new ExchangeError(ExchangeCode.auth,
      `The tenant ${options.tenant} was not found at ${options.authorityHost || DEFAULT_AUTHORITY_HOST}. Check the tenant name (firma.onmicrosoft.com) or its ID, and the authority host.`,
      { scope: 'endpoint', retryable: true, serverCode: 'AADSTS90002', cause: err });
  }
  return new ExchangeError(ExchangeCode.auth, `Could not get a token from Entra ID: ${firstSentence(text || String(err))}`, {
    scope: 'endpoint', retryable: true, serverCode: e?.errorCode, cause: err,
  });
}

function firstSentence(text: string): string {
  const cut = text.split(/\r?\n| Trace ID:/)[0].trim();
  return cut.length > 200 ? `${cut.slice(0, 200)}…` : cut;
}

interface TokenClaims {
  exp?: unknown;
  roles?: unknown;
}

/** The claims of a JWT access token (not verified: only to plan renewal and explain errors). */
function readClaims(token: string): TokenClaims | undefined {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as TokenClaims;
  } catch {
    return undefined;
  }
}

/**
 * A token without the application role means the permission was added but never consented
 * (Entra ID still issues the token; Exchange then answers 401). Say so before Exchange does.
 */
function checkRole(claims: TokenClaims | undefined, role: string, clientId: string): void {
  if (!claims) return; // Not a JWT we can read: let Exchange decide.
  const roles = Array.isArray(claims.roles) ? claims.roles : [];
  if (!roles.includes(role)) {
    throw new ExchangeError(ExchangeCode.auth,
      `The app ${clientId} has no admin consent for ${role}: the token carries no such role. An administrator must add the application permission ${role} and grant admin consent.`,
      { scope: 'endpoint', retryable: true, serverCode: 'roles-missing' });
  }
}
