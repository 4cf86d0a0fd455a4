import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { EwsSimulator } from '../../sandbox/ews';
import { WriteQueue } from '../../lib/state/write-queue';
import { ANNA, SERVICE, assertCleanTraffic, byKey, harness, onPrem, only, startSim } from './ews-support';
import { tempStateFile } from './support';

/** Runs the writer in a child process that is killed (SIGKILL) at the given moment. */
function crashingWriter(sim: EwsSimulator, stateFile: string, key: string, crash: 'after-create' | 'before-create'): Promise<NodeJS.Signals | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), path.join(__dirname, 'crash-child.ts')], {
      env: {
        ...process.env, CRASH: crash, STATE_FILE: stateFile, KEY: key, EWS_URL: sim.httpsUrl, CA_FILE: sim.caFile,
        EWS_USER: `${SERVICE.domain}\\${SERVICE.user}`, EWS_PASSWORD: SERVICE.password,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => resolve(signal));
  });
}

// "No duplicates, nothing lost" across a kill -9: the process dies between Exchange creating an
// item and the id map recording it; after the restart exactly one item exists.
describe('crash safety: a writer killed during a create leaves exactly one item after the restart', function () {
  this.timeout(60_000);
  let sim: EwsSimulator;
  let files: ReturnType<typeof tempStateFile>;

  before(async function () {
    sim = await startSim();
  });
  beforeEach(function () {
    files = tempStateFile();
  });
  afterEach(function () {
    files.cleanup();
  });
  after(async function () {
    assertCleanTraffic(sim);
    await sim.close();
  });

  it('killed after Exchange created the item, before it was recorded: found by key, not created again', async function () {
    const signal = await crashingWriter(sim, files.file, 'crash-after', 'after-create');
    assert.equal(signal, 'SIGKILL');
    only(sim, ANNA, 'crash-after');

    const h = harness(onPrem(sim), { file: files.file, owner: 'crash-writer' });
    try {
      assert.equal(new WriteQueue(h.db).count('crash-writer'), 1, 'the change survived the kill');
      assert.ok(new WriteQueue(h.db).pending(ANNA, 'crash-after'), 'the create was recorded as pending');
      const before = { ...sim.stats().byOperation };
      assert.equal(h.writer.start(), 1);
      await h.outcomesReach(1);
      const now = sim.stats().byOperation;
      assert.equal(now.FindItem - (before.FindItem ?? 0), 1);
      assert.equal(now.CreateItem - before.CreateItem, 0, 'no second CreateItem');
      assert.equal(h.outcomes[0].ok && h.outcomes[0].action, 'created');
      only(sim, ANNA, 'crash-after');
      assert.equal(new WriteQueue(h.db).count('crash-writer'), 0);
    } finally {
      await h.close();
    }
  });

  it('killed after recording the create, before sending it: created once after the restart', async function () {
    const signal = await crashingWriter(sim, files.file, 'crash-before', 'before-create');
    assert.equal(signal, 'SIGKILL');
    assert.equal(byKey(sim, ANNA, 'crash-before').length, 0);

    const h = harness(onPrem(sim), { file: files.file, owner: 'crash-writer' });
    try {
      h.writer.start();
      await h.outcomesReach(1);
      only(sim, ANNA, 'crash-before');
    } finally {
      await h.close();
    }
  });
});
