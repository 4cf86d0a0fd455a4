import assert from 'node:assert/strict';
import { ExchangeCode } from '../../lib/error-codes';
import { clearSecrets, registerSecret } from '../../lib/log/redact';
import { prometheusText } from '../../lib/monitor/prometheus';
import { DEFAULT_UNHEALTHY_AFTER_SECONDS, HealthRegistry, statusJson, unhealthyAfterSeconds, type SyncNodeHealth } from '../../lib/monitor/status';
import { parsePrometheus } from '../support/prometheus';

const NOW = Date.parse('2026-11-02T08:00:00Z');
const MIN = 60_000;

const source = (health: Partial<SyncNodeHealth> & { type: SyncNodeHealth['type'] }): SyncNodeHealth =>
  health.type === 'buero-changes'
    ? { id: 'chg', name: '', state: 'idle', pending: 0, buero: { failures: 0, lastSuccessAt: NOW - 5000 }, ...health } as SyncNodeHealth
    : { id: 'wr', name: 'Schreiber', state: 'idle', queued: 0, inFlight: 0, exchange: { failures: 0, lastSuccessAt: NOW - 3000 }, mailboxes: [], ...health } as SyncNodeHealth;

describe('status for monitoring (lib/monitor)', function () {
  afterEach(function () {
    clearSecrets();
  });

  it('a part is unhealthy once it has failed for longer than the threshold; the whole status with it', function () {
    const table: [string, SyncNodeHealth, boolean][] = [
      ['all working', source({ type: 'buero-changes' }), true],
      ['büro+ failing for 4 minutes (threshold 5)', source({ type: 'buero-changes', buero: { failures: 9, failingSince: NOW - 4 * MIN } }), true],
      ['büro+ failing for 6 minutes', source({ type: 'buero-changes', buero: { failures: 12, failingSince: NOW - 6 * MIN } }), false],
      ['never polled yet', source({ type: 'buero-changes', buero: { failures: 0 } }), true],
      ['Exchange failing for 6 minutes', source({ type: 'buero-exchange-writer', exchange: { failures: 7, failingSince: NOW - 6 * MIN } }), false],
      ['one mailbox failing for 6 minutes', source({
        type: 'buero-exchange-writer',
        mailboxes: [{ mailbox: 'anna@firma.de', failures: 0, lastSuccessAt: NOW }, { mailbox: 'bernd@firma.de', failures: 4, failingSince: NOW - 6 * MIN }],
      }), false],
    ];
    for (const [what, health, healthy] of table) {
      const registry = new HealthRegistry();
      registry.register(health.id, () => health);
      assert.equal(registry.judge(NOW, 5 * MIN).healthy, healthy, what);
    }
  });

  it('the JSON names each node and part, the times as ISO text, and the failing part among the problems', function () {
    const registry = new HealthRegistry();
    registry.register('chg', () => source({ type: 'buero-changes', state: 'idle', pending: 3 }));
    registry.register('wr', () => source({
      type: 'buero-exchange-writer', state: 'writing', queued: 17, inFlight: 2,
      mailboxes: [
        { mailbox: 'anna@firma.de', failures: 0, lastSuccessAt: NOW - 1000 },
        { mailbox: 'bernd@firma.de', failures: 4, failingSince: NOW - 6 * MIN, retryAt: NOW + 30_000, error: { code: ExchangeCode.mailbox, message: 'The mailbox bernd@firma.de does not exist.' } },
      ],
    }));
    const json = statusJson(registry.judge(NOW, 5 * MIN));
    assert.deepEqual(json.problems, [{
      node: 'wr', type: 'buero-exchange-writer', name: 'Schreiber', part: 'mailbox bernd@firma.de',
      failingSince: '2026-11-02T07:54:00.000Z', failingSeconds: 360, error: 'The mailbox bernd@firma.de does not exist.',
    }]);
    assert.deepEqual([json.status, json.healthy, json.time, json.unhealthyAfterSeconds], ['unhealthy', false, '2026-11-02T08:00:00.000Z', 300]);
    assert.deepEqual(json.nodes[0], {
      id: 'chg', type: 'buero-changes', name: '', state: 'idle', healthy: true, pendingChanges: 3,
      buero: { healthy: true, reachable: true, lastSuccessfulPoll: '2026-11-02T07:59:55.000Z', failures: 0, failingSince: null, retryAt: null, retryInSeconds: 0, error: null },
    });
    const writer = json.nodes[1] as { exchange: unknown; queuedChanges: number; inFlight: number; mailboxes: Record<string, unknown>[]; healthy: boolean };
    assert.deepEqual([writer.healthy, writer.queuedChanges, writer.inFlight], [false, 17, 2]);
    assert.deepEqual(writer.exchange, { healthy: true, reachable: true, lastSuccess: '2026-11-02T07:59:57.000Z', failures: 0, failingSince: null, retryAt: null, retryInSeconds: 0, error: null });
    assert.deepEqual(writer.mailboxes[1], {
      mailbox: 'bernd@firma.de', healthy: false, reachable: false, lastWrite: null, failures: 4, failingSince: '2026-11-02T07:54:00.000Z',
      retryAt: '2026-11-02T08:00:30.000Z', retryInSeconds: 30, error: { code: ExchangeCode.mailbox, message: 'The mailbox bernd@firma.de does not exist.' },
    });
  });

  it('Prometheus text: every family with HELP and TYPE, labels per node and mailbox, the same figures', function () {
    const registry = new HealthRegistry();
    registry.register('chg', () => source({ type: 'buero-changes', name: 'büro+ "Zentrale"\\Köln', buero: { failures: 2, lastSuccessAt: NOW - 90_000, failingSince: NOW - 60_000, retryAt: NOW + 4000 } }));
    registry.register('wr', () => source({ type: 'buero-exchange-writer', queued: 5, mailboxes: [{ mailbox: 'anna@firma.de', failures: 0, lastSuccessAt: NOW - 1000 }] }));
    const { samples, types } = parsePrometheus(prometheusText(registry.judge(NOW, 5 * MIN)));
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).map((s) => s.value);
    assert.ok([...types.values()].every((t) => t === 'gauge'));
    assert.ok([...types.keys()].every((n) => n.startsWith('buero_sync_')));
    assert.deepEqual(value('buero_sync_healthy'), [1]);
    assert.deepEqual(value('buero_sync_unhealthy_after_seconds'), [300]);
    assert.deepEqual(value('buero_sync_buero_reachable', { node: 'chg', name: 'büro+ "Zentrale"\\Köln', type: 'buero-changes' }), [0], 'escaped label values read back');
    assert.deepEqual(value('buero_sync_buero_failures'), [2]);
    assert.deepEqual(value('buero_sync_buero_failing_seconds'), [60]);
    assert.deepEqual(value('buero_sync_buero_retry_in_seconds'), [4]);
    assert.deepEqual(value('buero_sync_buero_last_successful_poll_timestamp_seconds'), [(NOW - 90_000) / 1000]);
    assert.deepEqual(value('buero_sync_node_state', { node: 'wr', state: 'idle' }), [1]);
    assert.deepEqual(value('buero_sync_queued_changes', { node: 'wr' }), [5]);
    assert.deepEqual(value('buero_sync_mailbox_last_write_timestamp_seconds', { mailbox: 'anna@firma.de' }), [(NOW - 1000) / 1000]);
    assert.deepEqual(value('buero_sync_mailbox_healthy', { mailbox: 'anna@firma.de' }), [1]);
    assert.deepEqual(value('buero_sync_exchange_reachable'), [1]);
  });

  it('no secret in either: error texts go through the redaction', function () {
    registerSecret('Sandbox-Passw0rt!');
    const registry = new HealthRegistry();
    registry.register('wr', () => source({
      type: 'buero-exchange-writer',
      exchange: { failures: 1, failingSince: NOW, error: { code: ExchangeCode.auth, message: 'refused Sandbox-Passw0rt! at https://svc:geheim@ex.local/EWS with Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln' } },
    }));
    const judgement = registry.judge(NOW, 5 * MIN);
    const texts = JSON.stringify(statusJson(judgement)) + prometheusText(judgement);
    for (const secret of ['Sandbox-Passw0rt!', 'geheim', 'eyJhbGciOiJSUzI1NiJ9']) assert.ok(!texts.includes(secret), secret);
  });

  it('the threshold: the environment variable, then settings.js, then 300 seconds; nonsense means the default', function () {
    assert.equal(unhealthyAfterSeconds('60', 120), 60);
    assert.equal(unhealthyAfterSeconds(undefined, 120), 120);
    assert.equal(unhealthyAfterSeconds('', '0'), 0);
    assert.equal(unhealthyAfterSeconds('fünf', -3), DEFAULT_UNHEALTHY_AFTER_SECONDS);
    assert.equal(unhealthyAfterSeconds(), 300);
  });

  it('a node that closes leaves the status; one deployed again under the same id stays', function () {
    const registry = new HealthRegistry();
    const offOld = registry.register('chg', () => source({ type: 'buero-changes', state: 'old' }));
    registry.register('chg', () => source({ type: 'buero-changes', state: 'new' }));
    offOld();
    assert.deepEqual(registry.judge(NOW, MIN).nodes.map((n) => n.health.state), ['new']);
  });
});
