import fs from 'node:fs';
import { BueroCode } from '../error-codes';
import { expandVariables, missingSecretText, processEnvironment, readSecret, type VariableLookup } from '../env';
import { SyncError } from '../errors';
import type { StateDb } from '../state/db';
import { TokenStore } from '../state/tokens';
import { type AccessTokenSource, BueroClient, StaticToken } from './client';
import { type FieldCheckResult, type FieldMap, checkFields, resolveFieldMap } from './fields';
import { HttpTransport } from './http';
import { OAuthSession, resolveEndpoints, type OAuthEndpoints } from './oauth';

/**
 * The settings of a büro+ connection as the config node holds them (strings may be `${ENV}`).
 * Each secret is typed (a credential) or named as an environment variable (`…Env`, a plain
 * setting): see SecretSetting in lib/env.ts.
 */
export interface BueroConnectionSettings {
  /** The connection's name, for messages. */
  name?: string;
  endpoint: string;
  mandant: string | number;
  /** Path of a PEM file with extra CA certificates. */
  caFile?: string;
  /** 'oauth' | 'static'; empty or anything else: static when only a static token is set. */
  auth?: string;
  clientId?: string;
  clientIdEnv?: string;
  clientSecret?: string;
  clientSecretEnv?: string;
  authorizationUrl?: string;
  tokenUrl?: string;
  scope?: string;
  staticToken?: string;
  staticTokenEnv?: string;
  /** Field-name overrides (see lib/buero/fields.ts). */
  fields?: unknown;
}

/** `büro+ connection "name"` for messages. */
function connectionName(name: string | undefined): string {
  return name?.trim() ? `büro+ connection "${name.trim()}"` : 'büro+ connection';
}

/**
 * A setting with its `${NAME}` variables expanded (lib/env.ts, the same rule as every node). An
 * unset variable means the setting's default (the reference flow names optional variables);
 * for a required setting it is an error naming the variable.
 */
export function expandSetting(value: string | undefined, lookup: VariableLookup, setting: string, required = false, connection?: string): string {
  return expandVariables(value, lookup, required ? (name) => {
    throw new SyncError(BueroCode.config, `The environment variable ${name} (used in the setting "${setting}" of the ${connectionName(connection)}) is not set.`, { field: setting, variable: name });
  } : undefined);
}

export interface ResolvedSettings {
  endpoint: string;
  mandant: number;
  ca?: string;
  auth: 'oauth' | 'static';
  clientId: string;
  clientSecret?: string;
  endpoints: Partial<OAuthEndpoints>;
  scope?: string;
  staticToken: string;
  fields: FieldMap;
}

