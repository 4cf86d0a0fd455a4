import assert from 'node:assert/strict';
import path from 'node:path';
import { DEFAULT_FIELDS } from '../../lib/buero/fields';
import { helper } from '../support/node-red';
import { type Sim, startSim, tempDir, until } from '../buero/support/harness';

const connectionNode = require('../../nodes/buero-connection/buero-connection');
const changesNode = require('../../nodes/buero-changes/buero-changes');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
const globalConfigNode = require('@node-red/nodes/core/common/91-global-config.js');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Node-RED messages are free-form; the assertions say what they hold
type Msg = Record<string, any>;

/** The status texts the change source has shown since the flow was loaded (Node-RED's status calls, spied by the test helper). */
function statusesOf(id: string): string[] {
  const spy = (helper as unknown as { _NodePrototype: { status: { getCalls(): { thisValue: { id?: string }; args: { text?: string }[] }[] } } })._NodePrototype.status;
  return spy.getCalls().filter((c) => c.thisValue?.id === id).map((c) => String(c.args[0]?.text));
}
const statuses = {
  includes: (t: string) => statusesOf('chg').includes(t),
  at: (i: number) => statusesOf('chg').at(i),
};
const CLIENT_ID = 'node-red-sync';
const SECRET = 'Geheimnis-2026!';
const REDIRECT = 'http://127.0.0.1:1880/buero-connection/conn/callback';

