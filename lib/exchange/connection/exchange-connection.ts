import fs from 'node:fs';
import type { INetworkModule } from '@azure/msal-node';
import { ExchangeCode } from '../../error-codes';
import { ExchangeError } from '../errors';
import { createNetworkClient } from './msal-network';
import { DEFAULT_AUTHORITY_HOST, TokenSource } from './oauth';
import { isIanaZone } from '../validate';
import { missingSecretText, type SecretSource } from '../../env';

/**
 * Where and how to reach Exchange: the settings of the `buero-exchange-connection` config node
 * turned into an endpoint and a way to authenticate. Transport-neutral: EWS uses `ewsUrl` and
 * `auth`; a Graph transport asks `tokenSource()` for its own scope.
 */
export type Deployment = 'onprem' | 'online';

export interface ConnectionSettings {
  deployment: Deployment;
  /** On-premises: `exchange.firma.local` (→ https://exchange.firma.local/EWS/Exchange.asmx) or a full URL. */
  host?: string;
  /** On-premises: NTLM (default) or Basic. */
  auth?: 'ntlm' | 'basic';
  /** On-premises: `DOMAIN\\user` or `user@domain`. */
  user?: string;
  password?: string;
  /** Exchange Online: `firma.onmicrosoft.com` or the tenant GUID. */
  tenant?: string;
  clientId?: string;
  clientSecret?: string;
  /** Exchange Online: default https://login.microsoftonline.com. */
  authorityHost?: string;
  /** Exchange Online: default https://outlook.office365.com/EWS/Exchange.asmx. */
  ewsUrl?: string;
  /**
   * Exchange Online: `graph` (default) or `ews`. Microsoft disables EWS in Exchange Online
   * (off by default since 2026-10-01 unless the tenant allow-lists the app, gone 2027-04-01).
   * On-premises always uses EWS. Anything else (an unset `${EXCHANGE_API}`) means the default.
   */
  api?: string;
  /** Exchange Online with Graph: default https://graph.microsoft.com/v1.0. */
  graphUrl?: string;
  /** Path of a PEM file with the CA certificate(s) to trust besides the system's. */
  caFile?: string;
  /** The CA certificate(s) as PEM text (instead of caFile). */
  caPem?: string;
  /** ews-javascript-api ExchangeVersion name; default Exchange2016. */
  version?: string;
  /** IANA zone for the requests' time zone context; default the process zone. */
  timeZone?: string;
  /** Per request; default 100 s (Exchange's own EWS timeout). */
  requestTimeoutMs?: number;
  /** Where the password and the client secret come from, so that a missing one is named. */
  secretSources?: { password?: SecretSource; clientSecret?: SecretSource };
  /** MSAL's HTTP layer (tests forward it to the sandbox's token server). */
  networkClient?: INetworkModule;
}

export const ONLINE_EWS_URL = 'https://outlook.office365.com/EWS/Exchange.asmx';
export const EWS_SCOPE = 'https://outlook.office365.com/.default';
/** The application permission EWS impersonation needs in Exchange Online. */
export const EWS_ROLE = 'full_access_as_app';
export const DEFAULT_GRAPH_URL = 'https://graph.microsoft.com/v1.0';
export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
/** The application permissions the Graph transport needs (admin consent), one per item kind. */
export const GRAPH_ROLES = { appointment: 'Calendars.ReadWrite', contact: 'Contacts.ReadWrite', task: 'Tasks.ReadWrite.All' } as const;
export type ExchangeApi = 'ews' | 'graph';
export const EXCHANGE_VERSIONS = ['Exchange2010', 'Exchange2010_SP1', 'Exchange2010_SP2', 'Exchange2013', 'Exchange2013_SP1', 'Exchange2015', 'Exchange2016'] as const;

export type ConnectionAuth =
  | { kind: 'ntlm' | 'basic'; user: string; password: string }
  | { kind: 'oauth'; tokens: TokenSource };

export class ExchangeConnection {
  readonly ewsUrl: string;
  /** Which API the writer speaks: EWS (on-premises, or Exchange Online by choice) or Microsoft Graph. */
  readonly api: ExchangeApi;
  readonly graphUrl: string;
  readonly ca?: string;
  readonly version: string;
  readonly timeZone?: string;
  readonly requestTimeoutMs: number;
  readonly auth: ConnectionAuth;
  private readonly tokenSources = new Map<string, TokenSource>();

  constructor(readonly settings: ConnectionSettings) {
    checkSettings(settings);
    this.ewsUrl = resolveEwsUrl(settings);
    this.api = resolveApi(settings);
    this.graphUrl = (settings.graphUrl || DEFAULT_GRAPH_URL).trim().replace(/\/+$/, '');
    this.ca = readCa(settings);
    this.version = settings.version || 'Exchange2016';
    this.timeZone = settings.timeZone || undefined;
    this.requestTimeoutMs = settings.requestTimeoutMs ?? 100_000;
    this.auth = settings.deployment === 'online'
      ? { kind: 'oauth', tokens: this.tokenSource(EWS_SCOPE, EWS_ROLE) }
      : { kind: settings.auth === 'basic' ? 'basic' : 'ntlm', user: settings.user!.trim(), password: settings.password ?? '' };
  }