export function resolveSettings(s: BueroConnectionSettings, lookup: VariableLookup = processEnvironment, readFile: (p: string) => string = (p) => fs.readFileSync(p, 'utf8')): ResolvedSettings {
  const of = connectionName(s.name);
  const endpoint = expandSetting(s.endpoint, lookup, 'endpoint URL', true, s.name).trim();
  try {
    const u = new URL(endpoint);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
  } catch {
    throw new SyncError(BueroCode.config, `The endpoint URL of the ${of} is not a valid http(s) URL: "${endpoint}".`, { field: 'endpoint' });
  }
  const mandantText = expandSetting(String(s.mandant ?? ''), lookup, 'Mandant', true, s.name).trim();
  const mandant = Number(mandantText);
  if (!/^\d+$/.test(mandantText) || !Number.isSafeInteger(mandant)) {
    throw new SyncError(BueroCode.config, `The Mandant number of the ${of} must be a whole number, not "${mandantText}".`, { field: 'mandant' });
  }
  const caFile = expandSetting(s.caFile, lookup, 'CA certificate').trim();
  let ca: string | undefined;
  if (caFile) {
    try {
      ca = readFile(caFile);
    } catch (err) {
      throw new SyncError(BueroCode.config, `The CA certificate file of the ${of} cannot be read: ${caFile} (${(err as Error).message}).`, { field: 'caFile', cause: err });
    }
  }
  const clientId = readSecret({ typed: s.clientId, variable: s.clientIdEnv }, lookup);
  const staticToken = readSecret({ typed: s.staticToken, variable: s.staticTokenEnv }, lookup);
  const clientIdValue = clientId.value.trim();
  const tokenValue = staticToken.value.trim();
  // An auth left open (the reference flow's unset ${BUERO_AUTH}) follows what is configured:
  // a static token without a client ID means static, anything else OAuth.
  let authVariable: string | undefined;
  const authText = expandVariables(s.auth, lookup, (name) => (authVariable ??= name)).trim();
  const chosen = authText === 'static' || authText === 'oauth' ? authText : undefined;
  const auth = chosen ?? (tokenValue && !clientIdValue ? 'static' : 'oauth');
  // The message names what to set (a variable, or a field of the dialog), never a value.
  if (!chosen && !tokenValue && !clientIdValue) {
    throw new SyncError(
      BueroCode.config,
      `The ${of} has no sign-in. Static token: ${missingSecretText(staticToken, 'Token')}. OAuth: ${missingSecretText(clientId, 'Client ID')}. ` +
        `Set one of them${authVariable ? ` (the choice of sign-in comes from ${authVariable}, which is not set either)` : ''}.`,
      { field: 'staticToken', variable: staticToken.variable ?? clientId.variable },
    );
  }
  if (auth === 'oauth' && !clientIdValue) {
    throw new SyncError(BueroCode.config, `The ${of} signs in with OAuth but has no client ID: ${missingSecretText(clientId, 'Client ID')}.`, { field: 'clientId', variable: clientId.variable });
  }
  if (auth === 'static' && !tokenValue) {
    throw new SyncError(BueroCode.config, `The ${of} signs in with a static token but has none: ${missingSecretText(staticToken, 'Token')}.`, { field: 'staticToken', variable: staticToken.variable });
  }
  return {
    endpoint,
    mandant,
    ca,
    auth,
    clientId: clientIdValue,
    clientSecret: readSecret({ typed: s.clientSecret, variable: s.clientSecretEnv }, lookup).value.trim() || undefined,
    endpoints: {
      authorizationEndpoint: expandSetting(s.authorizationUrl, lookup, 'authorization URL').trim() || undefined,
      tokenEndpoint: expandSetting(s.tokenUrl, lookup, 'token URL').trim() || undefined,
    },
    scope: expandSetting(s.scope, lookup, 'scope').trim() || undefined,
    staticToken: tokenValue,
    fields: resolveFieldMap(s.fields),
  };
}

/**
 * One büro+ connection: transport (TLS verified, optional CA), authentication (OAuth session
 * with its token chain in the state file, or a static token) and the GraphQL client.
 */
export class BueroConnection {
  readonly settings: ResolvedSettings;
  readonly client: BueroClient;
  readonly transport: HttpTransport;
  readonly session?: OAuthSession;
  private endpointsPromise?: Promise<OAuthEndpoints>;
  private readonly listeners = new Set<(state: 'connected' | 'reconnect', reason?: string) => void>();

  constructor(settings: ResolvedSettings, opts: { db: StateDb; connectionId: string; clock?: () => Date }) {
    this.settings = settings;
    this.transport = new HttpTransport({ ca: settings.ca });
    let auth: AccessTokenSource;
    if (settings.auth === 'oauth') {
      this.session = new OAuthSession({
        store: new TokenStore(opts.db, opts.connectionId),
        transport: this.transport,
        clientId: settings.clientId,
        clientSecret: settings.clientSecret,
        scope: settings.scope,
        endpoints: () => this.endpoints(),
        clock: opts.clock,
        onStateChange: (state, reason) => {
          for (const l of this.listeners) l(state, reason);
        },
      });
      auth = this.session;
    } else {
      auth = new StaticToken(settings.staticToken);
    }
    this.client = new BueroClient({ endpoint: settings.endpoint, transport: this.transport, auth, fields: settings.fields });
  }

  get fields(): FieldMap {
    return this.settings.fields;
  }

  get mandant(): number {
    return this.settings.mandant;
  }

  /** The OAuth endpoints, configured or discovered once (a failed discovery is tried again). */
  endpoints(): Promise<OAuthEndpoints> {
    if (!this.endpointsPromise) {
      this.endpointsPromise = resolveEndpoints(this.transport, this.settings.endpoint, this.settings.endpoints).catch((err) => {
        this.endpointsPromise = undefined;
        throw err;
      });
    }
    return this.endpointsPromise;
  }

  /** Told when the OAuth chain breaks or is connected again. */
  onAuthChange(listener: (state: 'connected' | 'reconnect', reason?: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  checkFields(): Promise<FieldCheckResult[]> {
    return checkFields((q) => this.client.query(q), this.settings.fields);
  }

  close(): void {
    this.transport.close();
  }
}
