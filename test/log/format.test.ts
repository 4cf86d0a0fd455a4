import assert from 'node:assert/strict';
import type { SyncEvent } from '../../lib/log/events';
import { formatDuration, formatLine, formatTimestamp, levelOf, MAX_TEXT, oneLine } from '../../lib/log/format';
import { BueroCode, ExchangeCode } from '../../lib/error-codes';
import { plainReason } from '../../lib/log/reasons';

const T = '2026-11-27T21:15:03.120Z'; // 22:15:03.120 in Berlin (winter, +01:00)
const EWS = 'https://mail.firma.local/EWS/Exchange.asmx';
const GQL = 'https://buero.firma.local:8443/graphql';

describe('log format: one line per event', function () {
  let savedTz: string | undefined;
  before(function () {
    savedTz = process.env.TZ;
    process.env.TZ = 'Europe/Berlin';
  });
  after(function () {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  });

  describe('timestamp: local time with its offset', function () {
    const cases: Array<[string, string | undefined, string]> = [
      // [instant, zone (undefined = process TZ, pinned to Europe/Berlin), expected]
      [T, undefined, '2026-11-27 22:15:03.120 +01:00'],
      ['2026-07-01T10:00:00.005Z', undefined, '2026-07-01 12:00:00.005 +02:00'],
      // DST begins 2026-03-29 at 01:00 UTC: 02:00 local does not exist.
      ['2026-03-29T00:59:59.999Z', undefined, '2026-03-29 01:59:59.999 +01:00'],
      ['2026-03-29T01:00:00.000Z', undefined, '2026-03-29 03:00:00.000 +02:00'],
      // DST ends 2026-10-25 at 01:00 UTC: 02:30 local happens twice, the offset tells which.
      ['2026-10-25T00:30:00.000Z', undefined, '2026-10-25 02:30:00.000 +02:00'],
      ['2026-10-25T01:30:00.000Z', undefined, '2026-10-25 02:30:00.000 +01:00'],
      // An explicit zone gives the same text as the process zone …
      ['2026-10-25T00:30:00.000Z', 'Europe/Berlin', '2026-10-25 02:30:00.000 +02:00'],
      ['2026-10-25T01:30:00.000Z', 'Europe/Berlin', '2026-10-25 02:30:00.000 +01:00'],
      // … and other zones: zero, half-hour and negative offsets, date change.
      [T, 'UTC', '2026-11-27 21:15:03.120 +00:00'],
      [T, 'Asia/Kolkata', '2026-11-28 02:45:03.120 +05:30'],
      [T, 'America/St_Johns', '2026-11-27 17:45:03.120 -03:30'],
    ];
    for (const [instant, zone, expected] of cases) {
      it(`${instant} in ${zone ?? 'TZ=Europe/Berlin'} → ${expected}`, function () {
        assert.equal(formatTimestamp(new Date(instant), zone), expected);
      });
    }

    it('follows the process zone when TZ changes', function () {
      process.env.TZ = 'America/New_York';
      try {
        assert.equal(formatTimestamp(new Date(T)), '2026-11-27 16:15:03.120 -05:00');
      } finally {
        process.env.TZ = 'Europe/Berlin';
      }
    });
  });

  describe('lines in German and English', function () {
    const cases: Array<{ event: SyncEvent; de: string; en: string }> = [
      {
        event: { type: 'connection', system: 'exchange', ok: true, endpoint: EWS, mailbox: 'anna@firma.de', time: T },
        de: `2026-11-27 22:15:03.120 +01:00 INFO  Verbindung zu Exchange ${EWS} hergestellt, Postfach anna@firma.de`,
        en: `2026-11-27 22:15:03.120 +01:00 INFO  Connected to Exchange ${EWS}, mailbox anna@firma.de`,
      },
      {
        event: { type: 'connection', system: 'buero', ok: true, endpoint: GQL, time: T },
        de: `2026-11-27 22:15:03.120 +01:00 INFO  Verbindung zu büro+ ${GQL} hergestellt`,
        en: `2026-11-27 22:15:03.120 +01:00 INFO  Connected to büro+ ${GQL}`,
      },
      {
        event: {
          type: 'connection',
          system: 'exchange',
          ok: false,
          endpoint: EWS,
          mailbox: 'anna@firma.de',
          reason: 'The request failed. The remote server returned an error: (401) Unauthorized.',
          time: T,
        },
        de:
          `2026-11-27 22:15:03.120 +01:00 ERROR Verbindung zu Exchange ${EWS} fehlgeschlagen, Postfach anna@firma.de: ` +
          'Anmeldung abgelehnt; Benutzername, Passwort oder Token prüfen (The request failed. The remote server returned an error: (401) Unauthorized.)',
        en:
          `2026-11-27 22:15:03.120 +01:00 ERROR Connection to Exchange ${EWS} failed, mailbox anna@firma.de: ` +
          'sign-in rejected; check user name, password or token (The request failed. The remote server returned an error: (401) Unauthorized.)',
      },
      {
        event: { type: 'connection', system: 'buero', ok: false, endpoint: GQL, time: T },
        de: `2026-11-27 22:15:03.120 +01:00 ERROR Verbindung zu büro+ ${GQL} fehlgeschlagen: kein Grund angegeben`,
        en: `2026-11-27 22:15:03.120 +01:00 ERROR Connection to büro+ ${GQL} failed: no reason given`,
      },
      {
        event: { type: 'outage', system: 'buero', phase: 'begin', endpoint: GQL, reason: 'connect ECONNREFUSED 10.0.0.5:8443', time: T },
        de:
          `2026-11-27 22:15:03.120 +01:00 WARN  Ausfall: büro+ ${GQL} nicht erreichbar: ` +
          'der Server hat die Verbindung abgelehnt; läuft nicht oder falscher Port (connect ECONNREFUSED 10.0.0.5:8443)',
        en:
          `2026-11-27 22:15:03.120 +01:00 WARN  Outage: büro+ ${GQL} unreachable: ` +
          'the server refused the connection; not running or wrong port (connect ECONNREFUSED 10.0.0.5:8443)',
      },
      {
        event: { type: 'outage', system: 'exchange', phase: 'end', endpoint: EWS, mailbox: 'bob@firma.de', since: '2026-11-27T19:02:00.000Z', time: T },
        de: `2026-11-27 22:15:03.120 +01:00 INFO  Ausfall beendet: Exchange ${EWS}, Postfach bob@firma.de wieder erreichbar nach 2 h 13 min`,
        en: `2026-11-27 22:15:03.120 +01:00 INFO  Outage over: Exchange ${EWS}, mailbox bob@firma.de reachable again after 2 h 13 min`,
      },
      {
        event: { type: 'outage', system: 'buero', phase: 'end', endpoint: GQL, time: T },
        de: `2026-11-27 22:15:03.120 +01:00 INFO  Ausfall beendet: büro+ ${GQL} wieder erreichbar`,
        en: `2026-11-27 22:15:03.120 +01:00 INFO  Outage over: büro+ ${GQL} reachable again`,
      },
      {
        event: {
          type: 'error',
          code: 'MAP_INVALID_DATE',
          record: 'tblCalendar 4711',
          field: 'fldBeginn',
          reason: 'Beginn "31.02.2026" ist kein Datum',
          source: '"büro+ mapper" (buero-map)',
          time: T,
        },
        de:
          '2026-11-27 22:15:03.120 +01:00 ERROR Fehler MAP_INVALID_DATE, Datensatz tblCalendar 4711, Feld fldBeginn: ' +
          'Beginn "31.02.2026" ist kein Datum [Knoten "büro+ mapper" (buero-map)]',
        en:
          '2026-11-27 22:15:03.120 +01:00 ERROR Error MAP_INVALID_DATE, record tblCalendar 4711, field fldBeginn: ' +
          'Beginn "31.02.2026" ist kein Datum [node "büro+ mapper" (buero-map)]',
      },
      {
        event: { type: 'error', code: 'NODE_ERROR', reason: '', time: T },
        de: '2026-11-27 22:15:03.120 +01:00 ERROR Fehler NODE_ERROR: keine Meldung',
        en: '2026-11-27 22:15:03.120 +01:00 ERROR Error NODE_ERROR: no message',
      },
      {
        event: {
          type: 'transfer',
          action: 'created',
          kind: 'appointment',
          mailbox: 'anna@firma.de',
          key: '1:tblCalendar:4711',
          version: '7',
          itemId: 'AAMkAGI2TG93AAA=',
          durationMs: 120,
          time: T,
        },
        de: '2026-11-27 22:15:03.120 +01:00 INFO  Übertragung: Termin angelegt, Postfach anna@firma.de, Schlüssel 1:tblCalendar:4711 (Version 7, 120 ms)',
        en: '2026-11-27 22:15:03.120 +01:00 INFO  Transfer: appointment created, mailbox anna@firma.de, key 1:tblCalendar:4711 (version 7, 120 ms)',
      },
      {
        event: { type: 'transfer', action: 'deleted', kind: 'contact', mailbox: 'kontakte@firma.de', key: '1:tblContactPeople:88', time: T },
        de: '2026-11-27 22:15:03.120 +01:00 INFO  Übertragung: Kontakt gelöscht, Postfach kontakte@firma.de, Schlüssel 1:tblContactPeople:88',
        en: '2026-11-27 22:15:03.120 +01:00 INFO  Transfer: contact deleted, mailbox kontakte@firma.de, key 1:tblContactPeople:88',
      },
      {
        event: { type: 'transfer', action: 'updated', kind: 'task', mailbox: 'bob@firma.de', key: '1:tblCalendar:9', durationMs: 2500, time: T },
        de: '2026-11-27 22:15:03.120 +01:00 INFO  Übertragung: Aufgabe geändert, Postfach bob@firma.de, Schlüssel 1:tblCalendar:9 (3 s)',
        en: '2026-11-27 22:15:03.120 +01:00 INFO  Transfer: task updated, mailbox bob@firma.de, key 1:tblCalendar:9 (3 s)',
      },
      {
        event: { type: 'info', code: 'baseline', text: 'Baseline recorded at change 18231', time: T },
        de: '2026-11-27 22:15:03.120 +01:00 INFO  Baseline recorded at change 18231 (baseline)',
        en: '2026-11-27 22:15:03.120 +01:00 INFO  Baseline recorded at change 18231 (baseline)',
      },
      {
        event: {
          type: 'info', code: 'baseline', text: 'Baseline recorded for tblCalendar: 120 existing records up to LSN 1764; they are emitted when they change.',
          params: { table: 'tblCalendar', count: 120, lsn: '1764' }, time: T,
        },
        de: '2026-11-27 22:15:03.120 +01:00 INFO  Ausgangsstand für tblCalendar erfasst: 120 vorhandene Datensätze bis LSN 1764; sie werden übertragen, sobald sie sich ändern. (baseline)',
        en: '2026-11-27 22:15:03.120 +01:00 INFO  Baseline recorded for tblCalendar: 120 existing records up to LSN 1764; they are emitted when they change. (baseline)',
      },
      {
        event: { type: 'info', code: 'user-mailbox-changed', text: 'x', params: { user: 'aschaefer', mailbox: 'anna@firma.de', before: 'a.schaefer@firma.de' }, time: T },
        de: '2026-11-27 22:15:03.120 +01:00 INFO  büro+-Benutzer aschaefer wird jetzt in anna@firma.de synchronisiert (bisher a.schaefer@firma.de). (user-mailbox-changed)',
        en: '2026-11-27 22:15:03.120 +01:00 INFO  büro+ user aschaefer now syncs to anna@firma.de (was a.schaefer@firma.de). (user-mailbox-changed)',
      },
      {
        event: { type: 'info', code: 'backfill', text: 'x', params: { appointments: 3, tasks: 1, contacts: 2, perMailbox: 'anna@firma.de: 3/1/2' }, time: T },
        de: '2026-11-27 22:15:03.120 +01:00 INFO  Nachsynchronisation: 3 Termine, 1 Aufgaben, 2 Kontakte ausgegeben (je Postfach Termine/Aufgaben/Kontakte: anna@firma.de: 3/1/2). (backfill)',
        en: '2026-11-27 22:15:03.120 +01:00 INFO  Backfill emitted 3 appointments, 1 tasks, 2 contacts (per mailbox appointments/tasks/contacts: anna@firma.de: 3/1/2). (backfill)',
      },
      {
        // As the change source sends it: code and values, no text of its own.
        event: { type: 'info', code: 'users-synced', params: { count: 2, users: 'aschaefer (anna@firma.de), bmeyer (bob@firma.de)' }, time: T },
        de: '2026-11-27 22:15:03.120 +01:00 INFO  2 büro+-Benutzer werden synchronisiert: aschaefer (anna@firma.de), bmeyer (bob@firma.de) (users-synced)',
        en: '2026-11-27 22:15:03.120 +01:00 INFO  2 büro+ users synced: aschaefer (anna@firma.de), bmeyer (bob@firma.de) (users-synced)',
      },
      {
        event: { type: 'info', code: 'node-status', text: 'büro+ nicht erreichbar', source: '"büro+ changes" (buero-changes)', level: 'warn', time: T },
        de: '2026-11-27 22:15:03.120 +01:00 WARN  Status "büro+ changes" (buero-changes): büro+ nicht erreichbar',
        en: '2026-11-27 22:15:03.120 +01:00 WARN  Status "büro+ changes" (buero-changes): büro+ nicht erreichbar',
      },
    ];
    for (const { event, de, en } of cases) {
      it(en.slice(31, 110), function () {
        assert.equal(formatLine(event, { language: 'de' }), de);
        assert.equal(formatLine(event, { language: 'en' }), en);
      });
    }
  });

  it('levels: failed connection and error are ERROR, outage begin WARN, the rest INFO', function () {
    const base = { endpoint: EWS, time: T };
    assert.equal(levelOf({ type: 'connection', system: 'exchange', ok: false, ...base }), 'error');
    assert.equal(levelOf({ type: 'connection', system: 'exchange', ok: true, ...base }), 'info');
    assert.equal(levelOf({ type: 'outage', system: 'exchange', phase: 'begin', ...base }), 'warn');
    assert.equal(levelOf({ type: 'outage', system: 'exchange', phase: 'end', ...base }), 'info');
    assert.equal(levelOf({ type: 'info', code: 'x', text: 'y', time: T }), 'info');
  });

  it('keeps one event on one line and cuts endless texts', function () {
    const soap = '<?xml version="1.0"?>\r\n<s:Envelope>\n  <s:Body>\n\t<s:Fault/>\n  </s:Body>\n</s:Envelope>';
    assert.equal(oneLine(soap), '<?xml version="1.0"?> | <s:Envelope> | <s:Body> | <s:Fault/> | </s:Body> | </s:Envelope>');
    const line = formatLine({ type: 'error', code: 'EWS_FAULT', reason: `x${'y'.repeat(5000)}\nz`, time: T }, { language: 'en' });
    assert.ok(!line.includes('\n'));
    assert.ok(line.length < MAX_TEXT + 100, `line has ${line.length} characters`);
    assert.match(line, /… \(\+\d+\)$/);
  });

  it('durations read like a person says them', function () {
    assert.deepEqual(
      [850, 42_000, 725_000, 3_600_000, 11_040_000, 183_600_000].map(formatDuration),
      ['850 ms', '42 s', '12 min 5 s', '1 h', '3 h 4 min', '2 d 3 h'],
    );
  });

  it('puts plain words in front of library failure codes', function () {
    const table: Array<[string, string]> = [
      ['getaddrinfo ENOTFOUND mail.firma.local', 'host name not found (DNS)'],
      ['connect ETIMEDOUT 10.0.0.5:443', 'no answer in time'],
      ['socket hang up', 'the connection was dropped'],
      ['self-signed certificate in certificate chain', "the server's TLS certificate is not trusted; custom CA missing?"],
      ['AADSTS7000215: Invalid client secret provided.', 'client secret invalid or expired'],
      ['AADSTS700016: Application with identifier \'abc\' was not found in the directory', 'client ID not found in the tenant; app registration missing'],
      ['AADSTS90002: Tenant \'firma.onmicrosoft.com\' not found.', 'tenant not found'],
      ['ErrorImpersonateUserDenied: The account does not have permission to impersonate the requested user.', 'access denied; permission or impersonation right missing'],
      ['ErrorNonExistentMailbox: No mailbox with such guid.', 'mailbox does not exist'],
      ['ErrorServerBusy: The server cannot service this request right now.', 'server busy, throttled; will retry'],
      ['Request failed with status code 503', 'server temporarily unavailable'],
    ];
    for (const [raw, words] of table) assert.equal(plainReason(raw, 'en'), `${words} (${raw})`);
    assert.equal(plainReason('getaddrinfo ENOTFOUND x', 'de'), 'Hostname nicht gefunden (DNS) (getaddrinfo ENOTFOUND x)');
    assert.equal(plainReason('Mandant 7 ist gesperrt', 'de'), 'Mandant 7 ist gesperrt');
  });

  it("an event's error code decides the plain words; its text may only narrow them down", function () {
    const table: Array<[string, string, string | undefined]> = [
      // [code, text, plain words (undefined: the text stands alone)]
      [ExchangeCode.serverBusy, 'Exchange Online is throttling this mailbox and asks to wait', 'server busy, throttled; will retry'],
      [ExchangeCode.unavailable, 'mail.firma.local does not answer (ECONNREFUSED).', 'the server refused the connection; not running or wrong port'],
      [ExchangeCode.unavailable, 'Exchange at mail.firma.local failed (HTTP 500).', 'server temporarily unavailable'],
      [ExchangeCode.dns, 'The host name mail.firma.local cannot be resolved (DNS, EAI_FAIL).', 'host name not found (DNS)'],
      [ExchangeCode.tls, 'The TLS certificate of mail.firma.local is not trusted (ERR_SSL_WRONG_VERSION_NUMBER).', "the server's TLS certificate is not trusted; custom CA missing?"],
      [ExchangeCode.impersonation, 'Access to the mailbox was denied [ErrorAccessDenied]', 'access denied; permission or impersonation right missing'],
      [ExchangeCode.auth, "The client secret is wrong. Enter the secret's value (not its ID) from the app registration (AADSTS7000215).", 'client secret invalid or expired'],
      // A mailbox being moved is no missing mailbox; a sign-in text that mentions a timeout is no timeout.
      [ExchangeCode.mailbox, 'The mailbox is not available right now [ErrorMailboxMoveInProgress]', undefined],
      [ExchangeCode.auth, 'Could not get a token from Entra ID: the request timed out', undefined],
      [BueroCode.unreachable, 'büro+ at buero.firma.local:8443 cannot be reached: connect ECONNREFUSED 10.0.0.5:8443', 'the server refused the connection; not running or wrong port'],
      [BueroCode.unreachable, 'büro+ at buero.firma.local:8443 cannot be reached: read EHOSTDOWN', 'network or host unreachable'],
      [BueroCode.unavailable, 'büro+ at buero.firma.local:8443 answered HTTP 500.', 'server temporarily unavailable'],
      [BueroCode.auth, 'büro+ at buero.firma.local:8443 refused the access token (HTTP 401). Re-connect to büro+ or check the token.', 'sign-in rejected; check user name, password or token'],
      [BueroCode.forbidden, 'büro+ at buero.firma.local:8443 refused access (HTTP 403): the büro+ user needs "Zugriff über GraphQL erlaubt".', 'access denied; permission or impersonation right missing'],
      // A code that names no cause leaves it to the text.
      [BueroCode.mandantMismatch, 'büro+ at buero.firma.local:8443 serves Mandant 2, but the büro+ connection is set to Mandant 1', undefined],
      [BueroCode.protocol, 'büro+ at buero.firma.local:8443 answered HTTP 502 without GraphQL JSON', 'server temporarily unavailable'],
    ];
    for (const [code, raw, words] of table) assert.equal(plainReason(raw, 'en', code), words ? `${words} (${raw})` : raw, `${code}: ${raw}`);
    const outage: SyncEvent = { type: 'outage', system: 'exchange', phase: 'begin', endpoint: EWS, reason: 'Exchange at mail.firma.local failed (HTTP 500).', code: ExchangeCode.unavailable, time: T };
    assert.equal(
      formatLine(outage, { language: 'de' }),
      `2026-11-27 22:15:03.120 +01:00 WARN  Ausfall: Exchange ${EWS} nicht erreichbar: Server vorübergehend nicht verfügbar (Exchange at mail.firma.local failed (HTTP 500).)`,
    );
  });
});
