/**
 * Changes to single occurrences of a series, as Exchange records them on the master: a deleted
 * occurrence joins DeletedOccurrences, a moved one is an exception in ModifiedOccurrences
 * (OccurrenceInfoType: its id, new start and end, original start). Either changes the master
 * (a new ChangeKey, one Update in SyncFolderItems). Used by the EWS and Graph simulators and by
 * the "user in Outlook" of ../outlook.
 * Source: EWS reference, CalendarItem DeletedOccurrences / ModifiedOccurrences.
 */
import type { MailboxStore, StoredItem } from '../store';
import { modifiedOccurrences, occurrenceId, type StoredOccurrenceInfo } from './items';
import { formatUtc } from './timezones';

type Fields = Record<string, unknown>;

function setModified(fields: Fields, list: StoredOccurrenceInfo[]): void {
  if (list.length) fields.ModifiedOccurrences = { Occurrence: list };
  else delete fields.ModifiedOccurrences;
}

/** The occurrence that started at `originalStart` is deleted from the series. */
export function deleteOccurrence(store: MailboxStore, master: StoredItem, originalStart: number): void {
  store.updateItem(master, (i) => {
    const list = ([] as { Start: string }[]).concat(((i.fields.DeletedOccurrences as { DeletedOccurrence?: { Start: string }[] }) ?? {}).DeletedOccurrence ?? []);
    if (!list.some((d) => Date.parse(d.Start) === originalStart)) list.push({ Start: formatUtc(originalStart) });
    list.sort((a, b) => Date.parse(a.Start) - Date.parse(b.Start));
    i.fields.DeletedOccurrences = { DeletedOccurrence: list };
    setModified(i.fields, modifiedOccurrences(i.fields).filter((m) => Date.parse(m.OriginalStart) !== originalStart));
  });
}

/** The occurrence that started at `originalStart` now runs from `start` to `end` (an exception). */
export function moveOccurrence(store: MailboxStore, master: StoredItem, originalStart: number, start: number, end: number): void {
  store.updateItem(master, (i) => {
    const list = modifiedOccurrences(i.fields).filter((m) => Date.parse(m.OriginalStart) !== originalStart);
    list.push({
      ItemId: { $: { Id: occurrenceId(i.itemId, originalStart), ChangeKey: store.newChangeKey() } },
      Start: formatUtc(start), End: formatUtc(end), OriginalStart: formatUtc(originalStart),
    });
    list.sort((a, b) => Date.parse(a.OriginalStart) - Date.parse(b.OriginalStart));
    setModified(i.fields, list);
  });
}
