import assert from 'node:assert/strict';
import { AckPacer } from '../../lib/exchange/writer';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('writer acknowledgements paced by the queue (a backlog waits in büro+, not in memory)', function () {
  it('acknowledges at once while the queue is short; holds while it is long, and lets go once it is short again', async function () {
    let queued = 3;
    const acked: unknown[][] = [];
    const pacer = new AckPacer({ limit: 5, queued: () => queued, ack: (t) => acked.push(t), checkMs: 10 });
    pacer.take(['a', 'b', 'c']);
    assert.deepEqual(acked, [['a', 'b', 'c']], 'a short queue: acknowledged when taken');

    queued = 9;
    pacer.take(['d', 'e']);
    pacer.take(['f']);
    await tick(40);
    assert.equal(acked.length, 1, 'nine queued, five allowed: held');
    assert.equal(pacer.holding, 3);

    queued = 5;
    await tick(40);
    assert.deepEqual(acked, [['a', 'b', 'c'], ['d', 'e', 'f']], 'in the order they were taken, once the queue is short');
    assert.equal(pacer.holding, 0);
  });

  it('closing acknowledges what it holds: those changes are in the durable queue', function () {
    const acked: unknown[] = [];
    const pacer = new AckPacer({ limit: 0, queued: () => 100, ack: (t) => acked.push(...t) });
    pacer.take(['x', 'y']);
    assert.deepEqual(acked, []);
    pacer.flush();
    assert.deepEqual(acked, ['x', 'y']);
    pacer.flush();
    assert.deepEqual(acked, ['x', 'y'], 'nothing twice');
  });
});
