/**
 * The words of the sync log, in German and English. Plain objects (lib/ stays free of
 * Node-RED and its i18n): the log language is a setting of the log sink, independent of the
 * language of the Node-RED editor or runtime.
 */
import type { InfoParams, SyncEvent } from './events';

export type Language = 'de' | 'en';
export const LANGUAGES: readonly Language[] = ['de', 'en'];

type System = 'buero' | 'exchange';
type Kind = Extract<SyncEvent, { type: 'transfer' }>['kind'];
type Action = Extract<SyncEvent, { type: 'transfer' }>['action'];

/** Failure causes a support person recognises; see `plainReason` in reasons.ts. */
export type ReasonKey =
  | 'refused'
  | 'dns'
  | 'timeout'
  | 'reset'
  | 'unreachable'
  | 'tls'
  | 'secret'
  | 'app'
  | 'tenant'
  | 'signIn'
  | 'denied'
  | 'mailbox'
  | 'busy'
  | 'unavailable';

export interface LogTexts {
  system: Record<System, string>;
  kind: Record<Kind, string>;
  action: Record<Action, string>;
  /** ", mailbox x" — appended after the endpoint. */
  mailbox(mailbox: string): string;
  connected(system: string, endpoint: string, mailbox: string): string;
  connectionFailed(system: string, endpoint: string, mailbox: string, reason: string): string;
  outageBegin(system: string, endpoint: string, mailbox: string, reason: string): string;
  /** duration is '' when the begin of the outage is unknown (e.g. after a restart). */
  outageEnd(system: string, endpoint: string, mailbox: string, duration: string): string;
  error(code: string, record: string | undefined, field: string | undefined, reason: string): string;
  transfer(kind: string, action: string, mailbox: string, key: string, extra: string[]): string;
  version(version: string): string;
  status(source: string, text: string): string;
  /** " [node x]" — appended to error and info lines that name a node. */
  node(source: string): string;
  /** Info lines by their code, from the event's params (a code not here: the event's free text). */
  info: Record<string, (p: InfoParams) => string>;
  noReason: string;
  noMessage: string;
  reasons: Record<ReasonKey, string>;
}

