import assert from 'node:assert/strict';
import FakeTimers from '@sinonjs/fake-timers';
import { nodeLabel } from '../../nodes/shared/label';
import { positiveNumber, wholeNumberWithin } from '../../nodes/shared/number-settings';
import { throttledStatus } from '../../nodes/shared/status';

describe('nodes/shared: the small jobs every node does the same way', function () {
  it('positiveNumber: above zero, else the default (poll interval, page size)', function () {
    const cases: [unknown, number][] = [[15, 15], ['0.5', 0.5], ['30', 30], [0, 7], [-1, 7], ['', 7], [undefined, 7], [null, 7], ['abc', 7], [Infinity, 7]];
    for (const [value, expected] of cases) assert.equal(positiveNumber(value, 7), expected, String(value));
  });

  it('wholeNumberWithin: rounded, kept within the limits; empty or no number is the default (batch size, parallel requests)', function () {
    const cases: [unknown, number][] = [[50, 50], ['20', 20], [2.6, 3], [0, 1], [500, 100], ['', 50], [undefined, 50], ['abc', 50], [null, 1]];
    for (const [value, expected] of cases) assert.equal(wholeNumberWithin(value, 50, 1, 100), expected, String(value));
  });

  it('nodeLabel: "name" (type), or the type alone', function () {
    assert.equal(nodeLabel({ name: 'büro+ mapper', type: 'buero-map' }), '"büro+ mapper" (buero-map)');
    assert.equal(nodeLabel({ name: '', type: 'buero-map' }), 'buero-map');
  });

  it('throttledStatus: at most one status per interval, the last state shown when it ends', function () {
    const clock = FakeTimers.install({ now: 1_000_000, toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    try {
      let state = 0;
      const shown: number[] = [];
      const status = throttledStatus(500, () => shown.push(state));
      status.update();
      for (state = 1; state <= 100; state++) status.update();
      assert.deepEqual(shown, [0]);
      clock.tick(499);
      assert.deepEqual(shown, [0]);
      clock.tick(1);
      assert.deepEqual(shown, [0, 101]);
      status.update(true);
      assert.deepEqual(shown, [0, 101, 101], 'now: at once');
      status.update();
      status.stop();
      clock.tick(1000);
      assert.deepEqual(shown, [0, 101, 101], 'stopped: the pending one is dropped');
    } finally {
      clock.uninstall();
    }
  });
});