  /** One token source per scope (EWS and Graph need different audiences). */
  tokenSource(scope: string, requiredRole?: string): TokenSource {
    let source = this.tokenSources.get(scope);
    if (!source) {
      const s = this.settings;
      source = new TokenSource({
        tenant: s.tenant!.trim(),
        clientId: s.clientId!.trim(),
        clientSecret: s.clientSecret ?? '',
        authorityHost: s.authorityHost || DEFAULT_AUTHORITY_HOST,
        scope,
        requiredRole,
        networkClient: s.networkClient ?? (this.ca ? createNetworkClient({ ca: this.ca }) : undefined),
      });
      this.tokenSources.set(scope, source);
    }
    return source;
  }

  /** What events and logs show: the URL, never a credential. */
  /** The EWS URL (the Graph transport reports `graphUrl` itself). */
  get endpoint(): string {
    return this.ewsUrl;
  }
}

/** EWS on-premises; Exchange Online: Graph unless `ews` is chosen (an unset variable means the default). */
export function resolveApi(s: Pick<ConnectionSettings, 'deployment' | 'api'>): ExchangeApi {
  if (s.deployment !== 'online') return 'ews';
  return String(s.api ?? '').trim().toLowerCase() === 'ews' ? 'ews' : 'graph';
}

/** The EWS URL from the settings: a host becomes https://<host>/EWS/Exchange.asmx. */
export function resolveEwsUrl(s: Pick<ConnectionSettings, 'deployment' | 'host' | 'ewsUrl'>): string {
  if (s.deployment === 'online') return (s.ewsUrl || ONLINE_EWS_URL).trim();
  const host = (s.host ?? '').trim();
  if (/^https?:\/\//i.test(host)) return host;
  return `https://${host.replace(/\/+$/, '')}/EWS/Exchange.asmx`;
}

function configError(field: string, message: string): ExchangeError {
  return new ExchangeError(ExchangeCode.config, message, { field, scope: 'endpoint', retryable: false });
}

/** A secret that is missing: the variable to set, or the field to fill in (never a value). */
function missingSecret(field: string, what: string, label: string, source: SecretSource = {}): ExchangeError {
  return new ExchangeError(ExchangeCode.config, `Enter ${what}: ${missingSecretText(source, label)}.`, { field, scope: 'endpoint', retryable: false, variable: source.variable });
}

/** Checks the settings; throws an error naming the setting to fix. */
export function checkSettings(s: ConnectionSettings): void {
  if (s.deployment !== 'onprem' && s.deployment !== 'online') {
    throw configError('deployment', 'Choose the deployment: Exchange Server (on-premises) or Exchange Online.');
  }
  if (s.deployment === 'onprem') {
    if (!s.host?.trim()) throw configError('host', 'Enter the Exchange host (e.g. exchange.firma.local) or the full EWS URL.');
    const url = resolveEwsUrl(s);
    checkUrl(url, 'host');
    if (!s.user?.trim()) throw configError('user', 'Enter the administrative account (DOMAIN\\user or user@domain).');
    if (!s.password) throw missingSecret('password', 'the password of the administrative account', 'Password', s.secretSources?.password);
  } else {
    if (!s.tenant?.trim()) throw configError('tenant', 'Enter the tenant (firma.onmicrosoft.com or its ID).');
    if (!s.clientId?.trim()) throw configError('clientId', 'Enter the application (client) ID of the app registration.');
    if (!s.clientSecret) throw missingSecret('clientSecret', 'the client secret of the app registration', 'Client secret', s.secretSources?.clientSecret);
    checkUrl(resolveEwsUrl(s), 'ewsUrl');
    if (s.graphUrl) checkUrl(s.graphUrl, 'graphUrl');
    if (s.authorityHost) checkUrl(s.authorityHost, 'authorityHost', true);
  }
  if (s.timeZone && !isIanaZone(s.timeZone)) {
    throw configError('timeZone', `"${s.timeZone}" is not an IANA time zone such as Europe/Berlin.`);
  }
  if (s.version && !(EXCHANGE_VERSIONS as readonly string[]).includes(s.version)) {
    throw configError('version', `Unknown Exchange version "${s.version}"; choose one of ${EXCHANGE_VERSIONS.join(', ')}.`);
  }
}

function checkUrl(url: string, field: string, httpsOnly = false): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw configError(field, `"${url}" is not a valid URL.`);
  }
  if (parsed.protocol !== 'https:' && (httpsOnly || parsed.protocol !== 'http:')) {
    throw configError(field, `"${url}" must start with https://.`);
  }
}

function readCa(s: ConnectionSettings): string | undefined {
  if (s.caPem?.trim()) return s.caPem;
  const file = s.caFile?.trim();
  if (!file) return undefined;
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw configError('caFile', `The CA certificate file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}).`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw configError('caFile', `The CA certificate file ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----).`);
  }
  return pem;
}
