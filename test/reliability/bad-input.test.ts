import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Random } from '../../sandbox/data/random';
import { SANDBOX } from '../../sandbox/demo';
import { badRecords } from '../mapping/bad-records';
import { FULL, Ledger, itemsOf, nodeOfType, scenarioSeed, startRig, subjectOf, syncedUsers, waitFor, type FlowNode, type Rig } from './support';

const SECRETS = [SANDBOX.exchangePassword, SANDBOX.bueroToken, SANDBOX.clientSecret];

/** Free texts that break XML, HTML, templates or Node-RED's ${VAR} expansion when handled carelessly. */
const INJECTIONS = [
  '</t:Subject><t:Bogus/>',
  'a <&> "b" \'c\'',
  "]]> <![CDATA[ & 'x' &amp; &lt;",
  '<script>alert("büro")</script>',
  '<img src=x onerror=alert(1)>',
  '${EXCHANGE_PASSWORD} {{payload}} $(id)',
  '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
];

describe('reliability: bad input, injection texts and secrets inside a normal sync', function () {
  this.timeout(FULL ? 600_000 : 150_000);
  let rig: Rig;
  let catchFile: string;
  const seed = scenarioSeed('bad input', 805);

  before(async function () {
    rig = await startRig({
      seed,
      flow: (nodes, userDir) => {
        const tab = nodes.find((n) => n.type === 'tab')!.id;
        const map = nodeOfType(nodes, 'buero-map').id;
        const source = nodeOfType(nodes, 'buero-changes').id;
        const writer = nodeOfType(nodes, 'buero-exchange-writer').id;
        const extra: FlowNode[] = [
          // Changes as the change source would emit them, straight into the mapper.
          { id: 'rel-in', type: 'http in', z: tab, url: '/reliability/change', method: 'post', upload: false, swaggerDoc: '', wires: [[map, 'rel-res']] },
          { id: 'rel-res', type: 'http response', z: tab, statusCode: '204', headers: {}, wires: [] },
          // A second Catch node on the mapper writes each caught error as one JSON line.
          { id: 'rel-catch', type: 'catch', z: tab, scope: [map], uncaught: false, wires: [['rel-fmt']] },
          {
            id: 'rel-fmt', type: 'function', z: tab, outputs: 1, noerr: 0,
            func: 'msg.payload = JSON.stringify({ message: msg.error && msg.error.message, source: msg.error && msg.error.source && msg.error.source.type }); return msg;',
            wires: [['rel-file']],
          },
          { id: 'rel-file', type: 'file', z: tab, filename: path.join(userDir, 'catches.jsonl'), filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', wires: [[]] },
          // Debug sidebar (also printed to Node-RED's console, where the test reads it).
          { id: 'rel-debug', type: 'debug', z: tab, active: true, tosidebar: true, console: true, tostatus: true, complete: 'true', targetType: 'full', statusVal: '', statusType: 'auto', wires: [] },
        ];
        for (const n of nodes) {
          if ([source, map, writer].includes(n.id)) (n.wires as string[][]).forEach((out) => out.push('rel-debug'));
        }
        return [...nodes, ...extra];
      },
    });
    catchFile = path.join(rig.userDir, 'catches.jsonl');
  });

  after(async function () {
    await rig?.close();
  });

  it('each bad record: one clear log line and one Catch message naming record and field; all good records delivered', async function () {
    const { sandbox } = rig;
    const ledger = new Ledger(sandbox, new Random(seed));
    const [owner] = syncedUsers(sandbox);
    ledger.changes(100);
    const injected: { prefix: string; name: string }[] = [];
    const repaired: { table: string; id: number; mailbox: string; name: string }[] = [];
    let id = 900_000;
    for (const bad of badRecords) {
      const change = structuredClone(bad.change) as Record<string, unknown> | string;
      let record = bad.expect.record;
      if (typeof change === 'object' && typeof change.id === 'number') {
        change.id = ++id;
        record = record.replace(/ \d+$/, ` ${id}`);
      }
      if (bad.expect.outcome === 'warning') {
        // A repaired record is a good one: it goes to a real mailbox of the sandbox.
        const c = change as Record<string, unknown>;
        const kind = c.kind as string;
        c.targets = [kind === 'contact' ? { mailbox: owner.mailbox, role: 'contacts' } : { mailbox: owner.mailbox, user: { nr: owner.nr, login: 'x', mailbox: owner.mailbox }, role: 'owner' }];
        repaired.push({ table: String(c.table), id: Number(c.id), mailbox: owner.mailbox, name: bad.name });
      } else {
        injected.push({ prefix: `${record}, ${bad.expect.field.replace(/^payload\./, '')}: `, name: bad.name });
      }
      // A text payload goes as text/plain (Node-RED's JSON parser takes objects only).
      const res = typeof change === 'string'
        ? await fetch(`${rig.nodeRed.url}/reliability/change`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: change })
        : await fetch(`${rig.nodeRed.url}/reliability/change`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(change) });
      assert.ok(res.status < 300, `POST of ${bad.name}: HTTP ${res.status}`);
    }
    ledger.changes(100);
    await ledger.waitAllSettled(120_000);
    ledger.assertExact();
    for (const r of repaired) {
      await waitFor(`repaired record "${r.name}" in ${r.mailbox}`, () => itemsOf(sandbox, r.mailbox, r.table, r.id).length === 1, 60_000);
    }

    const errorLines = () => rig.logText().split('\n').filter((l) => / ERROR /.test(l));
    const catches = () => (fs.existsSync(catchFile) ? fs.readFileSync(catchFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { message: string; source: string }) : []);
    await waitFor('a Catch message for every bad record', () => catches().length >= injected.length, 30_000);
    const byPrefix = new Map<string, number>();
    for (const b of injected) byPrefix.set(b.prefix, (byPrefix.get(b.prefix) ?? 0) + 1);
    for (const [prefix, count] of byPrefix) {
      const names = injected.filter((b) => b.prefix === prefix).map((b) => b.name).join(', ');
      assert.equal(errorLines().filter((l) => l.includes(prefix)).length, count, `log lines for ${names} (${prefix})`);
      assert.equal(catches().filter((c) => c.message.includes(prefix)).length, count, `Catch messages for ${names}: ${prefix} in ${JSON.stringify(catches().slice(0, 3))}`);
    }
    assert.equal(catches().length, injected.length, 'no other Catch message from the mapper');
    assert.ok(catches().every((c) => c.source === 'buero-map'));
  });

  it('XML and script injection texts arrive as literal text', async function () {
    const { sandbox } = rig;
    const [owner] = syncedUsers(sandbox);
    const rows = INJECTIONS.map((t, i) => sandbox.buero.db.insert('tblCalendar', {
      fldArt: 'Termin', fldBzrNr: owner.nr, fldKurzInfo: t, fldOrt: t, fldInfo: t, fldBeginn: `2027-03-${String(i + 1).padStart(2, '0')}T10:00:00`, fldEnde: `2027-03-${String(i + 1).padStart(2, '0')}T11:00:00`,
    }));
    for (const [i, row] of rows.entries()) {
      const [item] = await waitFor(`injection text ${i}`, () => {
        const items = itemsOf(sandbox, owner.mailbox, 'tblCalendar', row.fldID as number);
        return items.length ? items : undefined;
      }, 60_000);
      assert.equal(subjectOf(item), INJECTIONS[i], 'subject literal');
      assert.equal(String(item.fields.Location), INJECTIONS[i], 'location literal');
      const body = String((item.fields.Body as { _?: string })?._ ?? '');
      assert.doesNotMatch(body, /<script|<img|<!ENTITY|<t:Bogus/i, `no live markup in the HTML body: ${body}`);
      assert.ok(!body.includes('root:'), 'no external entity resolved');
    }
    assert.equal(sandbox.ews.stats().schemaInvalid, 0);
  });

  it('no secret in the sync log (status lines included), the debug output, Node-RED\'s log, the mailboxes or the exported flow', async function () {
    const log = rig.logText();
    assert.match(log, /Status /, 'node status is logged (the Status node)');
    const output = rig.nodeRed.output();
    assert.ok(output.length > 1000, 'the debug nodes printed messages');
    const res = await fetch(`${rig.nodeRed.url}/flows`, { headers: { 'Node-RED-API-Version': 'v2' } });
    const flows = await res.text();
    const stored = JSON.stringify(rig.sandbox.mailboxes.map((m) => rig.sandbox.ews.store.items(m)));
    for (const secret of SECRETS) {
      assert.ok(!log.includes(secret), 'a secret in the sync log');
      assert.ok(!output.includes(secret), "a secret in Node-RED's console or the debug output");
      assert.ok(!flows.includes(secret), 'a secret in the exported flow');
      assert.ok(!stored.includes(secret), 'a secret in a mailbox (e.g. an expanded ${EXCHANGE_PASSWORD})');
    }
  });
});
