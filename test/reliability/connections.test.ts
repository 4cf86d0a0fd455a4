import assert from 'node:assert/strict';
import { Random } from '../../sandbox/data/random';
import { FULL, Ledger, scenarioSeed, sleep, startRig, waitFor, type Rig } from './support';

describe('reliability: Exchange Online access token expires mid-run', function () {
  this.timeout(FULL ? 600_000 : 120_000);
  let rig: Rig;
  const seed = scenarioSeed('token expiry', 803);
  const LIFETIME_S = 6;

  before(async function () {
    rig = await startRig({
      seed,
      // The connection node's Online mode: client credentials from the Entra ID simulator, EWS with Bearer tokens.
      env: { EXCHANGE_DEPLOYMENT: 'online' },
      beforeStart: (sandbox) => {
        sandbox.aad.tokenLifetimeSeconds = LIFETIME_S;
      },
    });
  });

  after(async function () {
    await rig?.close();
  });

  it(`tokens that live ${LIFETIME_S} s expire again and again during the sync: every change delivered exactly once`, async function () {
    const { sandbox } = rig;
    const ledger = new Ledger(sandbox, new Random(seed));
    const tokensBefore = sandbox.aad.tokensIssued;
    const start = Date.now();
    // Changes for about three token lifetimes.
    while (Date.now() - start < LIFETIME_S * 3000) {
      ledger.changes(FULL ? 200 : 40);
      await sleep(1000);
    }
    await ledger.waitAllSettled(FULL ? 300_000 : 60_000);
    ledger.assertExact();
    const stats = sandbox.ews.stats();
    const renewed = sandbox.aad.tokensIssued - tokensBefore;
    console.log(`      ${renewed} tokens fetched during the run, ${stats.rejectedAuth} requests rejected with 401, ${stats.requests} EWS requests`);
    assert.ok(renewed >= 2, `the token was renewed during the run (${renewed} fetched)`);
    assert.ok(sandbox.aad.requestLog.every((r) => r.outcome === 'ok'), 'every token request succeeded');
  });
});

describe('reliability: büro+ server stopped and started during a sync', function () {
  this.timeout(FULL ? 600_000 : 120_000);
  let rig: Rig;
  const seed = scenarioSeed('büro+ down', 804);
  const DOWN_MS = FULL ? 60_000 : 10_000;

  before(async function () {
    rig = await startRig({ seed });
  });

  after(async function () {
    await rig?.close();
  });

  it(`büro+ refuses connections for ${DOWN_MS / 1000} s while it keeps changing: the outage is logged, and every change arrives once after it`, async function () {
    const { sandbox } = rig;
    const ledger = new Ledger(sandbox, new Random(seed));
    ledger.changes(FULL ? 1000 : 200);
    await waitFor('the first items written', () => ledger.settled() > 0, 60_000);
    await sandbox.buero.stop();
    // Users keep working in büro+ (the simulator's database takes changes while its port is closed).
    ledger.changes(FULL ? 1000 : 200);
    await waitFor('the outage of büro+ in the sync log', () => /Ausfall: büro\+/.test(rig.logText()), DOWN_MS + 30_000);
    await sleep(DOWN_MS);
    await sandbox.buero.start();
    await ledger.waitAllSettled(FULL ? 300_000 : 90_000);
    ledger.assertExact();
    await waitFor('the end of the outage in the sync log', () => /Ausfall beendet: büro\+/.test(rig.logText()), 30_000);
  });
});
