import assert from 'node:assert/strict';
import { MappingCode } from '../../lib/error-codes';
import type { Task } from '../../lib/exchange/model';
import { mapChange, resolveSettings, type SettingsInput } from '../../lib/mapping';
import { taskChange } from './fixtures';

async function task(record: Record<string, unknown>, settings: SettingsInput = {}) {
  const { messages, warnings } = await mapChange(taskChange(record), resolveSettings(settings));
  assert.equal(messages.length, 1);
  assert.equal(messages[0].kind, 'task');
  return { item: messages[0].item as Task, message: messages[0], warnings };
}

describe('mapping/task: büro+ Aufgaben become Exchange tasks', function () {
  it('maps subject, body, dates, done, priority, reminder and category', async function () {
    const { item, message, warnings } = await task({
      fldKurzInfo: 'Angebot nachfassen',
      fldInfo: 'Bei Frau Schulz anrufen',
      fldBeginn: '2026-05-04T09:00:00',
      fldEnde: '2026-05-08T00:00:00',
      fldErledigt: false,
      fldPrio: 1,
      fldErinnMin: 15,
    });
    assert.deepEqual(item, {
      subject: 'Angebot nachfassen',
      body: { format: 'html', content: '<div>Bei Frau Schulz anrufen</div>' },
      timeZone: 'Europe/Berlin',
      complete: false,
      percentComplete: 0,
      importance: 'high',
      reminder: '2026-05-04T08:45:00+02:00',
      categories: ['büro+'],
      startDate: '2026-05-04',
      dueDate: '2026-05-08',
    });
    assert.deepEqual(message.targets.map((t) => t.key), ['buero:1:tblCalendar:815:7']);
    assert.deepEqual(warnings, []);
  });

  const cases: Array<[string, Record<string, unknown>, SettingsInput, Partial<Task>]> = [
    ['done → complete, 100 %', { fldErledigt: true }, {}, { complete: true, percentComplete: 100 }],
    ['done as "J"', { fldErledigt: 'J' }, {}, { complete: true, percentComplete: 100 }],
    ['not done as 0', { fldErledigt: 0 }, {}, { complete: false, percentComplete: 0 }],
    ['priority low', { fldPrio: 'niedrig' }, {}, { importance: 'low' }],
    ['priority normal', { fldPrio: 2 }, {}, { importance: 'normal' }],
    ['no dates, no reminder', { fldErinnMin: 10 }, {}, { startDate: undefined, dueDate: undefined, reminder: null }],
    ['due date only: reminder before it', { fldEnde: '2026-05-08T12:00:00', fldErinnMin: 60 }, {}, { dueDate: '2026-05-08', reminder: '2026-05-08T11:00:00+02:00' }],
    ['date-only start with the default reminder', { fldBeginn: '2026-03-29' }, { reminderDefault: 30 }, { startDate: '2026-03-29', reminder: '2026-03-28T23:30:00+01:00' }],
    ['no reminder at all', { fldBeginn: '2026-05-04T09:00:00' }, {}, { reminder: null }],
    ['start on the spring change day', { fldBeginn: '2026-03-29T02:30:00', fldErinnMin: 0 }, {}, { startDate: '2026-03-29', reminder: '2026-03-29T03:30:00+02:00' }],
    ['body as text', { fldInfo: '<p>a</p><p>b</p>' }, { bodyFormat: 'text' }, { body: { format: 'text', content: 'a\nb' } }],
    ['start and due the same day', { fldBeginn: '2026-05-04', fldEnde: '2026-05-04' }, {}, { startDate: '2026-05-04', dueDate: '2026-05-04' }],
  ];
  for (const [name, record, settings, expected] of cases) {
    it(name, async function () {
      const { item, warnings } = await task(record, settings);
      for (const [key, value] of Object.entries(expected)) assert.deepEqual(item[key as keyof Task], value, key);
      assert.deepEqual(warnings, []);
    });
  }

  it('"Informationen nicht hinterlegen" keeps the task body too', async function () {
    const { message } = await task({ fldInfo: 'x' }, { keepInfo: true });
    assert.deepEqual(message.keep, ['body']);
  });

  it('an unknown priority becomes normal, with a warning', async function () {
    const { item, warnings } = await task({ fldPrio: 'dringendst' });
    assert.equal(item.importance, 'normal');
    assert.deepEqual(warnings.map((w) => [w.code, w.field, w.record]), [[MappingCode.valueIgnored, 'fldPrio', 'tblCalendar 815']]);
  });

  it('a recurring task is written as a single task, with a warning', async function () {
    const { item, warnings } = await task({ fldBeginn: '2026-05-04', fldSerie: 'FREQ=WEEKLY' });
    assert.equal(item.startDate, '2026-05-04');
    assert.deepEqual(warnings.map((w) => [w.code, w.field]), [[MappingCode.taskSeriesIgnored, 'fldSerie']]);
  });
});
