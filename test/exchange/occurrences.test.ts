import assert from 'node:assert/strict';
import { ExchangeCode } from '../../lib/error-codes';
import { ExchangeError } from '../../lib/exchange/errors';
import type { Recurrence } from '../../lib/exchange/model';
import { deletedOccurrences, removeDeletedOccurrences, type WrittenSeries } from '../../lib/exchange/occurrences';
import type { ItemRef, ItemResult } from '../../lib/exchange/transport';

// The series clean-up EWS and Graph share (lib/exchange/occurrences.ts), with the
// transport's two requests faked: what ends up in the results for each way they go.
describe('deleted occurrences of a series (shared by EWS and Graph)', function () {
  const weekly: Recurrence = { pattern: 'weekly', interval: 1, days: ['monday'], startDate: '2026-03-02', count: 5 };

  it('gives each deleted date with its position in the series, and rejects a date that is none, naming the field', function () {
    assert.deepEqual(deletedOccurrences({ ...weekly, deletedOccurrences: ['2026-03-16', '2026-03-30'] }, 'k'),
      [{ date: '2026-03-16', index: 3 }, { date: '2026-03-30', index: 5 }]);
    assert.throws(() => deletedOccurrences({ ...weekly, deletedOccurrences: ['2026-03-16', '2026-03-17'] }, 'k'), (err: ExchangeError) =>
      err.code === ExchangeCode.itemRejected && err.record === 'k' && err.field === 'item.recurrence.deletedOccurrences[1]');
  });

  const ok = (itemId: string): ItemResult => ({ ok: true, ref: { itemId, changeKey: 'old' } });
  const failed: ItemResult = { ok: false, error: new ExchangeError(ExchangeCode.itemRejected, 'rejected', { record: 'c' }) };
  const one = [{ date: '2026-03-16', index: 3 }];

  function run(results: (ItemResult | undefined)[], series: WrittenSeries[], deleted: boolean[] | Error, fresh: 'read' | Error) {
    const calls: { deleted?: ItemRef[]; read?: string[] } = {};
    return removeDeletedOccurrences(results, ['a', 'b', 'c'], series, {
      deleteOccurrences: async (_todo, masters) => {
        calls.deleted = masters;
        if (deleted instanceof Error) throw deleted;
        return deleted;
      },
      readRefs: async (masters, keys) => {
        calls.read = keys;
        if (fresh instanceof Error) throw fresh;
        return masters.map((m) => ({ ok: true, ref: { itemId: m.itemId, changeKey: 'new' } }));
      },
    }).then(() => calls);
  }

  it('touches only series written successfully that lose occurrences, then re-reads their refs', async function () {
    const results = [ok('A'), ok('B'), failed];
    const calls = await run(results, [{ index: 0, deleted: one }, { index: 1, deleted: [] }, { index: 2, deleted: one }], [true], 'read');
    assert.deepEqual(calls, { deleted: [{ itemId: 'A', changeKey: 'old' }], read: ['a'] });
    assert.deepEqual(results, [{ ok: true, ref: { itemId: 'A', changeKey: 'new' } }, ok('B'), failed]);
  });

  it('a series whose occurrences were not all deleted is incomplete (its recurrence is written again)', async function () {
    const results = [ok('A'), ok('B')];
    await run(results, [{ index: 0, deleted: one }, { index: 1, deleted: one }], [false, true], 'read');
    assert.deepEqual(results, [{ ok: true, ref: { itemId: 'A', changeKey: 'new' }, incomplete: ['recurrence'] }, { ok: true, ref: { itemId: 'B', changeKey: 'new' } }]);
  });

  it('a failed delete request leaves every series incomplete; a failed re-read keeps the old ref', async function () {
    const results = [ok('A'), ok('B')];
    await run(results, [{ index: 0, deleted: one }, { index: 1, deleted: one }], new Error('socket hang up'), new Error('timeout'));
    assert.deepEqual(results, [{ ...ok('A'), incomplete: ['recurrence'] }, { ...ok('B'), incomplete: ['recurrence'] }]);
  });

  it('sends nothing when no series loses an occurrence', async function () {
    const results = [ok('A')];
    assert.deepEqual(await run(results, [{ index: 0, deleted: [] }], [true], 'read'), {});
    assert.deepEqual(results, [ok('A')]);
  });
});
