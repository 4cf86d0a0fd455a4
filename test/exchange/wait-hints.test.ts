import assert from 'node:assert/strict';
import { ExchangeConnection } from '../../lib/exchange/connection/exchange-connection';
import { createChangeReader, type ChangeReader } from '../../lib/exchange/changes';
import { ExchangeCode } from '../../lib/error-codes';
import { systemClock } from '../../lib/net/retry';
import type { ExchangeError } from '../../lib/exchange/errors';
import { sharedWaitHints, WaitHints, waitHintsOf } from '../../lib/exchange/wait-hints';
import { ANNA, BERND, until } from './ews-support';
import { itemsWithKey, rig, startExchange, transportFor, type Exchange, type Rig, type TransportName } from './graph-support';
import { read, springClock } from './changes-support';
import { appointment, upsert } from './support';

// Exchange's wait hints are shared by both lanes (lib/exchange/wait-hints.ts): after a busy
// answer (EWS ErrorServerBusy with BackOffMilliseconds, Graph 429 with Retry-After) to the
// way back's reader, lane 1's writer sends nothing to that mailbox before the wait is over,
// and the other way round. Real writer, real reader, the sandbox's simulators on one store.

describe('wait hints: one per endpoint', function () {
  it('the same endpoint (as the connection spells it) gives the same hints; another endpoint its own', function () {
    const ews = new ExchangeConnection({ deployment: 'onprem', host: 'https://exchange.firma.local/EWS/Exchange.asmx', user: 'svc', password: 'x' });
    const same = new ExchangeConnection({ deployment: 'onprem', host: 'exchange.firma.local', user: 'other', password: 'y' });
    const other = new ExchangeConnection({ deployment: 'onprem', host: 'exchange2.firma.local', user: 'svc', password: 'x' });
    assert.equal(waitHintsOf(ews), waitHintsOf(same));
    assert.notEqual(waitHintsOf(ews), waitHintsOf(other));
    assert.equal(sharedWaitHints('https://graph.microsoft.com/v1.0/'), sharedWaitHints('https://GRAPH.microsoft.com/v1.0'));
  });

  it('a mailbox waits its own time or the endpoint\'s, whichever ends later; a shorter hint does not shorten a wait', function () {
    let now = 1_000_000;
    const hints = new WaitHints({ ...systemClock, now: () => now });
    hints.wait('Anna.Meier@firma.de', 5000);
    hints.wait(ANNA, 1000);
    assert.equal(hints.waitLeft(ANNA), 5000);
    assert.equal(hints.waitLeft(BERND), 0);
    hints.wait(undefined, 8000);
    assert.equal(hints.waitLeft(BERND), 8000);
    assert.equal(hints.endpointWaitLeft(), 8000);
    now += 8000;
    assert.equal(hints.waitLeft(ANNA), 0);
    assert.doesNotThrow(() => hints.check(ANNA));
  });
});