const en: LogTexts = {
  system: { buero: 'büro+', exchange: 'Exchange' },
  kind: { appointment: 'appointment', task: 'task', contact: 'contact' },
  action: {
    created: 'created',
    updated: 'updated',
    unchanged: 'unchanged',
    deleted: 'deleted',
    recreated: 'recreated',
    skipped: 'skipped',
  },
  mailbox: (m) => `, mailbox ${m}`,
  connected: (s, e, m) => `Connected to ${s} ${e}${m}`,
  connectionFailed: (s, e, m, r) => `Connection to ${s} ${e} failed${m}: ${r}`,
  outageBegin: (s, e, m, r) => `Outage: ${s} ${e}${m} unreachable: ${r}`,
  outageEnd: (s, e, m, d) => `Outage over: ${s} ${e}${m} reachable again${d ? ` after ${d}` : ''}`,
  error: (c, r, f, reason) => `Error ${c}${r ? `, record ${r}` : ''}${f ? `, field ${f}` : ''}: ${reason}`,
  transfer: (k, a, m, key, extra) =>
    `Transfer: ${k} ${a}, mailbox ${m}, key ${key}${extra.length ? ` (${extra.join(', ')})` : ''}`,
  version: (v) => `version ${v}`,
  status: (s, t) => `Status ${s}: ${t}`,
  node: (s) => ` [node ${s}]`,
  info: {
    'users-synced': (p) => `${p.count} büro+ users synced: ${p.users || 'none'}`,
    'user-added': (p) => `büro+ user ${p.user} (${p.mailbox}) is now synced.`,
    'user-removed': (p) => `büro+ user ${p.user} (${p.mailbox}) is no longer synced.`,
    'user-mailbox-changed': (p) => `büro+ user ${p.user} now syncs to ${p.mailbox} (was ${p.before}).`,
    baseline: (p) => `Baseline recorded for ${p.table}: ${p.count} existing records up to LSN ${p.lsn}; they are emitted when they change.`,
    backfill: (p) => `Backfill emitted ${p.appointments} appointments, ${p.tasks} tasks, ${p.contacts} contacts${p.perMailbox ? ` (per mailbox appointments/tasks/contacts: ${p.perMailbox})` : ''}.`,
    'backfill-dry-run': (p) => `Backfill dry run: would write ${p.appointments} appointments, ${p.tasks} tasks, ${p.contacts} contacts${p.perMailbox ? ` (per mailbox appointments/tasks/contacts: ${p.perMailbox})` : ''}.`,
    'log-lines-lost': (p) => `${p.count} log line(s) could not be written to this file (see Node-RED's log)`,
    // The way back (Outlook → büro+).
    'way-back-baseline': (p) => `Way back: baseline recorded for ${p.mailbox} (${p.kind}s); changes made in Outlook from now on come back to büro+.`,
    'way-back-start-over': (p) => `Way back: the position in ${p.mailbox} (${p.kind}s) is no longer valid (${p.reason}); read again from the start, nothing is taken twice.`,
    'way-back-paused': (p) => `Way back paused for ${p.mailbox} (${p.kind}s): one poll would delete ${p.deletes} of ${p.synced} synced items in büro+. Nothing was deleted; check the mailbox and resume the way back to let the deletions through.`,
    'way-back-resumed': (p) => `Way back resumed for ${p.mailbox} by the administrator.`,
    'way-back-written': (p) => `Way back: ${p.kind} ${p.record} changed in Outlook (${p.mailbox}) written to büro+: ${p.fields}.`,
    'way-back-changed-on-save': (p) => `Way back: büro+ changed ${p.fields} of ${p.record} on save; Outlook gets büro+'s value.`,
    'way-back-created': (p) => `Way back: new ${p.kind} "${p.subject}" from Outlook (${p.mailbox}) created in büro+ as ${p.record}.`,
    'way-back-deleted': (p) => `Way back: ${p.kind} ${p.record} deleted in Outlook (${p.mailbox}) deleted in büro+.`,
    'way-back-conflict': (p) => `Way back: conflict on ${p.record}, field ${p.field} changed in büro+ ("${p.buero}") and in Outlook ("${p.outlook}", ${p.mailbox}): ${p.winner === 'outlook' ? 'Outlook' : 'büro+'} wins.`,
    'way-back-participant': (p) => `Way back: ${p.kind} ${p.record} changed in a participant's copy (${p.mailbox}), not taken back; the next change from büro+ overwrites it.`,
    'way-back-invitation': (p) => `Way back: invitation "${p.subject}" received by ${p.mailbox} from someone else is not taken into büro+.`,
    'way-back-series-not-taken': (p) => `Way back: ${seriesWhat(String(p.what), 'en')} in ${p.mailbox}${p.record ? ` (${p.record})` : ''} not taken back; the next change from büro+ wins.`,
    'way-back-delete-not-taken': (p) => `Way back: ${p.kind} ${p.record} deleted in Outlook (${p.mailbox}) not deleted in büro+ (${deleteWhy(String(p.why), 'en')}); it comes back with the next change from büro+.`,
    'way-back-gone': (p) => `Way back: ${p.record} changed in Outlook (${p.mailbox}) no longer exists in büro+; not taken back.`,
  },
  noReason: 'no reason given',
  noMessage: 'no message',
  reasons: {
    refused: 'the server refused the connection; not running or wrong port',
    dns: 'host name not found (DNS)',
    timeout: 'no answer in time',
    reset: 'the connection was dropped',
    unreachable: 'network or host unreachable',
    tls: "the server's TLS certificate is not trusted; custom CA missing?",
    secret: 'client secret invalid or expired',
    app: 'client ID not found in the tenant; app registration missing',
    tenant: 'tenant not found',
    signIn: 'sign-in rejected; check user name, password or token',
    denied: 'access denied; permission or impersonation right missing',
    mailbox: 'mailbox does not exist',
    busy: 'server busy, throttled; will retry',
    unavailable: 'server temporarily unavailable',
  },
};

