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
