import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { referenceFlow } from '../../sandbox/cli';
import { itemsOf, startRig, syncedUsers, waitFor, type SyncRig } from './support';

// The notification flow (buero-exchange-sync-notify) in a real Node-RED: an error of the sync
// reaches the webhook, an info line does not.
describe('end to end: the notification flow posts logged errors to the webhook', function () {
  this.timeout(120_000);
  let rig: SyncRig;
  let webhook: http.Server;
  const posts: { text?: string }[] = [];

  before(async function () {
    webhook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        posts.push(JSON.parse(body) as { text?: string });
        res.writeHead(200, { 'content-type': 'text/plain' }).end('1');
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`;
    rig = await startRig({ sandbox: { seed: 21 }, env: { NOTIFY_WEBHOOK_URL: url }, flow: referenceFlow('buero-exchange-sync-notify.json') });
  });

  after(async function () {
    await rig?.close();
    await new Promise<void>((resolve) => webhook?.close(() => resolve()));
  });

  it('a record that cannot be written is posted once, with its log line; the info lines of the start are not', async function () {
    const { sandbox } = rig;
    const [anna] = syncedUsers(sandbox);
    assert.equal(posts.length, 0, 'the start (users synced, baseline) posts nothing');
    // büro+ keeps a series on two days of a month; Exchange has no such pattern: the record fails in the mapper.
    const bad = sandbox.buero.db.insert('tblCalendar', {
      fldArt: 'Termin', fldBzrNr: anna.nr, fldKurzInfo: 'Jour fixe', fldBeginn: '2026-12-07T10:00:00', fldEnde: '2026-12-07T10:15:00', fldSerie: 'FREQ=MONTHLY;BYDAY=1MO,3MO',
    });
    const good = sandbox.buero.db.insert('tblCalendar', {
      fldArt: 'Termin', fldBzrNr: anna.nr, fldKurzInfo: 'Gut', fldBeginn: '2026-12-03T10:00:00', fldEnde: '2026-12-03T11:00:00',
    });
    await waitFor('the good record in Exchange', () => itemsOf(sandbox, anna.mailbox, 'appointment', 'tblCalendar', good.fldID as number).length === 1);
    const post = await waitFor('a post to the webhook', () => posts[0]);
    assert.match(post.text ?? '', /^büro\+ → Exchange: .*ERROR/, `the Teams message carries the log line: ${post.text}`);
    assert.match(post.text ?? '', new RegExp(`tblCalendar ${bad.fldID as number}`), 'it names the record');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(posts.length, 1, 'one post for one error');
  });

  it('an Exchange outage is posted (after the rate limit of the last post)', async function () {
    const { sandbox } = rig;
    const [anna] = syncedUsers(sandbox);
    await new Promise((r) => setTimeout(r, 10_000)); // the delay node lets one message through per 10 s
    const before = posts.length;
    sandbox.ews.faults.unreachable = true;
    try {
      sandbox.buero.db.insert('tblCalendar', {
        fldArt: 'Termin', fldBzrNr: anna.nr, fldKurzInfo: 'Während des Ausfalls', fldBeginn: '2026-12-03T12:00:00', fldEnde: '2026-12-03T13:00:00',
      });
      const post = await waitFor('the outage posted', () => posts.slice(before).find((p) => /WARN|ERROR/.test(p.text ?? '')), 60_000);
      assert.match(post.text ?? '', /Exchange/, `names Exchange: ${post.text}`);
    } finally {
      sandbox.ews.faults.unreachable = false;
    }
  });
});
