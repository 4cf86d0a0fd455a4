/**
 * The EWS simulator's schema check, injected faults and inspection API, seen through the real
 * ews-javascript-api: what a writer must survive (ErrorServerBusy with BackOffMilliseconds as
 * fault and per item, 503, dropped connections, outage, latency, the concurrency limit) and what
 * a person or test can read back.
 */
import assert from 'node:assert/strict';
import * as ews from 'ews-javascript-api';
import { EwsSimulator, startEwsSimulator } from '../../sandbox/ews';

const ANNA = 'anna@firma.de';

interface Failure {
  code: string;
  status?: number;
  message: string;
  backOff?: string;
}
async function failure(p: Promise<unknown>): Promise<Failure> {
  try {
    await p;
  } catch (e) {
    const f = e as { ResponseCode?: number; ErrorCode?: number; HttpStatusCode?: number; message: string; ErrorDetails?: { get(k: string): string; containsKey(k: string): boolean } };
    const code = ews.ServiceError[f.ResponseCode && f.ResponseCode !== ews.ServiceError.ErrorInternalServerError ? f.ResponseCode : f.ErrorCode ?? -1];
    const backOff = f.ErrorDetails?.containsKey('BackOffMilliseconds') ? f.ErrorDetails.get('BackOffMilliseconds') : undefined;
    return { code, status: f.HttpStatusCode, message: f.message, backOff };
  }
  return assert.fail('expected the call to fail');
}

