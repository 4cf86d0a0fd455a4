/**
 * büro+ GraphQL simulator: the API subset of docs/buero-api.md over real HTTP on
 * 127.0.0.1, with its OAuth 2.0 authorization server, fault injection and a page for people.
 * Decisions where büro+ publishes nothing are in README.md beside this file.
 */
import http from 'node:http';
import https from 'node:https';
import crypto from 'node:crypto';
import type net from 'node:net';
import { parse, validate, execute, getOperationAST, GraphQLError, Kind, type DocumentNode, type ExecutionResult } from 'graphql';
import { BueroDb } from './db';
import { buildBueroSchema, type FieldRights, type GraphQLContext } from './schema';
import { TABLES, TABLE_NAMES } from './tables';
import type { BueroRules } from './db';
import { AuthorizationServer, type OAuthOptions } from './oauth';
import { dataPage, errorPage, loginPage } from './pages';
import type { BueroDataSet, Row } from '../data/generator';

export type { BueroDataSet, Row } from '../data/generator';
export { generateBueroData } from '../data/generator';
export { BueroDb, BueroWriteError, DEFAULT_RULES } from './db';
export type { BueroRules } from './db';
export type { FieldRights } from './schema';
export type { OAuthClient, OAuthOptions } from './oauth';
export { s256 } from './oauth';

export interface BueroFaults {
  latencyMs: number;
  http5xxRate: number;
  /** Server stopped: every connection is destroyed at once (clients see a reset), until set back to false. */
  stopped: boolean;
  /** Status of injected 5xx answers; default 503. */
  http5xxStatus: number;
  /** Pause each table read of a query this long (the query keeps its snapshot meanwhile). */
  readDelayMs: number;
}

export interface BueroSimulatorOptions {
  /** tblClient.fldMandNr, default 1 (or the data set's). */
  mandant?: number;
  /** Initial rows (from sandbox/data generator); default empty and one user. */
  data?: BueroDataSet;
  auth?: OAuthOptions;
  faults?: Partial<BueroFaults>;
  port?: number;
  /** Time source for token expiry and fldErstDat/fldAendDat; default Date.now. */
  clock?: () => number;
  /** Random source for the 5xx rate; default Math.random. */
  random?: () => number;
  /** Start the LSN counter at least here (e.g. above 2^53). */
  lsnStart?: bigint;
  /** Keep at most this many request log entries (oldest dropped); default 10 000. */
  requestLogLimit?: number;
  /** Serve HTTPS with this certificate (büro+ only serves TLS; e.g. from sandbox/tls.ts createTestPki()). */
  tls?: { certPem: string; keyPem: string };
  /**
   * Per büro+ login (`tblUsers.fldAnmNa`): the fields per table the user has no right to write
   * (added to the data set's `fieldRights`). Such a field has no `set` argument for that user.
   */
  fieldRights?: Record<string, FieldRights>;
  /** Business rules on save (e.g. the longest subject büro+ takes). */
  rules?: Partial<BueroRules>;
}

export interface RequestLogEntry {
  time: number;
  query: string;
  variables?: unknown;
  status: number;
  cpuMs?: number;
  operationName?: string;
  /** Rows the query returned per table (rowRead, rowsRead, conRead). */
  rows?: Record<string, number>;
}

export interface BueroStats {
  requests: number;
  byOperation: Record<string, number>;
  tokensIssued: number;
  refreshReuseDetected: number;
  /** Rows returned per table by rowRead, rowsRead and conRead (what a client read from büro+). */
  rowsReturned: Record<string, number>;
  /** Of those, the rows of reads filtered on `fldModifyLSN` above a value (a change poll's reads). */
  changedRowsReturned: Record<string, number>;
}

