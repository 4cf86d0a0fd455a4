import fs from 'node:fs';
import { BueroCode } from '../error-codes';
import { expandVariables, processEnvironment, type VariableLookup } from '../env';
import { SyncError } from '../errors';
import type { StateDb } from '../state/db';
import { TokenStore } from '../state/tokens';
import { type AccessTokenSource, BueroClient, StaticToken } from './client';
import { type FieldCheckResult, type FieldMap, checkFields, resolveFieldMap } from './fields';
import { HttpTransport } from './http';
import { OAuthSession, resolveEndpoints, type OAuthEndpoints } from './oauth';

/** The settings of a büro+ connection as the config node holds them (strings may be `${ENV}`). */
export interface BueroConnectionSettings {
  endpoint: string;
  mandant: string | number;
  /** Path of a PEM file with extra CA certificates. */
  caFile?: string;
  /** 'oauth' | 'static'; empty or anything else: static when only a static token is set. */
  auth?: string;
  clientId?: string;
  clientSecret?: string;
  authorizationUrl?: string;
  tokenUrl?: string;
  scope?: string;
  staticToken?: string;
  /** Field-name overrides (see lib/buero/fields.ts). */
  fields?: unknown;
}

/**
 * A setting with its `${NAME}` variables expanded (lib/env.ts, the same rule as every node). An
 * unset variable means the setting's default (the reference flow names optional variables);
 * for a required setting it is an error naming the variable.
 */
export function expandSetting(value: string | undefined, lookup: VariableLookup, setting: string, required = false): string {
  return expandVariables(value, lookup, required ? (name) => {
    throw new SyncError(BueroCode.config, `The environment variable ${name} (used in the setting "${setting}" of the büro+ connection) is not set.`, { field: setting });
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
  const endpoint = expandSetting(s.endpoint, lookup, 'endpoint URL', true).trim();
  try {
    const u = new URL(endpoint);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
  } catch {
    throw new SyncError(BueroCode.config, `The endpoint URL of the büro+ connection is not a valid http(s) URL: "${endpoint}".`, { field: 'endpoint' });
  }
  const mandantText = expandSetting(String(s.mandant ?? ''), lookup, 'Mandant', true).trim();
  const mandant = Number(mandantText);
  if (!/^\d+$/.test(mandantText) || !Number.isSafeInteger(mandant)) {
    throw new SyncError(BueroCode.config, `The Mandant number of the büro+ connection must be a whole number, not "${mandantText}".`, { field: 'mandant' });
  }
  const caFile = expandSetting(s.caFile, lookup, 'CA certificate').trim();
  let ca: string | undefined;
  if (caFile) {
    try {
      ca = readFile(caFile);
    } catch (err) {
      throw new SyncError(BueroCode.config, `The CA certificate file of the büro+ connection cannot be read: ${caFile} (${(err as Error).message}).`, { field: 'caFile', cause: err });
    }
  }
  const clientId = expandSetting(s.clientId, lookup, 'client ID').trim();
  const staticToken = expandSetting(s.staticToken, lookup, 'static token').trim();
  // An auth left open (the reference flow's unset ${BUERO_AUTH}) follows what is configured:
  // a static token without a client ID means static, anything else OAuth.
  const authText = expandSetting(s.auth, lookup, 'authentication').trim();
  const auth = authText === 'static' || (authText !== 'oauth' && staticToken && !clientId) ? 'static' : 'oauth';
  if (auth === 'oauth' && !clientId) throw new SyncError(BueroCode.config, 'The büro+ connection uses OAuth but has no client ID.', { field: 'clientId' });
  if (auth === 'static' && !staticToken) throw new SyncError(BueroCode.config, 'The büro+ connection uses a static token but none is set.', { field: 'staticToken' });
  return {
    endpoint,
    mandant,
    ca,
    auth,
    clientId,
    clientSecret: expandSetting(s.clientSecret, lookup, 'client secret').trim() || undefined,
    endpoints: {
      authorizationEndpoint: expandSetting(s.authorizationUrl, lookup, 'authorization URL').trim() || undefined,
      tokenEndpoint: expandSetting(s.tokenUrl, lookup, 'token URL').trim() || undefined,
    },
    scope: expandSetting(s.scope, lookup, 'scope').trim() || undefined,
    staticToken,
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
