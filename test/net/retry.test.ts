import assert from 'node:assert/strict';
import { backoffDelay, backoffStep, hintedDelay, retryAfterMs } from '../../lib/net/retry';

describe('retry timing (both sides)', function () {
  describe('backoff', function () {
    it('doubles per failure, half of it random, capped', function () {
      const policy = { baseMs: 1000, maxMs: 8000 };
      assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, () => 0, policy)), [500, 1000, 2000, 4000, 4000, 4000]);
      assert.deepEqual([1, 2, 3, 4, 5].map((n) => backoffDelay(n, () => 1, policy)), [1000, 2000, 4000, 8000, 8000]);
    });
    it('the plain step (the büro+ poll) doubles from the base up to the cap', function () {
      assert.deepEqual([0, 1, 2, 3, 4, 5].map((n) => backoffStep(n, { baseMs: 20, maxMs: 80 })), [20, 20, 40, 80, 80, 80]);
    });
    it('waits at least the server hint', function () {
      assert.equal(hintedDelay(30_000, () => 0), 30_000);
      assert.equal(hintedDelay(30_000, () => 1), 33_000);
    });
  });

  describe('Retry-After (seconds or an HTTP date)', function () {
    const now = Date.parse('2026-11-27T10:00:00Z');
    const table: [string, Record<string, string | string[] | undefined>, number | undefined][] = [
      ['seconds', { 'retry-after': '30' }, 30_000],
      ['seconds with blanks, header as sent', { 'Retry-After': ' 5 ' }, 5_000],
      ['repeated header: the first', { 'retry-after': ['2', '9'] }, 2_000],
      ['an HTTP date', { 'retry-after': 'Fri, 27 Nov 2026 10:01:00 GMT' }, 60_000],
      ['a date in the past: now', { 'retry-after': 'Fri, 27 Nov 2026 09:00:00 GMT' }, 0],
      ['unreadable', { 'retry-after': 'soon' }, undefined],
      ['absent', {}, undefined],
    ];
    for (const [what, headers, expected] of table) {
      it(`${what} → ${expected}`, function () {
        assert.equal(retryAfterMs(headers, now), expected);
      });
    }
  });
});
