import assert from 'node:assert/strict';
import { BueroClient, StaticToken } from '../../lib/buero/client';
import { checkFields, resolveFieldMap } from '../../lib/buero/fields';
import { HttpTransport } from '../../lib/buero/http';
import { generateBueroData, startBueroSimulator, type BueroSimulator } from '../../sandbox/buero';

// "Check fields" for the way back: may the connection's büro+ user write each calendar field the
// way back writes, and how are entries addressed (introspection, one type at a time).
describe('büro+ "Check fields": the fields the way back writes', function () {
  let sim: BueroSimulator;
  let transport: HttpTransport;
  const check = (overrides?: unknown) => {
    const fields = resolveFieldMap(overrides);
    const client = new BueroClient({ endpoint: sim.url, transport, auth: new StaticToken('T'), fields });
    return checkFields((q) => client.query(q), fields);
  };
  const calendar = async (overrides?: unknown) => (await check(overrides)).find((e) => e.entity === 'calendar')!;

  beforeEach(async function () {
    sim = await startBueroSimulator({ data: generateBueroData({ seed: 2, users: 3, appointments: 2, tasks: 0, followUps: 0, addresses: 0 }), auth: { staticToken: 'T' } });
    transport = new HttpTransport();
  });
  afterEach(async function () {
    transport.close();
    await sim.close();
  });

  it('with every right: nothing to report, the index byID.kf1ID and the modifyLSN lock are offered', async function () {
    const c = await calendar();
    assert.deepEqual(c.writeBack, {
      notWritable: [],
      index: { name: 'byID', idKey: 'kf1ID', offered: true, available: ['byID.kf1ID'], setting: 'büro+ connection → field names → calendarWrite.index, .idKey' },
      lock: { argument: 'modifyLSN', offered: true },
    });
    const others = (await check()).filter((e) => e.entity !== 'calendar');
    assert.ok(others.every((e) => e.writeBack === undefined));
  });

  it('lists each field the user may not write, with its setting and where it is lacking; a field that does not exist is reported once, as missing', async function () {
    sim.fieldRights[sim.db.get('tblUsers', 1)!.fldAnmNa as string] = { tblCalendar: ['fldKurzInfo', 'fldBzrNr', 'fldErledigt'] };
    const c = await calendar({ calendar: { location: 'fldRaum' } });
    assert.deepEqual(c.missing.map((m) => m.field), ['fldRaum']);
    assert.deepEqual(c.writeBack!.notWritable, [
      { key: 'owner', field: 'fldBzrNr', setting: 'büro+ connection → field names → calendar.owner', in: ['rowNew'] },
      { key: 'subject', field: 'fldKurzInfo', setting: 'büro+ connection → field names → calendar.subject', in: ['rowNew', 'rowModify'] },
      { key: 'done', field: 'fldErledigt', setting: 'büro+ connection → field names → calendar.done', in: ['rowNew', 'rowModify'] },
    ]);
  });

  it('an index or lock argument büro+ does not offer is reported with what it offers', async function () {
    const c = await calendar({ calendarWrite: { index: 'byNr', lockArgument: 'version' } });
    assert.deepEqual(c.writeBack!.index, { name: 'byNr', idKey: 'kf1ID', offered: false, available: ['byID'], setting: 'büro+ connection → field names → calendarWrite.index, .idKey' });
    assert.deepEqual(c.writeBack!.lock, { argument: 'version', offered: false });
    const k = await calendar({ calendarWrite: { idKey: 'kfID' } });
    assert.deepEqual([k.writeBack!.index.offered, k.writeBack!.index.available], [false, ['byID.kf1ID']]);
  });
});
