import { BueroCode } from '../error-codes';
import { SyncError } from '../errors';
import { type FieldMap, unknownFieldError } from './fields';
import { type HttpTransport, isStaleConnection } from './http';

/** One GraphQL error as büro+ sends it. */
export interface GraphQLErrorInfo {
  message: string;
  locations?: { line: number; column: number }[];
  path?: (string | number)[];
  extensions?: Record<string, unknown>;
}

/** A GraphQL answer: data (null when a mutation failed and was rolled back) and errors. */
export interface GraphQLAnswer<T> {
  data: T | null;
  errors: GraphQLErrorInfo[];
}

/** Where the Bearer token of each request comes from (OAuth session or a static token). */
export interface AccessTokenSource {
  /** The token for the next request; throws a SyncError when none can be had. */
  getAccessToken(): Promise<string>;
  /** büro+ refused this token (HTTP 401): forget it so the next call gets a fresh one. */
  rejected(token: string): void;
}

export class StaticToken implements AccessTokenSource {
  constructor(private readonly token: string) {}
  async getAccessToken(): Promise<string> {
    if (!this.token) throw new SyncError(BueroCode.auth, 'The static token of the büro+ connection is empty.');
    return this.token;
  }
  rejected(): void {}
}

export interface BueroClientOptions {
  /** The GraphQL endpoint URL. */
  endpoint: string;
  transport: HttpTransport;
  auth: AccessTokenSource;
  /** For error messages that name the setting of an unknown field. */
  fields: FieldMap;
}

/**
 * GraphQL over HTTP to büro+. One POST per query; a query runs in büro+ as a lock-free
 * snapshot transaction (docs/buero-api.md), so several tables read in one query are consistent
 * with each other. Errors are SyncErrors: retryable for network faults and 5xx, with field,
 * type and setting for unknown fields.
 */
export class BueroClient {
  readonly endpoint: string;
  /** Requests sent, for tests and the efficiency check. */
  requests = 0;
  private readonly opts: BueroClientOptions;

  constructor(opts: BueroClientOptions) {
    this.opts = opts;
    this.endpoint = opts.endpoint;
  }

  /** The endpoint without path or query, safe for logs and events (never a credential). */
  get host(): string {
    try {
      return new URL(this.endpoint).origin;
    } catch {
      return this.endpoint;
    }
  }

  async query<T = Record<string, unknown>>(text: string, variables?: Record<string, unknown>): Promise<T> {
    const answer = await this.send<T>(text, variables, true);
    if (answer.errors.length > 0) {
      for (const e of answer.errors) {
        const unknown = unknownFieldError(String(e.message), this.opts.fields);
        if (unknown) throw unknown;
      }
      throw new SyncError(BueroCode.graphql, `büro+ reported: ${answer.errors.map((e) => e.message).join('; ')}`);
    }
    return answer.data!;
  }

  /**
   * A mutation, with büro+'s GraphQL errors as they came (message, locations, extensions): the
   * writer names the record and field from them. Network and HTTP faults throw as for a query,
   * but a mutation is never sent again on its own: büro+ may have run it (lib/buero/writer/).
   */
  async mutate<T = Record<string, unknown>>(text: string): Promise<GraphQLAnswer<T>> {
    return this.send<T>(text, undefined, false);
  }

  private async send<T>(text: string, variables: Record<string, unknown> | undefined, isRead: boolean): Promise<GraphQLAnswer<T>> {
    let token = await this.opts.auth.getAccessToken();
    let res = await this.post(text, variables, token, isRead);
    if (res.status === 401) {
      // An access token may expire or be revoked between requests: one fresh try (büro+ ran nothing).
      this.opts.auth.rejected(token);
      token = await this.opts.auth.getAccessToken();
      res = await this.post(text, variables, token, isRead);
      if (res.status === 401) {
        this.opts.auth.rejected(token);
        throw new SyncError(BueroCode.auth, `büro+ at ${this.host} refused the access token (HTTP 401). Re-connect to büro+ or check the token.`);
      }
    }
    if (res.status >= 500 || res.status === 429 || res.status === 408) {
      throw new SyncError(BueroCode.unavailable, `büro+ at ${this.host} answered HTTP ${res.status}.`, { retryable: true });
    }
    if (res.status === 403) {
      throw new SyncError(BueroCode.forbidden, `büro+ at ${this.host} refused access (HTTP 403): the büro+ user needs "Zugriff über GraphQL erlaubt".`);
    }
    let body: { data?: T | null; errors?: GraphQLErrorInfo[] };
    try {
      body = JSON.parse(res.body);
    } catch {
      throw new SyncError(BueroCode.protocol, `büro+ at ${this.host} answered HTTP ${res.status} without GraphQL JSON: is the endpoint URL right?`);
    }
    const errors = Array.isArray(body.errors) ? body.errors : [];
    if (errors.length === 0 && (res.status >= 400 || !body.data)) {
      throw new SyncError(BueroCode.http, `büro+ at ${this.host} answered HTTP ${res.status}.`);
    }
    return { data: body.data ?? null, errors };
  }

  private async post(text: string, variables: Record<string, unknown> | undefined, token: string, isRead: boolean) {
    const send = () => {
      this.requests += 1;
      return this.opts.transport.request(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(variables ? { query: text, variables } : { query: text }),
      });
    };
    try {
      return await send();
    } catch (err) {
      // A read may be sent again after a reset connection; a mutation may have run, so never.
      if (isRead && isStaleConnection(err)) return send();
      throw err;
    }
  }
}