const de: LogTexts = {
  system: { buero: 'büro+', exchange: 'Exchange' },
  kind: { appointment: 'Termin', task: 'Aufgabe', contact: 'Kontakt' },
  action: {
    created: 'angelegt',
    updated: 'geändert',
    unchanged: 'unverändert',
    deleted: 'gelöscht',
    recreated: 'neu angelegt',
    skipped: 'übersprungen',
  },
  mailbox: (m) => `, Postfach ${m}`,
  connected: (s, e, m) => `Verbindung zu ${s} ${e} hergestellt${m}`,
  connectionFailed: (s, e, m, r) => `Verbindung zu ${s} ${e} fehlgeschlagen${m}: ${r}`,
  outageBegin: (s, e, m, r) => `Ausfall: ${s} ${e}${m} nicht erreichbar: ${r}`,
  outageEnd: (s, e, m, d) => `Ausfall beendet: ${s} ${e}${m} wieder erreichbar${d ? ` nach ${d}` : ''}`,
  error: (c, r, f, reason) => `Fehler ${c}${r ? `, Datensatz ${r}` : ''}${f ? `, Feld ${f}` : ''}: ${reason}`,
  transfer: (k, a, m, key, extra) =>
    `Übertragung: ${k} ${a}, Postfach ${m}, Schlüssel ${key}${extra.length ? ` (${extra.join(', ')})` : ''}`,
  version: (v) => `Version ${v}`,
  status: (s, t) => `Status ${s}: ${t}`,
  node: (s) => ` [Knoten ${s}]`,
  info: {
    'users-synced': (p) => `${p.count} büro+-Benutzer werden synchronisiert: ${p.users || 'keine'}`,
    'user-added': (p) => `büro+-Benutzer ${p.user} (${p.mailbox}) wird jetzt synchronisiert.`,
    'user-removed': (p) => `büro+-Benutzer ${p.user} (${p.mailbox}) wird nicht mehr synchronisiert.`,
    'user-mailbox-changed': (p) => `büro+-Benutzer ${p.user} wird jetzt in ${p.mailbox} synchronisiert (bisher ${p.before}).`,
    baseline: (p) => `Ausgangsstand für ${p.table} erfasst: ${p.count} vorhandene Datensätze bis LSN ${p.lsn}; sie werden übertragen, sobald sie sich ändern.`,
    backfill: (p) => `Nachsynchronisation: ${p.appointments} Termine, ${p.tasks} Aufgaben, ${p.contacts} Kontakte ausgegeben${p.perMailbox ? ` (je Postfach Termine/Aufgaben/Kontakte: ${p.perMailbox})` : ''}.`,
    'backfill-dry-run': (p) => `Nachsynchronisation (Probelauf): würde ${p.appointments} Termine, ${p.tasks} Aufgaben, ${p.contacts} Kontakte schreiben${p.perMailbox ? ` (je Postfach Termine/Aufgaben/Kontakte: ${p.perMailbox})` : ''}.`,
    'log-lines-lost': (p) => `${p.count} Protokollzeile(n) konnten nicht in diese Datei geschrieben werden (siehe Node-RED-Log)`,
    // Der Rückweg (Outlook → büro+).
    'way-back-baseline': (p) => `Rückweg: Ausgangsstand für ${p.mailbox} (${kindDe(p.kind)}) erfasst; in Outlook ab jetzt Geändertes kommt zu büro+ zurück.`,
    'way-back-start-over': (p) => `Rückweg: die Position in ${p.mailbox} (${kindDe(p.kind)}) ist nicht mehr gültig (${p.reason}); neu von vorn gelesen, nichts wird doppelt übernommen.`,
    'way-back-paused': (p) => `Rückweg für ${p.mailbox} (${kindDe(p.kind)}) angehalten: ein Abruf würde ${p.deletes} von ${p.synced} synchronisierten Elementen in büro+ löschen. Nichts wurde gelöscht; Postfach prüfen und den Rückweg fortsetzen, um die Löschungen zuzulassen.`,
    'way-back-resumed': (p) => `Rückweg für ${p.mailbox} vom Administrator fortgesetzt.`,
    'way-back-written': (p) => `Rückweg: ${kindDe(p.kind, true)} ${p.record}, in Outlook geändert (${p.mailbox}), in büro+ geschrieben: ${p.fields}.`,
    'way-back-changed-on-save': (p) => `Rückweg: büro+ hat beim Speichern ${p.fields} von ${p.record} geändert; Outlook erhält den Wert aus büro+.`,
    'way-back-created': (p) => `Rückweg: neu in Outlook (${p.mailbox}) „${p.subject}“ in büro+ als ${p.record} angelegt.`,
    'way-back-deleted': (p) => `Rückweg: ${kindDe(p.kind, true)} ${p.record}, in Outlook gelöscht (${p.mailbox}), in büro+ gelöscht.`,
    'way-back-conflict': (p) => `Rückweg: Konflikt bei ${p.record}, Feld ${p.field} in büro+ („${p.buero}“) und in Outlook („${p.outlook}“, ${p.mailbox}) geändert: ${p.winner === 'outlook' ? 'Outlook' : 'büro+'} gewinnt.`,
    'way-back-participant': (p) => `Rückweg: ${kindDe(p.kind, true)} ${p.record} in der Kopie eines Teilnehmers geändert (${p.mailbox}), nicht übernommen; die nächste Änderung aus büro+ überschreibt sie.`,
    'way-back-invitation': (p) => `Rückweg: Einladung „${p.subject}“, die ${p.mailbox} von jemand anderem erhalten hat, wird nicht in büro+ übernommen.`,
    'way-back-series-not-taken': (p) => `Rückweg: ${seriesWhat(String(p.what), 'de')} in ${p.mailbox}${p.record ? ` (${p.record})` : ''} nicht übernommen; die nächste Änderung aus büro+ gilt.`,
    'way-back-delete-not-taken': (p) => `Rückweg: ${kindDe(p.kind, true)} ${p.record}, in Outlook gelöscht (${p.mailbox}), in büro+ nicht gelöscht (${deleteWhy(String(p.why), 'de')}); es kommt mit der nächsten Änderung aus büro+ zurück.`,
    'way-back-gone': (p) => `Rückweg: ${p.record}, in Outlook geändert (${p.mailbox}), gibt es in büro+ nicht mehr; nicht übernommen.`,
  },
  noReason: 'kein Grund angegeben',
  noMessage: 'keine Meldung',
  reasons: {
    refused: 'der Server hat die Verbindung abgelehnt; läuft nicht oder falscher Port',
    dns: 'Hostname nicht gefunden (DNS)',
    timeout: 'keine Antwort in der erwarteten Zeit',
    reset: 'die Verbindung wurde abgebrochen',
    unreachable: 'Netz oder Host nicht erreichbar',
    tls: 'TLS-Zertifikat des Servers wird nicht anerkannt; eigene CA fehlt?',
    secret: 'Client Secret ungültig oder abgelaufen',
    app: 'Client ID im Mandanten nicht gefunden; App-Registrierung fehlt',
    tenant: 'Mandant (Tenant) nicht gefunden',
    signIn: 'Anmeldung abgelehnt; Benutzername, Passwort oder Token prüfen',
    denied: 'Zugriff verweigert; Berechtigung oder Recht zum Identitätswechsel fehlt',
    mailbox: 'Postfach existiert nicht',
    busy: 'Server ausgelastet, gedrosselt; wird wiederholt',
    unavailable: 'Server vorübergehend nicht verfügbar',
  },
};

