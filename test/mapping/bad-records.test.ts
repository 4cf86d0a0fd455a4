import assert from 'node:assert/strict';
import { SyncError } from '../../lib/errors';
import { mapChange, resolveSettings } from '../../lib/mapping';
import { badRecords } from './bad-records';

describe('mapping: bad büro+ records name the record and the field, and never stop the rest', function () {
  it('the corpus holds at least 30 faulty records, errors and repairs', function () {
    assert.ok(badRecords.length >= 30);
    assert.ok(badRecords.filter((b) => b.expect.outcome === 'error').length >= 20);
    assert.ok(badRecords.filter((b) => b.expect.outcome === 'warning').length >= 10);
  });

  for (const bad of badRecords) {
    const { outcome, code, record, field } = bad.expect;
    it(`${bad.name} → ${outcome} ${code} (${record}, ${field})`, async function () {
      const settings = resolveSettings(bad.settings ?? {});
      if (outcome === 'error') {
        await assert.rejects(mapChange(bad.change, settings), (err: unknown) => {
          assert.ok(err instanceof SyncError, String(err));
          assert.deepEqual({ code: err.code, record: err.record, field: err.field }, { code, record, field });
          // The sentence a support person reads names both, too.
          assert.ok(err.message.startsWith(`${record}, ${field.replace(/^payload\./, '')}: `), err.message);
          return true;
        });
      } else {
        const { messages, warnings } = await mapChange(bad.change, settings);
        assert.equal(messages.length, 1, 'the repaired record still goes to its mailbox');
        const found = warnings.find((w) => w.code === code);
        assert.ok(found, `warning ${code} in ${warnings.map((w) => w.code).join(', ')}`);
        assert.deepEqual({ record: found.record, field: found.field }, { record, field });
        assert.ok(found.message.startsWith(`${record}, ${field}: `), found.message);
      }
    });
  }

  it('repairs: the placeholder, the 255-character cut, clean texts', async function () {
    const settings = resolveSettings({});
    const item = async (name: string) => (await mapChange(badRecords.find((b) => b.name === name)!.change, settings)).messages[0].item as {
      subject?: string;
      location?: string;
      displayName?: string;
      surname?: string;
      emailAddresses?: string[];
    };
    assert.equal((await item('empty subject')).subject, '(ohne Betreff)');
    assert.equal((await item('subject of 300 characters')).subject, 'Ä'.repeat(255));
    assert.equal((await item('subject with a line break')).subject, 'Termin Müller');
    assert.equal((await item('location with NUL')).location, 'Raum2');
    assert.equal((await item('surname with a tab')).surname, 'Berg mann');
    assert.deepEqual((await item('e-mail without @')).emailAddresses, []);
  });

  it('after a bad record the next good one maps as usual (no state carried over)', async function () {
    const settings = resolveSettings({});
    for (const bad of badRecords) {
      await mapChange(bad.change, settings).catch(() => undefined);
    }
    const good = badRecords.find((b) => b.name === 'empty subject')!.change as { record: Record<string, unknown> };
    const { messages, warnings } = await mapChange({ ...good, record: { ...good.record, fldKurzInfo: 'Gut' } }, settings);
    assert.equal(messages.length, 1);
    assert.deepEqual(warnings, []);
  });
});
