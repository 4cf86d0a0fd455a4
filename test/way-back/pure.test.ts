import assert from 'node:assert/strict';
import { resolveFieldMap } from '../../lib/buero/fields';
import { GUARD_MIN_DELETES, DeletionGuard, wayBackSettingsFromEnv } from '../../lib/way-back';
import { merge } from '../../lib/way-back/merge';

// The way back's pure parts: settings from the environment, the merge, the guard's arithmetic.
describe('way back: settings, merge, guard', function () {
  it('reads its settings from the environment; a wrong value falls back to the default with a warning', function () {
    const warnings: string[] = [];
    const s = wayBackSettingsFromEnv({
      SYNC_TWO_WAY: 'false', SYNC_EXCHANGE_POLL_SECONDS: '120', SYNC_OUTLOOK_NEW: 'category', SYNC_OUTLOOK_CATEGORY: 'CRM',
      SYNC_OUTLOOK_DELETES: 'ignore', SYNC_CONFLICT: 'outlook', SYNC_TIMEZONE: 'Europe/Vienna',
    }, (w) => warnings.push(w));
    assert.deepEqual(s, { twoWay: false, pollSeconds: 120, outlookNew: 'category', outlookCategory: 'CRM', outlookDeletes: 'ignore', conflict: 'outlook', timeZone: 'Europe/Vienna' });
    assert.equal(warnings.length, 0);
    const d = wayBackSettingsFromEnv({ SYNC_CONFLICT: 'newest', SYNC_EXCHANGE_POLL_SECONDS: 'soon' }, (w) => warnings.push(w));
    assert.deepEqual([d.twoWay, d.pollSeconds, d.outlookNew, d.outlookCategory, d.outlookDeletes, d.conflict], [true, 60, 'all', 'büro+', 'delete', 'buero']);
    assert.equal(warnings.length, 2);
    assert.ok(warnings.some((w) => /SYNC_CONFLICT=newest/.test(w)));
  });

  const fields = resolveFieldMap(undefined);
  const base = { fldKurzInfo: 'A', fldOrt: 'Köln', fldBeginn: '2026-04-14T10:00:00', fldEnde: '2026-04-14T11:00:00', fldGanzTg: false };

  it('merge: one side only is taken; both sides go to the SYNC_CONFLICT side; times are one field; büro+ unchanged since the copy: no conflict', function () {
    const outlook = { fldKurzInfo: 'B', fldOrt: 'Bonn', fldBeginn: '2026-04-14T12:00:00', fldEnde: '2026-04-14T13:00:00', fldGanzTg: false };
    const current = { ...base, fldOrt: 'Aachen', fldEnde: '2026-04-14T11:30:00' };
    const m = merge({ fields, outlook, current, currentLsn: '9', synced: { lsn: '5', values: base }, entryVersion: '5', conflict: 'buero' });
    assert.deepEqual(m.write, { fldKurzInfo: 'B' });
    assert.deepEqual(m.conflicts.map((c) => [c.field, c.winner]), [['fldBeginn', 'buero'], ['fldEnde', 'buero'], ['fldOrt', 'buero']]);
    const o = merge({ fields, outlook, current, currentLsn: '9', synced: { lsn: '5', values: base }, entryVersion: '5', conflict: 'outlook' });
    assert.deepEqual(o.write, outlook);
    const quiet = merge({ fields, outlook, current: base, currentLsn: '5', entryVersion: '5', conflict: 'buero' });
    assert.deepEqual([quiet.write, quiet.conflicts], [outlook, []]);
  });

  it('guard: more than a fifth and at least ten', function () {
    const g = new DeletionGuard();
    assert.equal(g.judge(GUARD_MIN_DELETES - 1, 10).hold, false, 'nine of ten: fewer than ten');
    assert.equal(g.judge(10, 50).hold, false, 'ten of fifty: a fifth, not more');
    assert.equal(g.judge(11, 50).hold, true);
    g.hold('A@x.de', 'appointment', 'why');
    assert.equal(g.reason('a@x.de', 'appointment'), 'why');
    assert.equal(g.resume('a@x.de'), true);
    assert.equal(g.takeResume('a@x.de', 'appointment'), true);
    assert.equal(g.takeResume('a@x.de', 'appointment'), false, 'once');
  });
});