describe('sandbox EWS simulator: schema validation, faults and inspection', function () {
  this.timeout(20_000);
  let sim: EwsSimulator;

  function service(): ews.ExchangeService {
    const s = new ews.ExchangeService(ews.ExchangeVersion.Exchange2016);
    s.Credentials = new ews.WebCredentials('FIRMA\\svc-sync', 'Geheim-123');
    s.Url = new ews.Uri(sim.url);
    s.ImpersonatedUserId = new ews.ImpersonatedUserId(ews.ConnectingIdType.SmtpAddress, ANNA);
    s.HttpHeaders.Add('X-AnchorMailbox', ANNA);
    return s;
  }
  const calendar = () => ews.Folder.Bind(service(), ews.WellKnownFolderName.Calendar);
  const appointments = (n: number, s = service()) => Array.from({ length: n }, (_, i) => {
    const a = new ews.Appointment(s);
    a.Subject = `Termin ${i}`;
    a.Start = new ews.DateTime(Date.parse('2026-10-25T08:00:00Z') + i * 3600_000);
    a.End = new ews.DateTime(Date.parse('2026-10-25T08:30:00Z') + i * 3600_000);
    return a;
  });

  before(async () => {
    sim = await startEwsSimulator({
      mailboxes: [ANNA],
      accounts: [{ user: 'svc-sync', domain: 'FIRMA', password: 'Geheim-123', impersonation: true }],
    });
  });
  after(() => sim.close());
  beforeEach(() => {
    sim.resetStats();
    Object.assign(sim.faults, { latencyMs: 0, perItemLatencyMs: 0, serverBusyRate: 0, serverBusyAs: 'fault', http503Rate: 0, dropConnectionRate: 0, maxConcurrency: 27, unreachable: false });
  });

  describe('schema validation', () => {
    it('answers ErrorSchemaValidation to an unescaped "<" (ews-javascript-api does not escape) and counts it', async () => {
      const [a] = appointments(1);
      a!.Subject = 'Größer <als> erwartet';
      const f = await failure(a!.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone));
      assert.equal(f.code, 'ErrorSchemaValidation');
      assert.equal(f.status, 500);
      assert.equal(sim.stats().schemaInvalid, 1);
      assert.equal(sim.store.items(ANNA).length, 0);
    });

    it('checks each header part and the body against messages.xsd: a wrong enum value or element is refused', async () => {
      const post = (header: string, body: string) => fetch(sim.url, {
        method: 'POST',
        headers: { 'Content-Type': 'text/xml', Authorization: 'Basic ' + Buffer.from('FIRMA\\svc-sync:Geheim-123').toString('base64') },
        body: '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
          + `xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><soap:Header>${header}</soap:Header><soap:Body>${body}</soap:Body></soap:Envelope>`,
      });
      const impersonate = `<t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>${ANNA}</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>`;
      const getFolder = (shape: string) => `<m:GetFolder><m:FolderShape><t:BaseShape>${shape}</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder>`;
      const ok = await post('<t:RequestServerVersion Version="Exchange2016"/>' + impersonate, getFolder('AllProperties'));
      assert.equal(ok.status, 200);
      const badBody = await post('<t:RequestServerVersion Version="Exchange2016"/>' + impersonate, getFolder('Everything'));
      assert.equal(badBody.status, 500);
      assert.match(await badBody.text(), /a:ErrorSchemaValidation<\/faultcode>[\s\S]*'Everything' is not an element of the set/);
      const badHeader = await post('<t:RequestServerVersion Version="Exchange1999"/>' + impersonate, getFolder('AllProperties'));
      assert.equal(badHeader.status, 500);
      assert.match(await badHeader.text(), /ErrorSchemaValidation/);
      const notXml = await post('', '<m:GetFolder>');
      assert.equal(notXml.status, 500);
      assert.equal(sim.stats().schemaInvalid, 3);
    });
  });

  it('with validateSchema false it answers a well-formed but schema-invalid request (a lenient double)', async () => {
    const lenient = await startEwsSimulator({
      mailboxes: [ANNA], validateSchema: false,
      accounts: [{ user: 'svc-sync', domain: 'FIRMA', password: 'Geheim-123', impersonation: true }],
    });
    try {
      const res = await fetch(lenient.url, {
        method: 'POST',
        headers: { 'Content-Type': 'text/xml', Authorization: 'Basic ' + Buffer.from('FIRMA\\svc-sync:Geheim-123').toString('base64') },
        body: '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
          + 'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><soap:Header><t:ExchangeImpersonation><t:ConnectingSID>'
          + `<t:PrimarySmtpAddress>${ANNA}</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation></soap:Header><soap:Body>`
          + '<m:GetFolder><m:FolderShape><t:BaseShape>Everything</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder>'
          + '</soap:Body></soap:Envelope>',
      });
      assert.equal(res.status, 200);
      assert.match(await res.text(), /<t:DisplayName>Calendar<\/t:DisplayName>/);
      assert.equal(lenient.stats().schemaInvalid, 0);
    } finally {
      await lenient.close();
    }
  });

  describe('injected faults', () => {
    it('ErrorServerBusy as a SOAP fault carries BackOffMilliseconds', async () => {
      Object.assign(sim.faults, { serverBusyRate: 1, serverBusyBackOffMs: 1234 });
      const f = await failure(calendar());
      assert.deepEqual([f.code, f.status, f.backOff], ['ErrorServerBusy', 500, '1234']);
      assert.equal(sim.stats().serverBusy, 1);
    });

    it('ErrorServerBusy per item: each item of a batch fails on its own and nothing is stored', async () => {
      Object.assign(sim.faults, { serverBusyRate: 1, serverBusyAs: 'item', serverBusyBackOffMs: 500 });
      const s = service();
      const result = await s.CreateItems(appointments(3, s), new ews.FolderId(ews.WellKnownFolderName.Calendar), null as never, ews.SendInvitationsMode.SendToNone);
      assert.deepEqual(result.Responses.map((r) => [ews.ServiceError[r.ErrorCode], r.ErrorDetails.get('BackOffMilliseconds')]),
        [['ErrorServerBusy', '500'], ['ErrorServerBusy', '500'], ['ErrorServerBusy', '500']]);
      assert.equal(sim.stats().serverBusy, 3);
      assert.equal(sim.store.items(ANNA).length, 0);
    });

    it('a partial rate hits some items of a batch and not others (seeded randomness)', async () => {
      const values = [0.1, 0.9, 0.1];
      const seeded = await startEwsSimulator({
        mailboxes: [ANNA], accounts: [{ user: 'svc-sync', domain: 'FIRMA', password: 'Geheim-123', impersonation: true }],
        faults: { serverBusyRate: 0.5, serverBusyAs: 'item' }, random: () => values.shift() ?? 0.9,
      });
      try {
        const s = service();
        s.Url = new ews.Uri(seeded.url);
        const result = await s.CreateItems(appointments(3, s), new ews.FolderId(ews.WellKnownFolderName.Calendar), null as never, ews.SendInvitationsMode.SendToNone);
        // One draw per item: 0.1 → busy, 0.9 → stored, 0.1 → busy.
        assert.deepEqual(result.Responses.map((r) => ews.ServiceError[r.ErrorCode]), ['ErrorServerBusy', 'NoError', 'ErrorServerBusy']);
        assert.deepEqual(seeded.store.items(ANNA).map((i) => i.fields.Subject), ['Termin 1']);
      } finally {
        await seeded.close();
      }
    });

    it('HTTP 503, dropped connections and an outage reach the client as such; clearing them heals', async () => {
      sim.faults.http503Rate = 1;
      assert.equal((await failure(calendar())).status, 503);
      sim.faults.http503Rate = 0;
      sim.faults.dropConnectionRate = 1;
      assert.match((await failure(calendar())).message, /socket hang up|ECONNRESET/);
      sim.faults.dropConnectionRate = 0;
      sim.faults.unreachable = true;
      assert.match((await failure(calendar())).message, /socket hang up|ECONNRESET/);
      sim.faults.unreachable = false;
      assert.equal((await calendar()).DisplayName, 'Calendar');
      assert.deepEqual([sim.stats().http503, sim.stats().droppedConnections], [1, 2]);
    });

    it('adds latency per request and per item', async () => {
      sim.faults.latencyMs = 120;
      let t = Date.now();
      await calendar();
      assert.ok(Date.now() - t >= 120, 'request latency');
      sim.faults.latencyMs = 0;
      sim.faults.perItemLatencyMs = 40;
      const s = service();
      t = Date.now();
      await s.CreateItems(appointments(5, s), new ews.FolderId(ews.WellKnownFolderName.Calendar), null as never, ews.SendInvitationsMode.SendToNone);
      assert.ok(Date.now() - t >= 200, 'five items at 40 ms each');
    });

    it('limits concurrent requests per account with ErrorExceededConnectionCount (EWSMaxConcurrency)', async () => {
      Object.assign(sim.faults, { maxConcurrency: 2, latencyMs: 150 });
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => calendar()));
      const codes = await Promise.all(results.map(async (r) => (r.status === 'fulfilled' ? 'ok' : (await failure(Promise.reject(r.reason))).code)));
      assert.deepEqual(codes.sort(), ['ErrorExceededConnectionCount', 'ErrorExceededConnectionCount', 'ErrorExceededConnectionCount', 'ok', 'ok']);
      assert.equal(sim.stats().exceededConnectionCount, 3);
      // Once the others finished, the account may send again.
      assert.equal((await calendar()).DisplayName, 'Calendar');
    });
  });

  describe('inspection', () => {
    it('lists mailboxes, items with all fields, the request log and counters as JSON', async () => {
      const [a] = appointments(1);
      a!.Subject = 'Prüfung &amp; Abnahme';
      a!.SetExtendedProperty(new ews.ExtendedPropertyDefinition(ews.DefaultExtendedPropertySet.PublicStrings, 'BueroKey', ews.MapiPropertyType.String), 'TER:77');
      await a!.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);
      const get = async (path: string) => (await fetch(sim.inspectUrl + path)).json() as Promise<unknown>;

      const boxes = (await get('/api/mailboxes')) as { smtp: string; counts: Record<string, number> }[];
      assert.deepEqual(boxes.map((b) => [b.smtp, b.counts.appointment]), [[ANNA, sim.store.items(ANNA, 'appointment').length]]);
      const items = (await get(`/api/mailboxes/${encodeURIComponent(ANNA)}/items?kind=appointment`)) as { fields: Record<string, unknown>; extendedProperties: { value: string }[] }[];
      const mine = items.find((i) => i.fields.Subject === 'Prüfung & Abnahme')!;
      assert.equal(mine.fields.Start, '2026-10-25T08:00:00Z');
      assert.equal(mine.extendedProperties[0]!.value, 'TER:77');
      const log = (await get('/api/log')) as { operation: string; mailbox: string; status: number }[];
      assert.deepEqual(log.map((l) => [l.operation, l.mailbox, l.status]), [['CreateItem', ANNA, 200]]);
      const stats = (await get('/api/stats')) as { requests: number; byOperation: Record<string, number>; requestsByMailbox: Record<string, unknown[]> };
      assert.equal(stats.byOperation.CreateItem, 1);
      assert.equal(stats.requestsByMailbox[ANNA]!.length, 1);
    });

    it('shows people each mailbox with its calendar, escaping what it shows', async () => {
      const [a] = appointments(1);
      a!.Subject = '&lt;script&gt;alert(1)&lt;/script&gt;';
      await a!.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);
      const html = await (await fetch(sim.inspectUrl)).text();
      assert.match(html, /<h2>anna@firma\.de<\/h2>/);
      assert.match(html, /<h3>Calendar \(\d+\)<\/h3>/);
      assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
      assert.doesNotMatch(html, /<script>alert/);
    });

    it('lets a demo switch faults through the API (outage on and off)', async () => {
      const set = (patch: object) => fetch(`${sim.inspectUrl}/api/faults`, { method: 'POST', body: JSON.stringify(patch) });
      assert.equal((await set({ unreachable: true, bogus: 1, latencyMs: 'slow' })).status, 200);
      assert.equal(sim.faults.unreachable, true);
      assert.equal(sim.faults.latencyMs, 0, 'a value of the wrong type is ignored');
      assert.match((await failure(calendar())).message, /socket hang up|ECONNRESET/);
      await set({ unreachable: false });
      assert.equal((await calendar()).DisplayName, 'Calendar');
    });
  });
});