for (const name of ['ews', 'graph'] as TransportName[]) {
  describe(`wait hints shared by the writer and the way back's reader over ${name.toUpperCase()}`, function () {
    this.timeout(60_000);
    const waitMs = name === 'ews' ? 1500 : 2000;
    let ex: Exchange;
    let hints: WaitHints;
    let reader: ChangeReader;
    let w: Rig;

    beforeEach(async function () {
      ex = await startExchange();
      ex.ews.faults.serverBusyBackOffMs = waitMs;
      ex.graph.faults.retryAfterSeconds = waitMs / 1000;
      // As the nodes do: one WaitHints for the endpoint, given to both lanes.
      hints = new WaitHints();
      reader = createChangeReader(new ExchangeConnection(ex.settings(name)), { timeZone: 'Europe/Berlin', clock: springClock(), waitHints: hints });
      w = rig(transportFor(name, ex.settings(name)), { waitHints: hints });
    });
    afterEach(async function () {
      await w.close();
      await reader.close?.();
      await ex.close();
    });

    const busyNow = () => {
      if (name === 'ews') ex.ews.faults.serverBusyRate = 1;
      else ex.graph.faults.throttleNext = 1;
    };
    const busyOff = () => {
      ex.ews.faults.serverBusyRate = 0;
      ex.graph.faults.throttleNext = 0;
    };
    /**
     * Every request (a $batch step on its own) to a mailbox: when it reached Exchange (the busy
     * answer: when it went out), and whether it was the busy answer.
     */
    const requests = (mailbox: string): { at: number; busy: boolean; what: string }[] => (name === 'ews'
      ? ex.ews.requestLog.filter((e) => e.mailbox?.toLowerCase() === mailbox).map((e) => {
        const busy = e.error === 'ErrorServerBusy';
        return { at: busy ? e.time : e.receivedAt, busy, what: e.operation };
      })
      : ex.graph.operationLog.filter((e) => decodeURIComponent(e.path).toLowerCase().includes(`/users/${mailbox}/`))
        .map((e) => ({ at: e.at, busy: e.status === 429, what: `${e.method} ${e.path}` })));
    /** Requests to a mailbox started after the busy answer and before its wait was over. */
    const inside = (mailbox: string, busyAt: number) => requests(mailbox).filter((e) => !e.busy && e.at > busyAt && e.at < busyAt + waitMs);

    it('after a busy answer to the reader, the writer sends nothing to that mailbox inside the wait (other mailboxes go on), then all of it', async function () {
      const cursor = (await read(reader, ANNA, 'appointment')).cursor;
      busyNow();
      let busy: ExchangeError | undefined;
      await reader.read({ mailbox: ANNA, kind: 'appointment', cursor }).catch((e: ExchangeError) => { busy = e; });
      busyOff();
      assert.equal(busy?.code, ExchangeCode.serverBusy, String(busy?.message));
      const busyAt = requests(ANNA).find((e) => e.busy)!.at;

      for (let i = 0; i < 10; i++) w.send(upsert(`wait:anna:${i}`, appointment({ subject: `Anna ${i}` })));
      for (let i = 0; i < 3; i++) w.send(upsert(`wait:bernd:${i}`, appointment({ subject: `Bernd ${i}` }), { mailbox: BERND }));
      const outcomes = await w.outcomesReach(13);

      assert.deepEqual(outcomes.filter((o) => !o.ok), [], 'every change written');
      for (let i = 0; i < 10; i++) assert.equal(itemsWithKey(ex.ews.store, ANNA, `wait:anna:${i}`).length, 1, `wait:anna:${i} once in Anna's mailbox`);
      assert.deepEqual(inside(ANNA, busyAt).map((e) => `${e.what} ${e.at - busyAt} ms after the busy answer`), [], 'requests to Anna inside the wait');
      const firstAnna = requests(ANNA).find((e) => e.at > busyAt)!;
      assert.ok(firstAnna.at >= busyAt + waitMs, `the writer's first request to Anna came ${firstAnna.at - busyAt} ms after the busy answer`);
      const firstBernd = requests(BERND)[0];
      assert.ok(firstBernd.at < busyAt + waitMs, 'another mailbox is not held by Anna\'s wait');
      // The reader goes on where it stopped, after the wait.
      const after = await read(reader, ANNA, 'appointment', cursor);
      assert.equal(after.changes.length, 10, 'the reader sees the ten written items');
    });

    it('after a busy answer to the writer, the reader sends nothing to that mailbox inside the wait, then reads on; the write arrives', async function () {
      const cursor = (await read(reader, ANNA, 'appointment')).cursor;
      busyNow();
      w.send(upsert('wait:anna:writer', appointment({ subject: 'Anna nach der Pause' })));
      await until(() => hints.waitLeft(ANNA) > 0, 'the writer noted the busy answer', 10_000);
      busyOff();
      const busyAt = requests(ANNA).find((e) => e.busy)!.at;

      // The way back polls on at once, again and again: refused without a request until the wait is over.
      let refused = 0;
      let result;
      while (!result) {
        try {
          result = await read(reader, ANNA, 'appointment', cursor);
        } catch (e) {
          assert.equal((e as ExchangeError).code, ExchangeCode.serverBusy, String(e));
          refused++;
          await new Promise((r) => setTimeout(r, 25));
        }
      }
      assert.ok(refused > 5, `polls inside the wait were refused without a request (${refused})`);
      const [outcome] = await w.outcomesReach(1);
      assert.ok(outcome.ok, !outcome.ok ? outcome.error.message : '');
      assert.equal(itemsWithKey(ex.ews.store, ANNA, 'wait:anna:writer').length, 1);
      assert.deepEqual(inside(ANNA, busyAt).map((e) => `${e.what} ${e.at - busyAt} ms after the busy answer`), [], 'requests to Anna inside the wait');
      const firstAfter = requests(ANNA).find((e) => e.at > busyAt)!;
      assert.ok(firstAfter.at >= busyAt + waitMs, `the first request to Anna came ${firstAfter.at - busyAt} ms after the busy answer`);
    });
  });
}
