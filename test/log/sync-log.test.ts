import assert from 'node:assert/strict';
import { clearSecrets, registerSecret } from '../../lib/log/redact';
import { SyncLog, type Accepted } from '../../lib/log/sync-log';

const EWS = 'https://mail.firma.local/EWS/Exchange.asmx';

function line(a: Accepted): string {
  assert.ok('entry' in a, `expected a line, got: ${'skipped' in a ? a.skipped : ''}`);
  return a.entry.line;
}

describe('sync log: which messages become lines', function () {
  let now: Date;
  const clock = () => now;
  beforeEach(function () {
    now = new Date('2026-11-27T21:15:03.120Z');
  });
  afterEach(clearSecrets);

  const transfer = {
    topic: 'exchange/created',
    payload: { action: 'created', kind: 'appointment', mailbox: 'anna@firma.de', key: '1:tblCalendar:4711' },
  };

  it('logs transfers only with "log every transfer" on (B13)', function () {
    const off = new SyncLog({ language: 'en', logTransfers: false, clock, timeZone: 'Europe/Berlin' });
    assert.deepEqual(off.accept(transfer), { skipped: 'transfer (log every transfer is off)' });
    const on = new SyncLog({ language: 'en', logTransfers: true, clock, timeZone: 'Europe/Berlin' });
    assert.equal(
      line(on.accept(transfer)),
      '2026-11-27 22:15:03.120 +01:00 INFO  Transfer: appointment created, mailbox anna@firma.de, key 1:tblCalendar:4711',
    );
  });

  it('writes the outage duration from the begin it saw, keeping the first of repeated begins', function () {
    const log = new SyncLog({ language: 'de', logTransfers: false, clock, timeZone: 'Europe/Berlin' });
    const outage = (phase: string, time: string) => ({
      topic: 'buero-sync/event',
      payload: { type: 'outage', system: 'exchange', phase, endpoint: EWS, mailbox: 'anna@firma.de', reason: 'socket hang up', time },
    });
    line(log.accept(outage('begin', '2026-11-27T20:00:00.000Z')));
    line(log.accept(outage('begin', '2026-11-27T20:30:00.000Z')));
    const end = log.accept(outage('end', '2026-11-27T21:15:05.000Z'));
    assert.match(line(end), /Ausfall beendet: Exchange .*, Postfach anna@firma\.de wieder erreichbar nach 1 h 15 min$/);
    assert.ok('entry' in end && end.entry.event.type === 'outage' && end.entry.event.since === '2026-11-27T20:00:00.000Z');
    // Another end without a begin: no duration rather than a wrong one.
    assert.match(line(log.accept(outage('end', '2026-11-27T21:20:00.000Z'))), /wieder erreichbar$/);
  });

  it('logs a node status only for a problem (red, yellow) with a new text and for its end; never routine or its own', function () {
    const log = new SyncLog({ language: 'en', logTransfers: false, clock, selfId: 'log1', translateStatus: (t) => (t === 'x:unreachable' ? 'büro+ unreachable' : t) });
    const status = (id: string, fill: string, text: string) => ({ status: { fill, shape: 'dot', text, source: { id, type: 'buero-changes', name: 'changes' } } });
    assert.ok('skipped' in log.accept(status('c1', 'blue', 'polling')), 'routine: polling');
    assert.ok('skipped' in log.accept(status('c1', 'green', 'ok · 7 users')), 'routine: ok');
    assert.match(line(log.accept(status('c1', 'yellow', 'x:unreachable'))), /WARN .*Status "changes" \(buero-changes\): büro\+ unreachable$/, 'a problem, its i18n key translated');
    assert.ok('skipped' in log.accept(status('c1', 'yellow', 'büro+ unreachable')), 'the same problem again');
    assert.match(line(log.accept(status('c1', 'red', 're-connect to büro+'))), /re-connect to büro\+$/, 'another problem');
    assert.match(line(log.accept(status('c2', 'red', 're-connect to büro+'))), /re-connect/, 'another node has its own state');
    assert.match(line(log.accept(status('c1', 'green', 'ok · 7 users'))), /INFO .*: ok · 7 users$/, 'the end of the problem');
    assert.ok('skipped' in log.accept(status('c1', 'blue', 'polling')), 'routine again');
    assert.ok('skipped' in log.accept(status('c2', '', '')), 'a cleared status is no line');
    assert.ok('skipped' in log.accept(status('log1', 'red', 'cannot write file')), 'never its own status');
  });

  it('redacts the line, the text and the event it passes on', function () {
    registerSecret('Sommer2026!');
    const log = new SyncLog({ language: 'en', logTransfers: false, clock });
    const a = log.accept({ error: { message: 'Error: login sync/Sommer2026! failed, Authorization: Basic c3luYzpTb21tZXIyMDI2IQ==', source: { id: 'w', type: 'buero-exchange-writer' } } });
    assert.ok('entry' in a);
    const all = JSON.stringify(a.entry);
    assert.ok(!all.includes('Sommer2026!') && !all.includes('c3luYzpTb21tZXIyMDI2IQ=='), all);
    assert.match(a.entry.line, /ERROR Error NODE_ERROR: login sync\/\*\*\* failed, Authorization: Basic \*\*\* \[node buero-exchange-writer w\]$/);
    assert.equal(a.entry.level, 'error');
  });

  it('says how many lines were lost while the file could not be written', function () {
    const log = new SyncLog({ language: 'de', logTransfers: false, clock });
    const e = log.linesLost(3);
    assert.equal(e.level, 'warn');
    assert.match(e.line, /WARN {2}3 Protokollzeile\(n\) konnten nicht in diese Datei geschrieben werden/);
  });
});