// The büro+ connection in a real Node-RED: "Connect to büro+" (PKCE) through its admin
// routes against the büro+ simulator's OAuth server, "Check fields", and what the change
// source shows when the token chain breaks.
describe('buero-connection node (Node-RED admin routes, büro+ simulator over HTTP)', function () {
  this.timeout(30_000);
  let sim: Sim;
  let stateFile: string;
  let events: Msg[];
  let caught: Msg[];

  async function load(connection: Record<string, unknown>, credentials: Record<string, string>) {
    events = [];
    caught = [];
    const flow = [
      { id: 'tab', type: 'tab', label: 'sync' },
      { id: 'conn', type: 'buero-connection', endpoint: sim.url, mandant: '1', auth: 'oauth', stateFile, fields: {}, ...connection },
      { id: 'chg', z: 'tab', type: 'buero-changes', connection: 'conn', appointments: true, tasks: true, contacts: false, interval: 0.05, autoSync: true, deletionEvery: 4, pageSize: 500, wires: [[], ['ev']] },
      { id: 'ev', z: 'tab', type: 'helper' },
      { id: 'ca', z: 'tab', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', z: 'tab', type: 'helper' },
    ];
    await helper.load([connectionNode, changesNode, catchNode], flow, { conn: credentials });
    helper.getNode('ev').on('input', (m: Msg) => events.push(m));
    helper.getNode('caught').on('input', (m: Msg) => caught.push(m));
  }

  /** Clicks "Connect to büro+": the admin route, the büro+ login, the callback into Node-RED. */
  async function connect(): Promise<string> {
    const started = await helper.request().post('/buero-connection/conn/connect').send({ redirectUri: REDIRECT }).expect(200);
    const login = await fetch(started.body.url, { redirect: 'manual' });
    assert.equal(login.status, 302);
    const back = new URL(login.headers.get('location') as string);
    assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
    const done = await helper.request().get(`${back.pathname}${back.search}`).expect(200);
    return done.text;
  }

  beforeEach(async function () {
    sim = await startSim({ auth: { staticToken: 'buero-static-test', oauthClients: [{ clientId: CLIENT_ID, clientSecret: SECRET, redirectUris: [REDIRECT] }], autoApprove: true } });
    stateFile = path.join(tempDir(), 'buero-sync.sqlite');
  });

  afterEach(async function () {
    await helper.unload();
    await sim.close();
  });

  it('connect, lose the chain (revoked), see "re-connect", re-connect: the sync goes on', async function () {
    await load({}, { clientId: CLIENT_ID, clientSecret: SECRET });
    await until(() => statuses.includes('buero-changes.status.notConnected'), 'the not-connected status');
    let state = await helper.request().get('/buero-connection/conn/state').expect(200);
    assert.equal(state.body.state, 'not-connected');

    const page = await connect();
    assert.match(page, /buero-connection\.callback\.connected/);
    await until(() => statuses.at(-1) === 'buero-changes.status.idle', 'the sync after connecting');
    state = await helper.request().get('/buero-connection/conn/state').expect(200);
    assert.equal(state.body.state, 'connected');
    // The callback is good once.
    await helper.request().get('/buero-connection/conn/callback?code=x&state=y').expect(400);

    sim.revokeAllTokens();
    await until(() => statuses.at(-1) === 'buero-changes.status.reconnect', 'the re-connect status');
    const failed = events.filter((e) => e.payload.type === 'connection' && !e.payload.ok).at(-1);
    assert.match(failed?.payload.reason, /Re-connect to büro\+ needed: büro\+ refused the refresh token \(invalid_grant: refresh token revoked\)/);
    state = await helper.request().get('/buero-connection/conn/state').expect(200);
    assert.equal(state.body.state, 'reconnect');
    assert.match(state.body.reason, /revoked/);

    await connect();
    await until(() => statuses.at(-1) === 'buero-changes.status.idle', 'the sync after re-connecting');
    sim.db.insert('tblCalendar', { fldArt: 'Termin', fldBzrNr: 1, fldKurzInfo: 'wieder da', fldBeginn: '2026-06-01T09:00:00' });
    await until(() => events.some((e) => e.payload.type === 'connection' && e.payload.ok), 'connected again');

    const everything = JSON.stringify([statusesOf('chg'), events, caught, state.body, helper.log().args]);
    assert.ok(!everything.includes(SECRET), 'the client secret appears nowhere');
  });

  it('refuses a login it did not start and a redirect URI that is not its callback', async function () {
    await load({}, { clientId: CLIENT_ID, clientSecret: SECRET });
    await helper.request().get('/buero-connection/conn/callback?code=abc&state=forged').expect(400);
    await helper.request().post('/buero-connection/conn/connect').send({ redirectUri: 'https://evil.example/steal' }).expect(400);
    await helper.request().post('/buero-connection/nope/connect').send({ redirectUri: REDIRECT }).expect(404);
  });

  it('"Check fields" lists each configured field that büro+ does not have, with the names it has', async function () {
    await load({ auth: 'static', fields: { users: { mailbox: 'fldPostfach' }, calendar: { subject: 'fldBetreff' } } }, { staticToken: sim.staticToken as string });
    const res = await helper.request().post('/buero-connection/conn/check-fields');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const byEntity = Object.fromEntries(res.body.entities.map((e: Msg) => [e.entity, e]));
    assert.deepEqual(byEntity.users.missing, [{ key: 'mailbox', field: 'fldPostfach', setting: 'büro+ connection → field names → users.mailbox' }]);
    assert.equal(byEntity.users.type, 'User');
    assert.ok(byEntity.users.available.includes('fldExchPostfach'));
    assert.deepEqual(byEntity.calendar.missing.map((m: Msg) => m.field), ['fldBetreff']);
    assert.equal(byEntity.calendar.type, 'CalendarEntry');
    for (const e of ['addresses', 'postalAddresses', 'contactPeople']) assert.deepEqual(byEntity[e].missing, [], e);
    // The way back: the user may write every calendar field it writes (the dialog lists any it may not).
    assert.deepEqual([byEntity.calendar.writeBack.notWritable, byEntity.calendar.writeBack.index.offered], [[], true]);
    const defaults = await helper.request().get('/buero-connection/field-defaults').expect(200);
    assert.deepEqual(defaults.body, DEFAULT_FIELDS);
  });

  it('settings take ${ENV_VAR}; a variable not set is an error naming it, and the source shows a config error naming it', async function () {
    delete process.env.BUERO_NOT_SET;
    await load({ auth: 'static', endpoint: '${BUERO_NOT_SET}' }, { staticToken: 'x' });
    await until(() => statuses.at(-1) === 'buero-changes.status.unset', 'the config status naming the variable');
    const state = await helper.request().get('/buero-connection/conn/state').expect(200);
    assert.match(state.body.error, /environment variable BUERO_NOT_SET/);
    await helper.unload();
    process.env.BUERO_SIM = sim.baseUrl;
    process.env.BUERO_TOKEN = sim.staticToken;
    await load({ auth: 'static', endpoint: '${BUERO_SIM}/graphql', mandant: '${BUERO_MANDANT_ONE}' }, { staticToken: '${BUERO_TOKEN}' });
    await until(() => statuses.at(-1) === 'buero-changes.status.unset', 'the config status (mandant variable missing)');
    await helper.unload();
    process.env.BUERO_MANDANT_ONE = '1';
    await load({ auth: 'static', endpoint: '${BUERO_SIM}/graphql', mandant: '${BUERO_MANDANT_ONE}' }, { staticToken: '${BUERO_TOKEN}' });
    await until(() => statuses.at(-1) === 'buero-changes.status.idle', 'the sync with settings from the environment');
  });

  it('a secret named as an environment variable (no credential, as in a flows.json on a server); a typed one wins; a missing one is named, never a value', async function () {
    delete process.env.BUERO_ENV_TOKEN;
    delete process.env.BUERO_ENV_CLIENT;
    delete process.env.BUERO_AUTH_UNSET;
    await load({ name: 'büro+', auth: '${BUERO_AUTH_UNSET}', staticTokenEnv: 'BUERO_ENV_TOKEN', clientIdEnv: 'BUERO_ENV_CLIENT' }, {});
    await until(() => statuses.at(-1) === 'buero-changes.status.unset', 'the status naming the variable');
    const state = await helper.request().get('/buero-connection/conn/state').expect(200);
    const named = /^The büro\+ connection "büro\+" has no sign-in\. Static token: the environment variable BUERO_ENV_TOKEN \(setting "Token"\) is not set\. OAuth: the environment variable BUERO_ENV_CLIENT \(setting "Client ID"\) is not set\. Set one of them \(the choice of sign-in comes from BUERO_AUTH_UNSET, which is not set either\)\.$/;
    assert.match(state.body.error, named);
    // The log (and the debug pane, node.error) of the connection and of the change source say the same.
    const logged = (helper.log().args as { msg?: unknown; level?: number; id?: string }[][]).map((a) => a[0]).filter((m) => m.level === 20);
    assert.ok(logged.some((m) => m.id === 'conn' && named.test(String(m.msg))), 'the connection logs it');
    assert.ok(logged.some((m) => m.id === 'chg' && named.test(String(m.msg))), 'the change source logs it');
    await helper.unload();

    process.env.BUERO_ENV_TOKEN = sim.staticToken as string;
    try {
      await load({ auth: 'static', staticTokenEnv: 'BUERO_ENV_TOKEN' }, {});
      await until(() => statuses.at(-1) === 'buero-changes.status.idle', 'the sync with the token from the variable');
      await helper.unload();
      // A token typed into the dialog wins over the variable: büro+ refuses this one.
      await load({ auth: 'static', staticTokenEnv: 'BUERO_ENV_TOKEN' }, { staticToken: 'typed-wrong-token' });
      await until(() => statuses.at(-1) === 'buero-changes.status.refused', 'büro+ refusing the typed token');
      assert.ok(!JSON.stringify(helper.log().args).includes(sim.staticToken as string), 'the token is in no log line');
    } finally {
      delete process.env.BUERO_ENV_TOKEN;
    }
  });

  it('settings take Node-RED\'s own environment variables (global and flow), inside a text and in a credential, as the Exchange connection does', async function () {
    for (const name of ['BUERO_NR_URL', 'BUERO_NR_TOKEN', 'BUERO_NR_MANDANT']) delete process.env[name];
    const env = (vars: Record<string, string>) => Object.entries(vars).map(([name, value]) => ({ name, value, type: 'str' }));
    // Global environment variables (Node-RED's global configuration node) for a connection outside any flow.
    await helper.load([connectionNode, changesNode, globalConfigNode], [
      { id: 'gc', type: 'global-config', env: env({ BUERO_NR_URL: sim.baseUrl, BUERO_NR_TOKEN: sim.staticToken as string, BUERO_NR_MANDANT: '1' }) },
      { id: 'tab', type: 'tab', label: 'sync' },
      { id: 'conn', type: 'buero-connection', endpoint: '${BUERO_NR_URL}/graphql', mandant: '${BUERO_NR_MANDANT}', auth: 'static', stateFile, fields: {} },
      { id: 'chg', z: 'tab', type: 'buero-changes', connection: 'conn', appointments: true, tasks: false, contacts: false, interval: 0.05, autoSync: true, deletionEvery: 4, pageSize: 500, wires: [[], []] },
    ], { conn: { staticToken: '${BUERO_NR_TOKEN}' } });
    await until(() => statuses.at(-1) === 'buero-changes.status.idle', 'the sync with settings from the global environment variables');
    await helper.unload();
    // A flow's environment variables for a connection that belongs to that flow.
    await helper.load([connectionNode, changesNode], [
      { id: 'tab', type: 'tab', label: 'sync', env: env({ BUERO_NR_URL: sim.baseUrl, BUERO_NR_TOKEN: sim.staticToken as string }) },
      { id: 'conn', z: 'tab', type: 'buero-connection', endpoint: '${BUERO_NR_URL}/graphql', mandant: '1', auth: 'static', stateFile, fields: {} },
      { id: 'chg', z: 'tab', type: 'buero-changes', connection: 'conn', appointments: true, tasks: false, contacts: false, interval: 0.05, autoSync: true, deletionEvery: 4, pageSize: 500, wires: [[], []] },
    ], { conn: { staticToken: '${BUERO_NR_TOKEN}' } });
    await until(() => statuses.at(-1) === 'buero-changes.status.idle', 'the sync with settings from the flow\'s environment variables');
  });
});
