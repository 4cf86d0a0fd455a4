import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clearSecrets, registerSecret } from '../../lib/log/redact';
import { helper } from '../support/node-red';

const logNode = require('../../nodes/buero-sync-log/buero-sync-log');
const functionNode = require('@node-red/nodes/core/function/10-function.js');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
const statusNode = require('@node-red/nodes/core/common/25-status.js');

const SECRET = 'Sommer2026!Geheim';
const JWT = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL291dGxvb2sub2ZmaWNlMzY1LmNvbSJ9.c2lnbmF0dXJlLWJ5dGVzLTEyMzQ1Ng';
const EWS = 'https://mail.firma.local/EWS/Exchange.asmx';
const STAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d\d:\d\d /;

// What the function node does for each payload: set a status, or throw like an engine error
// (code as own property, record and field as tags, a secret in the library text).
const FUNCTION_BODY = `
if (msg.payload === 'status') { node.status({ fill: 'red', shape: 'ring', text: 'büro+ unreachable' }); return null; }
if (msg.payload === 'throw') {
  const e = new Error('[EWS_LOGIN] logon as sync rejected, password=' + env.get('TEST_SECRET') + ' [record: anna@firma.de 1:tblCalendar:4711] [field: credentials]');
  e.code = 'EWS_LOGIN';
  throw e;
}
if (msg.payload === 'plain') throw new Error('Cannot read properties of undefined');
return null;`;

type Msg = Record<string, unknown>;

/** The words of a status key in the node's catalogue (with a 5-digit count for __count__). */
function words(lang: string, key: string): string {
  const file = path.join(__dirname, '../../nodes/buero-sync-log/locales', lang, 'buero-sync-log.json');
  let v: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const k of key.split('.')) v = (v as Record<string, unknown>)?.[k];
  assert.equal(typeof v, 'string', `${key} in the ${lang} catalogue`);
  return String(v).replace('__count__', '12345').replace('__time__', '22:15');
}

async function until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function flow(logConfig: Record<string, unknown>) {
  return [
    { id: 'tab', type: 'tab', label: 'sync' },
    { id: 'n-fn', z: 'tab', type: 'function', name: 'engine', func: FUNCTION_BODY, outputs: 1, wires: [[]] },
    { id: 'n-catch', z: 'tab', type: 'catch', scope: null, uncaught: false, wires: [['n-log']] },
    { id: 'n-status', z: 'tab', type: 'status', scope: null, wires: [['n-log', 'n-statuses']] },
    { id: 'n-log', z: 'tab', type: 'buero-sync-log', name: 'sync log', ...logConfig, wires: [['n-out']] },
    { id: 'n-out', z: 'tab', type: 'helper' },
    { id: 'n-statuses', z: 'tab', type: 'helper' },
  ];
}

