import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { NodeDef } from 'node-red';
import { NodeCode } from '../../lib/error-codes';
import { SyncError } from '../../lib/errors';
import type { Appointment, WriterMessage } from '../../lib/exchange/model';
import { MIGRATIONS, currentVersion, rename, upgradeConfig } from '../../nodes/shared/config-version';
import { calendarChange } from '../mapping/fixtures';
import { helper } from '../support/node-red';

const mapNode = require('../../nodes/buero-map/buero-map');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));
const types = Object.keys(pkg['node-red'].nodes) as string[];

type Msg = Record<string, unknown>;

const saved = (type: string, settings: Record<string, unknown>) => ({ id: 'n1', type, name: '', z: 'tab', ...settings }) as NodeDef;

async function until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('versioned node settings: a saved flow keeps running after a release changes the settings', function () {
  describe('upgradeConfig', function () {
    it('a configuration without a version (saved before versions) comes out in today\'s layout, its settings kept', function () {
      const old = saved('buero-changes', { connection: 'c1', interval: '${SYNC_POLL_SECONDS}', pageSize: 500 });
      const now = upgradeConfig(old);
      assert.deepEqual(now, { ...old, version: currentVersion('buero-changes') });
      assert.equal((old as { version?: number }).version, undefined, 'the saved configuration is left as it is');
    });

    it('the Exchange connection: the Exchange version moves from `version` to `exchangeVersion`', function () {
      const now = upgradeConfig(saved('buero-exchange-connection', { host: 'x.local', version: 'Exchange2013' })) as unknown as Msg;
      assert.equal(now.exchangeVersion, 'Exchange2013');
      assert.equal(now.version, currentVersion('buero-exchange-connection'));
      // A dialog of this release set the new one already: the old value does not overwrite it.
      const edited = upgradeConfig(saved('buero-exchange-connection', { version: 'Exchange2013', exchangeVersion: 'Exchange2016' })) as unknown as Msg;
      assert.equal(edited.exchangeVersion, 'Exchange2016');
      // Saved by the release that moved it (version 1): nothing to move.
      const current = upgradeConfig(saved('buero-exchange-connection', { version: 1, exchangeVersion: 'Exchange2010_SP2' })) as unknown as Msg;
      assert.deepEqual([current.version, current.exchangeVersion], [2, 'Exchange2010_SP2']);
    });

    it('the connections (version 2): a secret may name its environment variable; a flow saved before names none and keeps its credentials', function () {
      const buero = upgradeConfig(saved('buero-connection', { version: 1, endpoint: '${BUERO_URL}', auth: 'static' })) as unknown as Msg;
      assert.deepEqual([buero.version, buero.clientIdEnv, buero.clientSecretEnv, buero.staticTokenEnv, buero.endpoint], [2, '', '', '', '${BUERO_URL}']);
      const exchange = upgradeConfig(saved('buero-exchange-connection', { version: 1, host: 'x.local' })) as unknown as Msg;
      assert.deepEqual([exchange.version, exchange.passwordEnv, exchange.clientSecretEnv], [2, '', '']);
      // Saved by this release, the names stay.
      const named = upgradeConfig(saved('buero-connection', { version: 2, staticTokenEnv: 'BUERO_TOKEN' })) as unknown as Msg;
      assert.equal(named.staticTokenEnv, 'BUERO_TOKEN');
      const v0 = upgradeConfig(saved('buero-exchange-connection', { version: 'Exchange2013', passwordEnv: 'EXCHANGE_PASSWORD' })) as unknown as Msg;
      assert.deepEqual([v0.exchangeVersion, v0.passwordEnv, v0.clientSecretEnv], ['Exchange2013', 'EXCHANGE_PASSWORD', '']);
    });

    it('runs the migrations from the saved version on, in order', function () {
      const steps: string[] = [];
      MIGRATIONS['buero-sync-log'].push((c) => void steps.push(`2:${c.version}`), (c) => void steps.push(`3:${c.version}`));
      try {
        upgradeConfig(saved('buero-sync-log', {}));
        upgradeConfig(saved('buero-sync-log', { version: 2 }));
        assert.deepEqual(steps, ['2:undefined', '3:undefined', '3:2']);
        assert.equal((upgradeConfig(saved('buero-sync-log', { version: 3 })) as { version?: number }).version, 3);
      } finally {
        MIGRATIONS['buero-sync-log'].splice(1);
      }
    });

    it('refuses settings saved by a newer release, naming the node and the versions', function () {
      assert.throws(
        () => upgradeConfig(saved('buero-map', { version: 2 })),
        (err: unknown) =>
          err instanceof SyncError && err.code === NodeCode.settingsTooNew && err.record === 'buero-map n1' && err.field === 'version' &&
          /newer release .*settings version 2; this release reads up to version 1/.test(err.message),
      );
    });

    it('rename keeps a value already under the new name and removes the old name', function () {
      const c: Record<string, unknown> = { a: 1, b: 2 };
      rename(c, 'a', 'b');
      assert.deepEqual(c, { b: 2 });
      const d: Record<string, unknown> = { a: 1 };
      rename(d, 'a', 'b');
      assert.deepEqual(d, { b: 1 });
    });
  });

  for (const type of types) {
    it(`${type}: the editor saves the version its migrations lead to`, function () {
      const html = fs.readFileSync(path.join(__dirname, '../../nodes', type, `${type}.html`), 'utf8');
      const version = /defaults:\s*\{[\s\S]*?\n\s*version: \{ value: (\d+) \}/.exec(html);
      assert.ok(version, `${type}.html declares a version default`);
      assert.ok(MIGRATIONS[type], `${type} has a list of migrations`);
      assert.equal(Number(version[1]), currentVersion(type));
    });
  }

  describe('a real node, with a rename made in this fixture', function () {
    let caught: Msg[];
    let written: Msg[];

    afterEach(async function () {
      MIGRATIONS['buero-map'].splice(1);
      await helper.unload();
    });

    function flow(map: Record<string, unknown>) {
      return [
        { id: 'tab', type: 'tab' },
        { id: 'n-map', z: 'tab', type: 'buero-map', name: 'map', ...map, wires: [['n-writer'], []] },
        { id: 'n-catch', z: 'tab', type: 'catch', scope: null, uncaught: false, wires: [['n-caught']] },
        { id: 'n-writer', z: 'tab', type: 'helper' },
        { id: 'n-caught', z: 'tab', type: 'helper' },
      ];
    }
    async function mapOne(map: Record<string, unknown>): Promise<Appointment | undefined> {
      await helper.load([mapNode, catchNode], flow(map));
      written = [];
      caught = [];
      helper.getNode('n-writer').on('input', (m: Msg) => written.push(m));
      helper.getNode('n-caught').on('input', (m: Msg) => caught.push(m));
      helper.getNode('n-map').receive({ payload: calendarChange({ fldBeginn: '2026-03-08T02:30:00', fldEnde: '2026-03-08T04:00:00' }) });
      await until(() => written.length + caught.length > 0, 'the mapped change or an error');
      await helper.unload();
      return written[0] ? ((written[0].payload as WriterMessage).item as Appointment) : undefined;
    }

    // The fixture plays the next release (settings version 2), in which the mapper's time zone
    // setting got its present name: up to version 1, it says, the setting was called `zone`.
    const renameZone = (c: Record<string, unknown>) => rename(c, 'zone', 'timeZone');
    const reference = JSON.parse(fs.readFileSync(path.join(__dirname, '../../examples/buero-exchange-sync.json'), 'utf8')) as Msg[];
    const referenceMap = reference.find((n) => n.type === 'buero-map')!;

    it('a flow saved by this release (version 1) runs after the rename, with its setting read under the new name', async function () {
      MIGRATIONS['buero-map'].push(renameZone);
      const item = await mapOne({ version: 1, zone: 'America/New_York' });
      assert.deepEqual(caught, []);
      assert.equal(item?.timeZone, 'America/New_York');
      assert.equal(item?.start, '2026-03-08T03:30:00-04:00', 'the New York spring-forward gap, not Berlin time');
    });

    it('the reference flow\'s mapper (saved by this release) and one saved by the next release both run after the rename', async function () {
      MIGRATIONS['buero-map'].push(renameZone);
      const { id: _id, z: _z, x: _x, y: _y, wires: _w, ...settings } = referenceMap;
      assert.equal(settings.version, 1);
      process.env.SYNC_TIMEZONE = 'Europe/Berlin';
      try {
        const fromReference = await mapOne(settings);
        assert.deepEqual(caught, []);
        assert.equal(fromReference?.start, '2026-03-08T02:30:00+01:00');
      } finally {
        delete process.env.SYNC_TIMEZONE;
      }
      const next = await mapOne({ version: 2, timeZone: 'America/New_York' });
      assert.equal(next?.timeZone, 'America/New_York');
      const beforeVersions = await mapOne({ zone: 'America/New_York' });
      assert.equal(beforeVersions?.timeZone, 'America/New_York', 'version 0 goes through both steps');
    });

    it('settings saved by a newer release: the node says so and refuses changes', async function () {
      const item = await mapOne({ version: 2, timeZone: 'America/New_York' });
      assert.equal(item, undefined);
      const error = caught[0].error as { code: string; message: string };
      assert.equal(error.code, NodeCode.settingsTooNew);
      assert.match(error.message, /saved by a newer release/);
    });
  });
});
