/**
 * Cross-check that the EWS simulator is faithful: an independent EWS client — Debian's
 * python3-exchangelib — creates, reads, updates and deletes an appointment, a task and a
 * contact in it over Basic auth with impersonation, over HTTPS with the test CA.
 * Run with `npm run test:interop` (CI installs `python3-exchangelib` first).
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { EwsSimulator, startEwsSimulator } from '../../sandbox/ews';

// Debian's package lives in the system interpreter, not in a pyenv/venv python3 on PATH.
const PYTHON = process.env.EXCHANGELIB_PYTHON ?? '/usr/bin/python3';
const SCRIPT = join(__dirname, 'interop.exchangelib.py');
const ANNA = 'anna@firma.de';

function exchangelibMissing(): string | undefined {
  try {
    execFileSync(PYTHON, ['-c', 'import exchangelib'], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `${PYTHON} cannot import exchangelib (${(err as Error).message.split('\n')[0]})`;
  }
}

describe('interop: python3-exchangelib against the EWS simulator', function () {
  this.timeout(120_000);
  let sim: EwsSimulator;

  before(async function () {
    const missing = exchangelibMissing();
    if (missing) {
      const line = '='.repeat(100);
      console.warn(`\n${line}\nSKIPPING the exchangelib interop test: ${missing}.\n`
        + `Install it with: apt-get update && apt-get install -y python3-exchangelib\n${line}\n`);
      this.skip();
    }
    sim = await startEwsSimulator({
      mailboxes: [ANNA],
      accounts: [{ user: 'svc-sync', domain: 'FIRMA', password: 'Geheim-123', impersonation: true }],
    });
  });
  after(async () => {
    await sim?.close();
  });

  it('creates, reads, updates and deletes an appointment, a task and a contact (Basic, impersonation, HTTPS)', async () => {
    const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number }>((resolve) => {
      execFile(PYTHON, [SCRIPT, sim.httpsUrl, 'FIRMA\\svc-sync', 'Geheim-123', ANNA],
        { env: { ...process.env, REQUESTS_CA_BUNDLE: sim.caFile }, timeout: 100_000 },
        (err, out, errOut) => resolve({ stdout: out, stderr: errOut, code: err ? Number((err as { code?: number }).code ?? 1) : 0 }));
    });
    assert.equal(code, 0, `exchangelib failed:\n${stderr}`);
    const result = JSON.parse(stdout) as Record<string, Record<string, unknown>>;
    assert.deepEqual(result.appointment, {
      subject: 'Interop: Termin <ä & ß>',
      start: '2026-03-29T08:00:00+00:00', // 10:00 in Berlin, the first day of summer time
      end: '2026-03-29T09:30:00+00:00',
      location: 'Raum "3"',
      categories: ['büro+'],
      body: 'Zeile 1\nZeile 2',
      updated: 'Interop: Termin geändert',
      deleted: true,
    });
    assert.deepEqual(result.task, { subject: 'Interop: Aufgabe', status: 'NotStarted', updated_status: 'Completed', percent_complete: '100', deleted: true });
    assert.deepEqual(result.contact, {
      display_name: 'Jürgen Groß', email: 'j.gross@example.de', phone: '+49 30 1234-0', city: 'München', updated: 'Groß & Söhne GmbH', deleted: true,
    });

    const stats = sim.stats();
    assert.equal(stats.schemaInvalid, 0, 'every request exchangelib sent passed the schema check');
    assert.ok(['CreateItem', 'GetItem', 'UpdateItem', 'DeleteItem', 'FindItem', 'GetFolder'].every((op) => stats.byOperation[op]! > 0));
    assert.ok(sim.requestLog.every((r) => r.status === 200 && !r.error), JSON.stringify(sim.requestLog.filter((r) => r.error)));
    assert.equal(sim.store.items(ANNA).length, 0);
  });
});
