// Shared helpers for the writer's tests: a state file in a temp directory, a fake clock,
// messages in the writer contract.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import FakeTimers from '@sinonjs/fake-timers';
import { openStateDb, type StateDb } from '../../lib/state/db';
import type { Clock } from '../../lib/net/retry';
import type { Appointment, Contact, Task, WriterMessage } from '../../lib/exchange/model';

export function tempStateFile(): { file: string; dir: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'buero-sync-writer-'));
  return { file: path.join(dir, 'state.db'), dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export function tempDb(): { db: StateDb; file: string; cleanup(): void } {
  const t = tempStateFile();
  const db = openStateDb(t.file);
  return { db, file: t.file, cleanup: () => { db.close(); t.cleanup(); } };
}

/** A clock the test moves; `tick` runs due timers and the promises they start. */
export function fakeClock(start = Date.parse('2026-03-27T10:00:00Z')): Clock & { tick(ms: number): Promise<void>; fake: ReturnType<typeof FakeTimers.createClock> } {
  const fake = FakeTimers.createClock(start);
  return {
    fake,
    now: () => fake.now,
    setTimeout: (fn, ms) => fake.setTimeout(fn, ms),
    clearTimeout: (h) => fake.clearTimeout(h as never),
    tick: async (ms: number) => {
      await fake.tickAsync(ms);
    },
  };
}

export function appointment(overrides: Partial<Appointment> = {}): Appointment {
  return {
    subject: 'Besuch bei Kunde',
    body: { format: 'text', content: 'Unterlagen mitbringen' },
    start: '2026-03-30T09:00:00+02:00',
    end: '2026-03-30T10:00:00+02:00',
    timeZone: 'Europe/Berlin',
    isAllDay: false,
    location: 'Köln',
    reminderMinutes: 15,
    categories: ['büro+'],
    ...overrides,
  };
}

export function task(overrides: Partial<Task> = {}): Task {
  return { subject: 'Angebot schreiben', timeZone: 'Europe/Berlin', dueDate: '2026-04-02', complete: false, ...overrides };
}

export function contact(overrides: Partial<Contact> = {}): Contact {
  return { displayName: 'Meier, Anna', givenName: 'Anna', surname: 'Meier', companyName: 'Meier GmbH', emailAddresses: ['anna@meier.example'], ...overrides };
}

export function upsert(key: string, item: Appointment | Task | Contact, extra: Partial<WriterMessage> = {}): WriterMessage {
  const kind = 'start' in item ? 'appointment' : 'displayName' in item ? 'contact' : 'task';
  return { action: 'upsert', kind, mailbox: 'anna.meier@firma.de', key, version: '1', item, ...extra } as WriterMessage;
}

export function remove(key: string, kind: WriterMessage['kind'] = 'appointment', extra: Partial<WriterMessage> = {}): WriterMessage {
  return { action: 'delete', kind, mailbox: 'anna.meier@firma.de', key, version: '2', ...extra };
}
