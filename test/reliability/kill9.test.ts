import assert from 'node:assert/strict';
import { Random } from '../../sandbox/data/random';
import { FULL, Ledger, scenarioSeed, sleep, startRig, type Rig } from './support';

const CHANGES = FULL ? 5000 : 1000;
const KILLS = FULL ? 20 : 5;

describe(`reliability: ${KILLS} × kill -9 of Node-RED during a ${CHANGES}-change sync`, function () {
  this.timeout(FULL ? 1_200_000 : 240_000);
  let rig: Rig;
  const seed = scenarioSeed('kill -9', 801);

  before(async function () {
    rig = await startRig({ seed });
    // Exchange as slow as in the benchmark, so a kill finds writes in flight.
    rig.sandbox.ews.faults.latencyMs = 20;
    rig.sandbox.ews.faults.perItemLatencyMs = 0.2;
  });

  after(async function () {
    await rig?.close();
  });

  it('after every kill and restart: each büro+ record in its mailbox exactly once, with the last subject', async function () {
    const random = new Random(seed);
    const ledger = new Ledger(rig.sandbox, random);
    const progress: string[] = [];
    for (let k = 0; k < KILLS; k++) {
      ledger.changes(Math.round(CHANGES / KILLS));
      // A random moment: before the poll saw the wave, while it is written, or after.
      await sleep(random.int(200, 3000));
      progress.push(`${ledger.settled()}/${ledger.records.size}`);
      await rig.nodeRed.kill9();
      await rig.restart();
    }
    console.log(`      settled at each kill: ${progress.join(', ')}`);
    await ledger.waitAllSettled(FULL ? 600_000 : 150_000);
    ledger.assertExact();
    const settledAtKills = progress.map((p) => p.split('/').map(Number));
    assert.ok(settledAtKills.some(([done, all]) => done < all), 'at least one kill came while changes were still open');
  });
});
