import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { helper } from '../support/node-red';
import { ANNA, until } from './ews-support';
import { APP, SECRET, TENANT, itemsWithKey, startExchange, type Exchange } from './graph-support';
import { linkedResourcesOf } from '../../sandbox/graph';
import { task, upsert } from './support';

const connectionNode = require('../../nodes/buero-exchange-connection/buero-exchange-connection');
const writerNode = require('../../nodes/buero-exchange-writer/buero-exchange-writer');

type Msg = Record<string, unknown>;

// The connection's API choice in a real Node-RED, set the way the reference flow sets it:
// `api: "${EXCHANGE_API}"`. Unset, the variable means the default: Graph for Exchange Online.
describe('buero-exchange-connection: API for Exchange Online from an environment variable', function () {
  this.timeout(30_000);
  let ex: Exchange;
  let dir: string;
  let written: Msg[];

  before(async function () {
    ex = await startExchange();
  });
  after(async function () {
    await ex.close();
  });
  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'buero-graph-nodes-'));
    written = [];
    Object.assign(process.env, {
      T_DEPLOYMENT: 'online', T_TENANT: TENANT, T_CLIENT_ID: APP, T_SECRET: SECRET, T_AUTHORITY: ex.aad.httpsUrl,
      T_GRAPH_URL: ex.graph.httpsUrl, T_EWS_URL: ex.ews.httpsUrl,
    });
    delete process.env.T_API;
  });
  afterEach(async function () {
    await helper.unload();
    await helper.stopServer().catch(() => undefined);
    for (const k of ['T_DEPLOYMENT', 'T_TENANT', 'T_CLIENT_ID', 'T_SECRET', 'T_AUTHORITY', 'T_GRAPH_URL', 'T_EWS_URL', 'T_API']) delete process.env[k];
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function start() {
    const flow = [
      { id: 'tab', type: 'tab' },
      {
        id: 'conn', type: 'buero-exchange-connection', name: 'Exchange', deployment: '${T_DEPLOYMENT}', auth: '${T_AUTH}',
        tenant: '${T_TENANT}', clientId: '${T_CLIENT_ID}', authorityHost: '${T_AUTHORITY}', ewsUrl: '${T_EWS_URL}',
        api: '${T_API}', graphUrl: '${T_GRAPH_URL}', caFile: ex.graph.caFile, version: 'Exchange2016',
      },
      { id: 'writer', z: 'tab', type: 'buero-exchange-writer', connection: 'conn', stateFile: path.join(dir, 'state.sqlite'), flushDelay: 20, wires: [['out'], []] },
      { id: 'out', z: 'tab', type: 'helper' },
    ];
    await helper.load([connectionNode, writerNode], flow, { conn: { clientSecret: '${T_SECRET}' } });
    helper.getNode('out').on('input', (m: Msg) => written.push(m));
  }

  it('unset ${EXCHANGE_API}: writes through Microsoft Graph (a To Do task with its linked resource)', async function () {
    await start();
    const before = ex.graph.stats().requests;
    helper.getNode('writer').receive({ payload: upsert('node-graph-task', task({ subject: 'Über Graph' })) });
    await until(() => written.length === 1, 'one written message');
    const [item] = itemsWithKey(ex.ews.store, ANNA, 'node-graph-task');
    assert.ok(linkedResourcesOf(item).some((r) => r.externalId === 'node-graph-task'), 'written by the Graph transport');
    assert.ok(ex.graph.stats().requests > before);
  });

  it('${EXCHANGE_API}=ews: writes through EWS (the task carries the extended property)', async function () {
    process.env.T_API = 'ews';
    await start();
    const before = ex.graph.stats().requests;
    helper.getNode('writer').receive({ payload: upsert('node-ews-task', task({ subject: 'Über EWS' })) });
    await until(() => written.length === 1, 'one written message');
    const [item] = itemsWithKey(ex.ews.store, ANNA, 'node-ews-task');
    assert.ok(item.extendedProperties.some((p) => p.name === 'BueroSyncKey' && p.value === 'node-ews-task'));
    assert.equal(ex.graph.stats().requests, before, 'Graph was not used');
  });
});