export const catalogues: Record<Language, LogTexts> = { de, en };

export function isLanguage(value: unknown): value is Language {
  return value === 'de' || value === 'en';
}

/** The way back's kind in German: plural for a folder, singular with its article for an item. */
function kindDe(kind: unknown, item = false): string {
  if (kind === 'task') return item ? 'Aufgabe' : 'Aufgaben';
  return item ? 'Termin' : 'Termine';
}

/** What of a series the way back did not take (`pattern`, `moved:<dates>`, `new-series`). */
function seriesWhat(what: string, language: Language): string {
  const dates = what.startsWith('moved:') ? what.slice(6) : '';
  if (language === 'de') {
    if (what === 'pattern') return 'geändertes Serienmuster';
    if (what === 'new-series') return 'in Outlook angelegte Serie';
    return `verschobene Serientermine ${dates}`;
  }
  if (what === 'pattern') return 'changed series pattern';
  if (what === 'new-series') return 'series made in Outlook';
  return `moved occurrences ${dates}`;
}

/** Why a deletion in Outlook did not delete the büro+ entry. */
function deleteWhy(why: string, language: Language): string {
  const de: Record<string, string> = {
    participant: 'Kopie eines Teilnehmers', ignore: 'SYNC_OUTLOOK_DELETES=ignore', task: 'Aufgaben werden nicht aus Outlook gelöscht',
    ended: 'der Termin ist vorbei', 'changed-in-buero': 'in büro+ inzwischen geändert',
  };
  const en: Record<string, string> = {
    participant: "a participant's copy", ignore: 'SYNC_OUTLOOK_DELETES=ignore', task: 'tasks are not deleted from Outlook',
    ended: 'the appointment has ended', 'changed-in-buero': 'changed in büro+ meanwhile',
  };
  return (language === 'de' ? de : en)[why] ?? why;
}