export interface BueroSimulator {
  /** GraphQL endpoint, http://127.0.0.1:<port>/graphql (https with the tls option) */
  url: string;
  /** http://127.0.0.1:<port> (https with the tls option) */
  baseUrl: string;
  port: number;
  oauth: { authorizationEndpoint: string; tokenEndpoint: string; metadataUrl: string; revocationEndpoint: string };
  staticToken?: string;
  /** Mutable at run time. */
  faults: BueroFaults;
  /** In-process access: insert/modify/delete like the mutations (same LSN bump and rules, but no API subject rules: README.md), read tables. */
  db: BueroDb;
  /** Field rights per login, mutable at run time (the next request sees the change). */
  fieldRights: Record<string, FieldRights>;
  stats(): BueroStats;
  requestLog: RequestLogEntry[];
  /**
   * Runs before each query (not mutation) takes its snapshot, with the query text: a test can
   * change rows between the pages of a multi-page read (each request is its own snapshot).
   */
  beforeQuery?: (query: string) => void;
  /** Revokes every issued access and refresh token (the static token stays valid). */
  revokeAllTokens(): void;
  expireAccessTokens(): void;
  /** Really stops listening (connections are refused) … */
  stop(): Promise<void>;
  /** … and listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': typeof body === 'string' ? 'text/html; charset=utf-8' : JSON_TYPE,
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

function readBody(req: http.IncomingMessage, limit = 20 * 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * A field the user has no right to write has no `set` argument; microtech documents büro+'s
 * answer as `Argument "set" is not defined`, so that is the text here, with the GraphQL
 * location of the argument (the text names no field; a client finds it from the location).
 */
function withoutRight(err: GraphQLError, rights: FieldRights): GraphQLError {
  const m = /^Unknown argument "set" on field "(\w+)\.(\w+)"/.exec(err.message);
  if (!m) return err;
  const table = TABLE_NAMES.find((t) => m[1].startsWith(`${TABLES[t].typeName}RowMutation`));
  if (!table || !rights[table]?.includes(m[2])) return err;
  return new GraphQLError('Argument "set" is not defined', { nodes: err.nodes });
}

export async function startBueroSimulator(opts: BueroSimulatorOptions = {}): Promise<BueroSimulator> {
  const clock = opts.clock ?? Date.now;
  const random = opts.random ?? Math.random;
  const db = new BueroDb({ mandant: opts.mandant, data: opts.data, clock, lsnStart: opts.lsnStart, rules: opts.rules });
  const fieldRights: Record<string, FieldRights> = { ...(opts.data?.fieldRights as Record<string, FieldRights> | undefined), ...opts.fieldRights };
  // One schema per set of field rights: büro+ offers `set` only on the fields a user may write.
  const schemas = new Map<string, ReturnType<typeof buildBueroSchema>>();
  const rightsOf = (login: string): FieldRights => {
    const key = Object.keys(fieldRights).find((k) => k.toLowerCase() === login.toLowerCase());
    return key ? fieldRights[key] : {};
  };
  const schemaFor = (rights: FieldRights) => {
    const key = JSON.stringify(TABLE_NAMES.map((t) => [...(rights[t] ?? [])].sort()));
    let schema = schemas.get(key);
    if (!schema) schemas.set(key, (schema = buildBueroSchema(rights)));
    return { key, schema };
  };
  const auth = opts.auth ?? { staticToken: `buero-static-${crypto.randomBytes(12).toString('base64url')}` };
  const as = new AuthorizationServer(auth, clock, () => db.scan('tblUsers'));
  const pageToken = `buero-page-${crypto.randomBytes(18).toString('base64url')}`;
  const requestLog: RequestLogEntry[] = [];
  const logLimit = opts.requestLogLimit ?? 10000;
  const byOperation: Record<string, number> = {};
  const rowsReturned: Record<string, number> = {};
  const changedRowsReturned: Record<string, number> = {};
  const hooks: Pick<BueroSimulator, 'beforeQuery'> = {};
  let requests = 0;

  // Parsing and validating the same polling query again and again is wasted work: cache it.
  const documents = new Map<string, { document?: DocumentNode; errors?: readonly GraphQLError[] }>();
  const prepare = (query: string, rights: FieldRights) => {
    const { key, schema } = schemaFor(rights);
    const cacheKey = `${key}\n${query}`;
    let entry = documents.get(cacheKey);
    if (!entry) {
      try {
        const document = parse(query);
        const errors = validate(schema, document).map((e) => withoutRight(e, rights));
        entry = errors.length ? { errors } : { document };
      } catch (err) {
        entry = { errors: [err as GraphQLError] };
      }
      if (documents.size >= 500) documents.delete(documents.keys().next().value!);
      documents.set(cacheKey, entry);
    }
    return { ...entry, schema };
  };

  const sockets = new Set<net.Socket>();
  let stoppedFlag = false;
  const faultState: BueroFaults = {
    latencyMs: 0, http5xxRate: 0, http5xxStatus: 503, readDelayMs: 0,
    get stopped() {
      return stoppedFlag;
    },
    set stopped(value: boolean) {
      stoppedFlag = value;
      if (value) for (const s of sockets) s.destroy();
    },
  };
  Object.assign(faultState, opts.faults ?? {});

  const userOf = (login: string): Row => as.findUser(login) ?? db.scan('tblUsers')[0] ?? { fldNr: 0, fldAnmNa: login };

  async function handleGraphQL(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    requests++;
    const started = process.cpuUsage();
    const entry: RequestLogEntry = { time: clock(), query: '', status: 0 };
    const finish = (status: number, body: unknown, headers?: Record<string, string>) => {
      entry.status = status;
      const cpu = process.cpuUsage(started);
      entry.cpuMs = (cpu.user + cpu.system) / 1000;
      requestLog.push(entry);
      if (requestLog.length > logLimit) requestLog.splice(0, requestLog.length - logLimit);
      send(res, status, body, headers);
    };
    if (req.method !== 'POST') return finish(405, { errors: [{ message: 'use POST with a JSON body' }] }, { Allow: 'POST' });
    let payload: { query?: unknown; variables?: unknown; operationName?: unknown };
    try {
      payload = JSON.parse(await readBody(req));
    } catch {
      return finish(400, { errors: [{ message: 'the request body is not JSON' }] });
    }
    if (typeof payload?.query !== 'string') return finish(400, { errors: [{ message: 'the request has no "query" string' }] });
    entry.query = payload.query;
    entry.variables = payload.variables ?? undefined;
    entry.operationName = typeof payload.operationName === 'string' ? payload.operationName : undefined;
    if (faultState.http5xxRate > 0 && random() < faultState.http5xxRate)
      return finish(faultState.http5xxStatus, { errors: [{ message: `injected fault: HTTP ${faultState.http5xxStatus}` }] });
    const bearer = as.checkBearer(req.headers.authorization, pageToken);
    if (!bearer.ok)
      return finish(401, { errors: [{ message: `${bearer.error}: ${bearer.description}` }] }, {
        'WWW-Authenticate': `Bearer realm="buero", error="${bearer.error}", error_description="${bearer.description}"`,
      });
    const prepared = prepare(payload.query, rightsOf(bearer.login));
    if (!prepared.document) return finish(200, { errors: prepared.errors!.map((e) => e.toJSON()) });
    const { document, schema } = prepared;
    const operation = getOperationAST(document, entry.operationName);
    if (!operation) return finish(200, { errors: [{ message: 'say which operation to run (operationName)' }] });
    for (const sel of operation.selectionSet.selections)
      if (sel.kind === Kind.FIELD && sel.name.value.startsWith('__')) byOperation[sel.name.value] = (byOperation[sel.name.value] ?? 0) + 1;
    const ctx: GraphQLContext = { db, user: userOf(bearer.login), readDelayMs: faultState.readDelayMs, operations: [], rows: {}, changedRows: {} };
    const variables = (payload.variables ?? undefined) as Record<string, unknown> | undefined;
    let result: ExecutionResult;
    if (operation.operation === 'mutation') {
      // All-or-nothing: any error rolls back every write of the mutation.
      // Mutation resolvers are synchronous, so nothing else runs between begin and commit/rollback.
      db.begin();
      try {
        const out = execute({ schema, document, contextValue: ctx, variableValues: variables, operationName: entry.operationName });
        if (out instanceof Promise) throw new Error('a mutation resolver went asynchronous');
        result = out;
      } catch (err) {
        db.rollback();
        throw err;
      }
      if (result.errors?.length) {
        db.rollback();
        result = { errors: result.errors, data: null };
      } else db.commit();
    } else {
      hooks.beforeQuery?.(payload.query);
      ctx.snapshot = db.openSnapshot();
      try {
        result = await execute({ schema, document, contextValue: ctx, variableValues: variables, operationName: entry.operationName });
      } finally {
        db.closeSnapshot(ctx.snapshot);
      }
    }
    for (const op of ctx.operations) byOperation[op] = (byOperation[op] ?? 0) + 1;
    for (const [table, n] of Object.entries(ctx.rows)) rowsReturned[table] = (rowsReturned[table] ?? 0) + n;
    for (const [table, n] of Object.entries(ctx.changedRows)) changedRowsReturned[table] = (changedRowsReturned[table] ?? 0) + n;
    if (Object.keys(ctx.rows).length) entry.rows = ctx.rows;
    finish(200, result);
  }

  function metadata(): Record<string, unknown> {
    return {
      issuer: baseUrl,
      authorization_endpoint: `${baseUrl}/oauth/authorize`,
      token_endpoint: `${baseUrl}/oauth/token`,
      revocation_endpoint: `${baseUrl}/oauth/revoke`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    };
  }

  function redirectBack(res: http.ServerResponse, q: URLSearchParams, params: Record<string, string>): void {
    const client = as.clients.get(q.get('client_id') ?? '')!;
    const target = new URL(q.get('redirect_uri') ?? client.redirectUris[0]);
    for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
    if (q.get('state') !== null) target.searchParams.set('state', q.get('state')!);
    res.writeHead(302, { Location: target.toString(), 'Cache-Control': 'no-store' });
    res.end();
  }

  async function handleAuthorize(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const q = req.method === 'POST' ? new URLSearchParams(await readBody(req)) : url.searchParams;
    const check = as.checkAuthorizationRequest(q);
    if (check.fatal) return send(res, 400, errorPage(check.fatal));
    if (check.error) return redirectBack(res, q, { error: check.error, error_description: check.description! });
    const client = check.client!;
    const logins = db.scan('tblUsers').map((u) => String(u.fldAnmNa));
    if (req.method === 'GET') {
      if (auth.autoApprove) return redirectBack(res, q, { code: as.issueCode(q, client, as.defaultLogin()) });
      return send(res, 200, loginPage(q, client.clientId, logins));
    }
    const original = new URLSearchParams([...q].filter(([k]) => !['username', 'password', 'action'].includes(k)));
    if (q.get('action') === 'deny') return redirectBack(res, original, { error: 'access_denied', error_description: 'the user denied access' });
    const user = as.findUser(q.get('username') ?? '');
    if (!user || q.get('password') !== 'demo') return send(res, 401, loginPage(original, client.clientId, logins, 'Benutzer oder Passwort falsch / wrong user or password'));
    redirectBack(res, original, { code: as.issueCode(original, client, String(user.fldAnmNa)) });
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', baseUrl);
    if (faultState.latencyMs > 0) await sleep(faultState.latencyMs);
    if (stoppedFlag) return void req.socket.destroy();
    const path = url.pathname;
    if (path === '/graphql') return handleGraphQL(req, res);
    if (path === '/.well-known/oauth-authorization-server' && req.method === 'GET') return send(res, 200, metadata());
    if (path === '/oauth/authorize' && (req.method === 'GET' || req.method === 'POST')) return handleAuthorize(req, res, url);
    if (path === '/oauth/token' && req.method === 'POST') {
      if (faultState.http5xxRate > 0 && random() < faultState.http5xxRate)
        return send(res, faultState.http5xxStatus, { error: 'temporarily_unavailable', error_description: 'injected fault' });
      const answer = as.token(new URLSearchParams(await readBody(req)), req.headers.authorization);
      return send(res, answer.status, answer.body, { Pragma: 'no-cache', ...answer.headers });
    }
    if (path === '/oauth/revoke' && req.method === 'POST') {
      as.revoke(new URLSearchParams(await readBody(req)).get('token') ?? '');
      return send(res, 200, {});
    }
    if (path === '/' && req.method === 'GET') return send(res, 200, dataPage(db.mandant, pageToken));
    send(res, 404, { error: 'not_found', path });
  }

  const handler: http.RequestListener = (req, res) => {
    route(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { errors: [{ message: `simulator error: ${err instanceof Error ? err.message : String(err)}` }] });
      else res.destroy();
    });
  };
  const server = opts.tls ? https.createServer({ cert: opts.tls.certPem, key: opts.tls.keyPem }, handler) : http.createServer(handler);
  server.keepAliveTimeout = 5000;
  server.on('connection', (socket) => {
    if (stoppedFlag) return void socket.destroy();
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(opts.port ?? 0);
  const port = (server.address() as net.AddressInfo).port;
  const baseUrl = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  let listening = true;

  const closeServer = () =>
    new Promise<void>((resolve) => {
      if (!listening) return resolve();
      listening = false;
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
    });

  return {
    url: `${baseUrl}/graphql`,
    baseUrl,
    port,
    oauth: {
      authorizationEndpoint: `${baseUrl}/oauth/authorize`,
      tokenEndpoint: `${baseUrl}/oauth/token`,
      metadataUrl: `${baseUrl}/.well-known/oauth-authorization-server`,
      revocationEndpoint: `${baseUrl}/oauth/revoke`,
    },
    staticToken: auth.staticToken,
    faults: faultState,
    db,
    fieldRights,
    requestLog,
    stats: () => ({
      requests, byOperation: { ...byOperation }, tokensIssued: as.tokensIssued, refreshReuseDetected: as.refreshReuseDetected,
      rowsReturned: { ...rowsReturned }, changedRowsReturned: { ...changedRowsReturned },
    }),
    revokeAllTokens: () => as.revokeAll(),
    expireAccessTokens: () => as.expireAccessTokens(),
    stop: closeServer,
    start: async () => {
      if (listening) return;
      await listen(port);
      listening = true;
    },
    close: closeServer,
    get beforeQuery() {
      return hooks.beforeQuery;
    },
    set beforeQuery(fn) {
      hooks.beforeQuery = fn;
    },
  };
}
