import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ExchangeCursorStore } from '../../lib/state/exchange-cursor';
import { itemsWithKey, type TransportName } from '../exchange/graph-support';
import { ANNA, BERND, itemOf, keyOf, setup, type Setup } from './support';

// "Nothing lost, nothing twice" across a kill -9 of the way back while it is busy: the process
// dies after büro+ made an entry, after the key was stamped on the Outlook item, or after büro+
// saved an edit — each before anything was recorded or acknowledged. After the restart every
// Outlook edit is in büro+ once and no entry exists twice.
function wayBackProcess(s: Setup, name: TransportName, file: string, crash: string): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const shift = Date.now() - s.clock();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), path.join(__dirname, 'crash-child.ts')], {
      env: {
        ...process.env, CRASH: crash, STATE_FILE: file, TRANSPORT: name, CLOCK_SHIFT: String(shift), BUERO_URL: s.sim.url, MANDANT: '1',
        EXCHANGE_SETTINGS: JSON.stringify(s.w.ex.settings(name)),
        MAILBOXES: JSON.stringify([{ mailbox: ANNA, user: { nr: 1 } }, { mailbox: BERND, user: { nr: 2 } }]),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
}

for (const name of ['ews', 'graph'] as TransportName[]) {
  describe(`way back over ${name.toUpperCase()}: killed while busy, restarted`, function () {
    this.timeout(120_000);
    let s: Setup;
    afterEach(async function () {
      await s?.close();
    });

    for (const crash of ['after-create', 'after-adopt', 'after-modify']) {
      it(`kill -9 ${crash}: every edit arrives once, no büro+ entry twice`, async function () {
        s = await setup(name);
        const file = s.db.name;
        await s.baseline();
        const row = s.insert({ fldKurzInfo: 'Besuch', fldOrt: 'Köln', fldBeginn: '2026-04-14T10:00:00', fldEnde: '2026-04-14T11:00:00' });
        const id = row.fldID as number;
        await s.laneOne(id);
        await s.poll();
        const count = s.sim.db.count('tblCalendar');
        s.w.outlook.editAppointment(itemOf(s, ANNA, keyOf(id, 1)), { location: 'Bonn', subject: 'Besuch (neu)' });
        s.w.outlook.createAppointment(ANNA, { subject: 'Neu vor dem Absturz', start: '2026-04-20T07:00:00Z', end: '2026-04-20T08:00:00Z' });

        const killed = await wayBackProcess(s, name, file, crash);
        assert.equal(killed.signal, 'SIGKILL', `the process died ${crash} (exit ${killed.code})`);
        const restarted = await wayBackProcess(s, name, file, 'none');
        assert.equal(restarted.code, 0, 'the restarted way back ran its poll');

        assert.deepEqual([s.row(id).fldKurzInfo, s.row(id).fldOrt], ['Besuch (neu)', 'Bonn'], 'the edit arrived');
        const made = s.sim.db.rows('tblCalendar').filter((r) => r.fldKurzInfo === 'Neu vor dem Absturz');
        assert.equal(made.length, 1, 'one büro+ entry of the new item');
        assert.equal(s.sim.db.count('tblCalendar'), count + 1);
        assert.equal(itemsWithKey(s.w.ex.ews.store, ANNA, keyOf(made[0].fldID as number, 1)).length, 1, 'its key is stamped');
        assert.equal((s.db.prepare('SELECT COUNT(*) AS n FROM buero_pending_create').get() as { n: number }).n, 0, 'no pending create left');
        assert.ok(new ExchangeCursorStore(s.db).get(ANNA, 'calendar'));

        // Nothing comes again in this process either.
        const mutations = s.mutations();
        const report = await s.poll();
        assert.equal(s.mutations(), mutations, `nothing written again (${report.emitted} changes read)`);
        assert.equal(s.sim.db.count('tblCalendar'), count + 1);
      });
    }
  });
}
