import assert from 'node:assert/strict';
import { Random } from '../../sandbox/data/random';
import { FULL, Ledger, scenarioSeed, sleep, startRig, waitFor, type Rig } from './support';

// The writer's backoff after a failed request: 1 s, doubling, at most 5 minutes, "equal jitter"
// (lib/net/retry.ts DEFAULT_BACKOFF). After an outage of OUTAGE_MS the next try comes at
// most about as long again later (the last wait started before Exchange was back).
const OUTAGE_MS = FULL ? 120_000 : 20_000;

describe('reliability: Exchange faults', function () {
  this.timeout(FULL ? 900_000 : 180_000);
  let rig: Rig;
  const seed = scenarioSeed('Exchange faults', 802);
  const random = new Random(seed);
  let ledger: Ledger;
  /** From Exchange being back to the writer's first request that reached it. */
  let recoveryMs = NaN;

  before(async function () {
    // Lane 1's writer alone: the recovery after an outage is the writer's own back-off, which
    // the way back's polls (a request every few seconds) would blur.
    rig = await startRig({ seed, sandbox: { ewsFaults: { latencyMs: 20, perItemLatencyMs: 0.2 } }, env: { SYNC_TWO_WAY: 'false' } });
    ledger = new Ledger(rig.sandbox, random);
  });

  after(async function () {
    await rig?.close();
  });

  it(`Exchange unreachable for ${OUTAGE_MS / 1000} s in the middle of a sync, then back: nothing lost, nothing twice`, async function () {
    const { ews } = rig.sandbox;
    ledger.changes(FULL ? 2000 : 400);
    await waitFor('the first items written', () => ledger.settled() > 0, 60_000);
    ews.faults.unreachable = true;
    const outageStart = Date.now();
    ledger.changes(FULL ? 1000 : 200); // büro+ keeps changing during the outage
    await sleep(OUTAGE_MS);
    const settledInOutage = ledger.settled();
    const dropped = ews.stats().droppedConnections;
    ews.faults.unreachable = false;
    const back = Date.now();
    console.log(`      outage ${Math.round((back - outageStart) / 1000)} s: ${dropped} connections refused, ${settledInOutage}/${ledger.records.size} settled at its end`);
    assert.ok(dropped > 0, 'the writer tried during the outage');
    assert.ok(settledInOutage < ledger.records.size, 'the outage came while changes were still open');
    // Generous: the last backoff wait may have started just before Exchange came back.
    await ledger.waitAllSettled(OUTAGE_MS * 2 + 120_000);
    console.log(`      all delivered ${Math.round((Date.now() - back) / 1000)} s after Exchange came back`);
    const firstAfter = ews.requestLog.find((e) => e.time >= back && e.status !== 0);
    recoveryMs = firstAfter ? firstAfter.time - back : Infinity;
    ledger.assertExact();
    assert.match(rig.logText(), /ERROR|WARN/, 'the outage is in the sync log');
  });

  // Requests in flight together when Exchange goes away fail together and count as one try, so
  // the back-off stays in step with the outage (8 of them once made the first wait 64–128 s).
  it('the writer tries again within the outage\'s own length after Exchange is back', function () {
    assert.ok(Number.isFinite(recoveryMs), 'the outage scenario ran');
    // Backoff doubling once per failed try: the wait running when Exchange comes back is at
    // most about as long as the outage so far.
    console.log(`      first request ${Math.round(recoveryMs / 1000)} s after Exchange was back`);
    assert.ok(recoveryMs <= OUTAGE_MS + 5000, `first request ${Math.round(recoveryMs / 1000)} s after Exchange was back (outage ${OUTAGE_MS / 1000} s)`);
  });
});

// Both lanes on one Exchange: the writer and the way back's reader share Exchange's wait hints
// per mailbox (lib/exchange/wait-hints.ts), so a busy answer to either holds both.
describe('reliability: ErrorServerBusy with the way back on', function () {
  this.timeout(FULL ? 900_000 : 180_000);
  let rig: Rig;
  const seed = scenarioSeed('Exchange busy, two-way', 803);
  const random = new Random(seed);
  let ledger: Ledger;

  before(async function () {
    rig = await startRig({ seed, sandbox: { ewsFaults: { latencyMs: 20, perItemLatencyMs: 0.2 } }, env: { SYNC_TWO_WAY: 'true', SYNC_EXCHANGE_POLL_SECONDS: '5' } });
    ledger = new Ledger(rig.sandbox, random);
  });

  after(async function () {
    await rig?.close();
  });

  it('ErrorServerBusy on 30 % of calls: no request to a mailbox from either lane before its BackOffMilliseconds passed; every change delivered', async function () {
    const { ews } = rig.sandbox;
    const backOffMs = 2000;
    // The way back has read every mailbox once (its baseline) before the faults begin.
    await waitFor('the way back\'s first reads', () => ews.requestLog.some((e) => e.operation === 'SyncFolderItems'), 60_000);
    Object.assign(ews.faults, { latencyMs: 0, perItemLatencyMs: 0, serverBusyRate: 0.3, serverBusyBackOffMs: backOffMs });
    ews.resetStats();
    // In waves, so both lanes send many requests (and meet many busy answers).
    for (let wave = 0; wave < 8; wave++) {
      ledger.changes(FULL ? 250 : 50);
      await sleep(1000);
    }
    await ledger.waitAllSettled(FULL ? 600_000 : 120_000);
    // A few more of the way back's polls under the faults.
    await sleep(6000);
    ews.faults.serverBusyRate = 0;
    ledger.assertExact();

    const log = ews.requestLog;
    const busy = log.filter((e) => e.error === 'ErrorServerBusy' && e.mailbox);
    const reads = log.filter((e) => e.operation === 'SyncFolderItems');
    const busyReads = busy.filter((e) => e.operation === 'SyncFolderItems');
    const busyWrites = busy.filter((e) => ['CreateItem', 'UpdateItem', 'DeleteItem'].includes(e.operation));
    console.log(`      ${busy.length} ErrorServerBusy answers of ${log.length} requests: ${busyWrites.length} to the writer's writes, ${busyReads.length} to the way back's ${reads.length} reads`);
    assert.ok(busyWrites.length >= 3, `the writer met ErrorServerBusy (${busyWrites.length} times)`);
    assert.ok(busyReads.length >= 1, `the way back's reader met ErrorServerBusy (${busyReads.length} times)`);
    // Only requests that reached Exchange after the busy answer went out count: one already on
    // its way then (its receivedAt before the answer's time) is no fault of either lane; the
    // grace covers the answer's way back into Node-RED (its event loop may be busy writing).
    const graceMs = 100;
    const early: string[] = [];
    for (const b of busy) {
      const mailbox = b.mailbox!.toLowerCase();
      for (const e of log) {
        if (e.mailbox?.toLowerCase() !== mailbox) continue;
        if (e.receivedAt > b.time + graceMs && e.receivedAt < b.time + backOffMs) {
          early.push(`${mailbox}: ${e.operation} ${e.receivedAt - b.time} ms after ErrorServerBusy to ${b.operation}`);
        }
      }
    }
    console.log(`      ${early.length} requests inside a back-off`);
    assert.deepEqual(early.slice(0, 10), [], 'requests to a mailbox inside its back-off');
  });
});