describe('buero-sync-log node: writes the sync log in a real Node-RED flow', function () {
  let dir: string;
  let outputs: Msg[];
  let statuses: Msg[];

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'buero-sync-log-node-'));
    process.env.TEST_SECRET = SECRET;
    clearSecrets();
    // As a connection node does at start with its credential values.
    registerSecret(SECRET);
  });
  afterEach(async function () {
    await helper.unload();
    helper.settings({});
    fs.rmSync(dir, { recursive: true, force: true });
    delete process.env.TEST_SECRET;
    delete process.env.SYNC_LOG_TRANSFERS;
    delete process.env.SYNC_LOG_FILE;
    clearSecrets();
  });

  async function start(logConfig: Record<string, unknown>) {
    await helper.load([functionNode, catchNode, statusNode, logNode], flow(logConfig));
    outputs = [];
    statuses = [];
    helper.getNode('n-out').on('input', (m: Msg) => outputs.push(m));
    helper.getNode('n-statuses').on('input', (m: Msg) => statuses.push(m));
  }

  /** Sends to a node and waits until the sink has passed `expected` more messages on. */
  async function send(id: string, msg: Msg, expected = 1) {
    const before = outputs.length;
    helper.getNode(id).receive(msg);
    await until(() => outputs.length >= before + expected, `output after ${JSON.stringify(msg).slice(0, 60)}`);
  }

  it('catch, status, events and transfers become exactly the expected lines; each is passed on; no secret anywhere', async function () {
    const file = path.join(dir, 'ExchangeSync.log');
    await start({ file, maxSize: '10', files: '5', language: 'en', languageType: 'lang', transfers: 'true', transfersType: 'bool', forward: 'false', forwardType: 'bool' });

    await send('n-log', { topic: 'buero-sync/event', payload: { type: 'connection', system: 'exchange', ok: true, endpoint: EWS, mailbox: 'anna@firma.de', time: '2026-11-27T21:15:03.120Z' } });
    await send('n-log', {
      topic: 'buero-sync/event',
      payload: { type: 'connection', system: 'exchange', ok: false, endpoint: EWS, mailbox: 'bob@firma.de', reason: `401 Unauthorized (Authorization: Bearer ${JWT})`, time: '2026-11-27T21:16:00.000Z' },
    });
    await send('n-log', { topic: 'exchange/created', payload: { action: 'created', kind: 'appointment', mailbox: 'anna@firma.de', key: '1:tblCalendar:4711', version: '3', itemId: 'AAMkAD=', durationMs: 42 } });
    await send('n-fn', { payload: 'status' });
    helper.getNode('n-fn').receive({ payload: 'status' }); // same text again: no line
    await send('n-fn', { payload: 'throw' });
    await send('n-fn', { payload: 'plain' });
    helper.getNode('n-log').receive({ topic: 'weather', payload: 21 }); // ignored: no line
    await send('n-log', { topic: 'buero-sync/event', payload: { type: 'outage', system: 'buero', phase: 'begin', endpoint: 'https://buero:8443/graphql', reason: 'connect ECONNREFUSED 10.0.0.5:8443', time: '2026-11-27T21:20:00.000Z' } });
    await send('n-log', { topic: 'buero-sync/event', payload: { type: 'outage', system: 'buero', phase: 'end', endpoint: 'https://buero:8443/graphql', time: '2026-11-27T21:32:05.000Z' } });
    // The status is updated at most once a second; the last update follows the last line.
    await until(() => statuses.some((m) => ((m.status as Msg).source as Msg).id === 'n-log'), 'the status', 3000);
    await helper.unload(); // closes the file: every line is on disk

    const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
    for (const l of lines) assert.match(l, STAMP);
    assert.deepEqual(
      lines.map((l) => l.replace(STAMP, '')),
      [
        `INFO  Connected to Exchange ${EWS}, mailbox anna@firma.de`,
        `ERROR Connection to Exchange ${EWS} failed, mailbox bob@firma.de: sign-in rejected; check user name, password or token (401 Unauthorized (Authorization: Bearer ***))`,
        'INFO  Transfer: appointment created, mailbox anna@firma.de, key 1:tblCalendar:4711 (version 3, 42 ms)',
        'WARN  Status "engine" (function): büro+ unreachable',
        'ERROR Error EWS_LOGIN, record anna@firma.de 1:tblCalendar:4711, field credentials: logon as sync rejected, password=*** [node "engine" (function)]',
        'ERROR Error NODE_ERROR: Cannot read properties of undefined [node "engine" (function)]',
        'WARN  Outage: büro+ https://buero:8443/graphql unreachable: the server refused the connection; not running or wrong port (connect ECONNREFUSED 10.0.0.5:8443)',
        'INFO  Outage over: büro+ https://buero:8443/graphql reachable again after 12 min 5 s',
      ],
    );

    // Every line was passed on, with the event it came from and its text without time and level.
    assert.deepEqual(
      outputs.map((m) => m.line),
      lines,
    );
    assert.deepEqual(
      outputs.map((m) => m.text),
      lines.map((l) => l.replace(STAMP, '').slice('ERROR '.length)),
    );
    assert.ok(outputs.every((m) => m.topic === 'buero-sync/log'));
    assert.deepEqual(
      outputs.map((m) => [(m.payload as Msg).type, m.level]),
      [
        ['connection', 'info'],
        ['connection', 'error'],
        ['transfer', 'info'],
        ['info', 'warn'],
        ['error', 'error'],
        ['error', 'error'],
        ['outage', 'warn'],
        ['outage', 'info'],
      ],
    );
    assert.deepEqual(outputs[4].payload, {
      type: 'error',
      code: 'EWS_LOGIN',
      record: 'anna@firma.de 1:tblCalendar:4711',
      field: 'credentials',
      reason: 'logon as sync rejected, password=***',
      source: '"engine" (function)',
      time: (outputs[4].payload as Msg).time,
    });

    // The sink's own status went through the Status node too (and was not logged: no loop).
    // node-red-node-test-helper's RED._ returns the key: look the words up in the catalogue.
    const own = statuses.filter((m) => ((m.status as Msg).source as Msg).id === 'n-log').map((m) => m.status as Msg);
    assert.ok(own.length > 0, 'the sink shows a status');
    const last = own[own.length - 1];
    assert.deepEqual([last.fill, last.text], ['yellow', 'buero-sync-log.status.lastError'], 'an error line was written');
    for (const s of own) for (const lang of ['en-US', 'de']) assert.ok(words(lang, String(s.text)).length < 20, `${lang} ${s.text}`);

    for (const [where, text] of [
      ['file', fs.readFileSync(file, 'utf8')],
      ['output', JSON.stringify(outputs)],
      ['status', JSON.stringify(statuses)],
    ]) {
      assert.ok(!text.includes(SECRET), `the secret is in the ${where}`);
      assert.ok(!text.includes(JWT.slice(0, 40)), `the token is in the ${where}`);
    }
  });

  it('transfers are off by default and switch on through an environment variable', async function () {
    const file = path.join(dir, 'ExchangeSync.log');
    const transfer = { topic: 'exchange/deleted', payload: { action: 'deleted', kind: 'contact', mailbox: 'k@firma.de', key: '1:tblContactPeople:8' } };
    const marker = { topic: 'buero-sync/event', payload: { type: 'info', code: 'test', text: 'marker' } };

    await start({ file });
    helper.getNode('n-log').receive(transfer);
    await send('n-log', marker);
    await helper.unload();
    process.env.SYNC_LOG_TRANSFERS = 'true';
    await start({ file, transfers: 'SYNC_LOG_TRANSFERS', transfersType: 'env' });
    await send('n-log', transfer);
    await helper.unload();

    const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => l.replace(STAMP, ''));
    // German by default; appended after the restart.
    assert.deepEqual(lines, ['INFO  marker (test)', 'INFO  Übertragung: Kontakt gelöscht, Postfach k@firma.de, Schlüssel 1:tblContactPeople:8']);
  });

  it('the default file is ExchangeSync.log in the user directory; ${SYNC_LOG_FILE} names another', async function () {
    helper.settings({ userDir: dir });
    await start({ file: '${SYNC_LOG_FILE}' }); // unset: the default
    await send('n-log', { topic: 'buero-sync/event', payload: { type: 'info', code: 'a', text: 'one' } });
    await helper.unload();
    assert.ok(fs.existsSync(path.join(dir, 'ExchangeSync.log')));

    process.env.SYNC_LOG_FILE = 'logs/sync.log';
    await start({ file: '${SYNC_LOG_FILE}' });
    await send('n-log', { topic: 'buero-sync/event', payload: { type: 'info', code: 'b', text: 'two' } });
    await helper.unload();
    assert.match(fs.readFileSync(path.join(dir, 'logs', 'sync.log'), 'utf8'), /two \(b\)/);
  });

  it('a file that cannot be written: one error, a red status, events still passed on, lines in the Node-RED log', async function () {
    const blocker = path.join(dir, 'not-a-directory');
    fs.writeFileSync(blocker, 'x');
    await start({ file: path.join(blocker, 'ExchangeSync.log'), language: 'en', languageType: 'lang' });
    const log = helper.log();

    await send('n-log', { topic: 'buero-sync/event', payload: { type: 'error', code: 'X1', reason: `bad password=${SECRET}` } });
    await send('n-log', { topic: 'buero-sync/event', payload: { type: 'error', code: 'X2', reason: 'second' } });
    await until(() => statuses.some((m) => (m.status as Msg).text === 'buero-sync-log.status.fileError'), 'the red status');
    assert.equal(words('en-US', 'buero-sync-log.status.fileError'), 'cannot write file');
    await send('n-log', { topic: 'buero-sync/event', payload: { type: 'error', code: 'X3', reason: 'third' } });

    const entries = log.args.map((a: unknown[]) => a[0] as { level: number; msg: unknown; id?: string }).filter((e: { id?: string }) => e.id === 'n-log');
    const fileErrors = entries.filter((e: { msg: unknown }) => String(e.msg) === 'buero-sync-log.error.file');
    assert.equal(fileErrors.length, 1, 'reported once');
    assert.ok(entries.some((e: { msg: unknown }) => /Error X3: third/.test(String(e.msg))), 'the line went to the Node-RED log instead');
    assert.equal(outputs.length, 3, 'events are still passed on');
    assert.ok(!JSON.stringify(log.args).includes(SECRET), 'no secret in the Node-RED log');
  });
});
