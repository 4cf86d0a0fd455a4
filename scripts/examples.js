#!/usr/bin/env node
// Writes the two reference flows in examples/ (run after changing a node's settings):
//   buero-exchange-sync.json         büro+ changes → mapper → Exchange writer → sync log, and the
//                                    way back: Outlook changes → büro+ writer → the same sync log
//   buero-exchange-sync-notify.json  the same, plus a notification branch for sync errors
// Every endpoint and secret comes from an environment variable (README), so the same flow runs
// on the sandbox and on real servers, imported in the editor or copied as flows.json, and an
// exported flow carries no secret.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const { createHash } = require('node:crypto');

// Node ids as Node-RED makes them (16 hex digits), fixed per name so both flows share them. An id
// must never equal a type name: Node-RED would read the `type` property as a reference to itself.
const id = (name) => createHash('sha256').update(`buero-sync:${name}`).digest('hex').slice(0, 16);
const TAB = id('tab');

function comment(name, x, y, info) {
  return { id: id(`c-${name}`), type: 'comment', z: TAB, name, info, x, y, wires: [] };
}

function syncFlow({ notify }) {
  const log = id('log');
  const nodes = [
    { id: TAB, type: 'tab', label: notify ? 'büro+ → Exchange (mit Benachrichtigung)' : 'büro+ → Exchange', disabled: false, info: 'Reference flow of @buero-sync/node-red-exchange. / Referenz-Flow von @buero-sync/node-red-exchange.' },
    comment('1. büro+ changes / Änderungen', 170, 60,
      'Reads büro+ every SYNC_POLL_SECONDS (default 15 s) and emits each created, changed or deleted appointment, task and contact once. Its position in büro+ is saved only after the writer took a change, so nothing is lost across restarts.\n\n' +
      'Liest büro+ alle SYNC_POLL_SECONDS Sekunden (Standard 15) und gibt jeden angelegten, geänderten oder gelöschten Termin, jede Aufgabe und jeden Kontakt einmal aus. Die Position in büro+ wird erst gespeichert, wenn der Schreiber die Änderung übernommen hat – nach einem Neustart fehlt nichts.\n\n' +
      'Extend / Erweitern: a Switch node between the change source and the mapper can filter changes; a change dropped on purpose must be acknowledged with `{ command: "ack", ack: msg.ack }` sent back into the change source (see its help).'),
    comment('2. map / zuordnen', 420, 60,
      'Turns each büro+ record into one Exchange item per mailbox: time zone (SYNC_TIMEZONE), info texts as HTML or text (SYNC_BODY_FORMAT), "Informationen nicht hinterlegen" (SYNC_KEEP_INFO).\n\n' +
      'Macht aus jedem büro+-Datensatz ein Exchange-Element je Postfach: Zeitzone (SYNC_TIMEZONE), Infotexte als HTML oder Text (SYNC_BODY_FORMAT), „Informationen nicht hinterlegen“ (SYNC_KEEP_INFO).\n\n' +
      'Extend / Erweitern: a Change node after the mapper can adjust any field (msg.payload.item) before it is written.'),
    comment('3. write to Exchange / schreiben', 680, 60,
      'Writes into each user\'s mailbox (impersonation), in batches, with retries; each büro+ record exists once per mailbox.\n\nSchreibt per Identitätswechsel in das Postfach jedes Benutzers, gebündelt und mit Wiederholungen; jeder büro+-Datensatz existiert je Postfach genau einmal.'),
    comment('4. sync log / Protokoll', 930, 60,
      'Writes ExchangeSync.log (SYNC_LOG_FILE; SYNC_LOG_TRANSFERS=true logs every transfer) and passes each logged event on: wire its output to a notification.\n\nSchreibt ExchangeSync.log (SYNC_LOG_FILE; SYNC_LOG_TRANSFERS=true protokolliert jede Übertragung) und gibt jedes Ereignis weiter: Ausgang z. B. mit einer Benachrichtigung verbinden.'),
    comment('Errors and status → log / Fehler und Status → Protokoll', 690, 320,
      'The Catch node hands every error of the flow (a bad record, a failed write) to the sync log; the Status node reports outages and reconnects. A bad record never stops the others.\n\nDer Catch-Node gibt jeden Fehler des Flows (fehlerhafter Datensatz, fehlgeschlagenes Schreiben) an das Protokoll; der Status-Node meldet Ausfälle und Wiederverbindungen. Ein fehlerhafter Datensatz hält die anderen nie auf.'),
    {
      id: id('changes'), type: 'buero-changes', z: TAB, name: '', version: 1, connection: id('buero-connection'),
      appointments: true, tasks: true, contacts: true, interval: '${SYNC_POLL_SECONDS}', autoSync: true,
      contactTarget: 'users', contactMailboxes: '', deletionEvery: 4, pageSize: 500,
      x: 170, y: 120, wires: [[id('map')], [log]],
    },
    {
      id: id('map'), type: 'buero-map', z: TAB, name: '', version: 1, timeZone: '${SYNC_TIMEZONE}',
      bodyFormat: 'SYNC_BODY_FORMAT', bodyFormatType: 'env', keepInfo: 'SYNC_KEEP_INFO', keepInfoType: 'env',
      category: 'büro+', companyContacts: 'true', companyContactsType: 'bool', reminderDefault: '',
      placeholderSubject: '(ohne Betreff)', freeBusy: 'busy', freeBusyType: 'freeBusy', fields: '{}', overrides: [],
      x: 420, y: 120, wires: [[id('writer')], [log]],
    },
    {
      id: id('writer'), type: 'buero-exchange-writer', z: TAB, name: '', version: 1, connection: id('exchange-connection'),
      contactsFolder: '', onItemNotFound: 'recreate', batchSize: 50, flushDelay: 200, maxConcurrent: 8, maxConcurrentPerMailbox: 8, stateFile: '',
      x: 680, y: 120, wires: [[log], [log]],
    },
    comment('Way back: Outlook changes / Rückweg: Outlook-Änderungen', 210, 400,
      'The way back (SYNC_TWO_WAY, default true; false switches this lane off): reads every synced mailbox every SYNC_EXCHANGE_POLL_SECONDS (default 60 s) and emits what users changed in Outlook – appointments and tasks, never info texts, attendees or attachments. A poll that would delete more than 20 % of a mailbox\'s items pauses that mailbox: resume it in this node\'s dialog or with { topic: "resume", payload: "<mailbox>" }. Switch off the büro+ server\'s own Exchange sync first: two two-way syncs on one mailbox fight.\n\n' +
      'Der Rückweg (SYNC_TWO_WAY, Standard true; false schaltet diesen Weg ab): liest jedes synchronisierte Postfach alle SYNC_EXCHANGE_POLL_SECONDS Sekunden (Standard 60) und gibt aus, was Benutzer in Outlook geändert haben – Termine und Aufgaben, nie Infotexte, Teilnehmer oder Anlagen. Würde eine Abfrage mehr als 20 % der Einträge eines Postfachs löschen, hält es an: im Dialog dieses Nodes oder mit { topic: "resume", payload: "<Postfach>" } fortsetzen. Vorher den Exchange-Abgleich des büro+-Servers abschalten: zwei beidseitige Abgleiche auf einem Postfach arbeiten gegeneinander.'),
    comment('Way back: write to büro+ / Rückweg: in büro+ schreiben', 510, 400,
      'Writes each Outlook change into büro+: one mutation per item, read back; what it wrote never goes out to Exchange again (no echo). New items made in Outlook: SYNC_OUTLOOK_NEW (all, category with SYNC_OUTLOOK_CATEGORY, off); deletions: SYNC_OUTLOOK_DELETES (delete, ignore). Both sides changed: merged field by field, the same field from büro+ (SYNC_CONFLICT=buero, default) or Outlook (outlook). Times in SYNC_TIMEZONE. A change büro+ refuses is one error naming mailbox, item and field (Catch → sync log); the others go on.\n\n' +
      'Schreibt jede Outlook-Änderung nach büro+: eine Mutation je Eintrag, zurückgelesen; was er schrieb, geht nie wieder nach Exchange (kein Echo). Neu in Outlook: SYNC_OUTLOOK_NEW (all, category mit SYNC_OUTLOOK_CATEGORY, off); Löschungen: SYNC_OUTLOOK_DELETES (delete, ignore). Beide Seiten geändert: Feld für Feld zusammengeführt, dasselbe Feld aus büro+ (SYNC_CONFLICT=buero, Standard) oder Outlook (outlook). Zeiten in SYNC_TIMEZONE. Eine Änderung, die büro+ ablehnt, ist ein Fehler mit Postfach, Eintrag und Feld (Catch → Protokoll); die übrigen gehen weiter.'),
    {
      id: id('outlook-changes'), type: 'buero-outlook-changes', z: TAB, name: '', version: 1,
      exchange: id('exchange-connection'), connection: id('buero-connection'), appointments: true, tasks: true,
      twoWay: 'SYNC_TWO_WAY', twoWayType: 'env', interval: 'SYNC_EXCHANGE_POLL_SECONDS', intervalType: 'env',
      x: 190, y: 460, wires: [[id('buero-writer')], [log]],
    },
    {
      id: id('buero-writer'), type: 'buero-writer', z: TAB, name: '', version: 1,
      connection: id('buero-connection'), exchange: id('exchange-connection'), timeZone: '${SYNC_TIMEZONE}',
      twoWay: 'SYNC_TWO_WAY', twoWayType: 'env', outlookNew: 'SYNC_OUTLOOK_NEW', outlookNewType: 'env',
      category: 'SYNC_OUTLOOK_CATEGORY', categoryType: 'env', deletes: 'SYNC_OUTLOOK_DELETES', deletesType: 'env',
      conflict: 'SYNC_CONFLICT', conflictType: 'env',
      x: 470, y: 460, wires: [[], [log]],
    },
    {
      id: log, type: 'buero-sync-log', z: TAB, name: '', version: 1, file: '${SYNC_LOG_FILE}', maxSize: '10', files: '5',
      language: 'de', languageType: 'lang', transfers: 'SYNC_LOG_TRANSFERS', transfersType: 'env', forward: 'false', forwardType: 'bool',
      x: 930, y: 120, wires: [notify ? [id('only-errors')] : []],
    },
    // Scoped to the sync's own nodes: an error of an extension (say, a webhook that is down) must
    // not loop back into the notification branch.
    { id: id('catch'), type: 'catch', z: TAB, name: 'sync errors / Sync-Fehler', scope: [id('changes'), id('map'), id('writer'), log, id('outlook-changes'), id('buero-writer')], uncaught: false, x: 690, y: 200, wires: [[log]] },
    { id: id('status'), type: 'status', z: TAB, name: 'sync status', scope: [id('changes'), id('map'), id('writer'), id('outlook-changes'), id('buero-writer')], x: 690, y: 260, wires: [[log]] },
    {
      id: id('buero-connection'), type: 'buero-connection', name: 'büro+', version: 2, endpoint: '${BUERO_URL}', mandant: '${BUERO_MANDANT}',
      caFile: '${BUERO_CA_FILE}', auth: '${BUERO_AUTH}', authorizationUrl: '', tokenUrl: '', scope: '', stateFile: 'buero-sync.sqlite', fields: {},
      // Secrets by the name of their variable, not as credentials: Node-RED reads credentials only
      // from a deploy, so a flows.json copied onto a server carries names and nothing else.
      clientIdEnv: 'BUERO_CLIENT_ID', clientSecretEnv: 'BUERO_CLIENT_SECRET', staticTokenEnv: 'BUERO_TOKEN',
    },
    {
      id: id('exchange-connection'), type: 'buero-exchange-connection', name: 'Exchange', version: 2, deployment: '${EXCHANGE_DEPLOYMENT}',
      host: '${EXCHANGE_URL}', auth: '${EXCHANGE_AUTH}', user: '${EXCHANGE_USER}', tenant: '${EXCHANGE_TENANT}', clientId: '${EXCHANGE_CLIENT_ID}',
      authorityHost: '${EXCHANGE_AUTHORITY}', ewsUrl: '${EXCHANGE_URL}', api: '${EXCHANGE_API}', graphUrl: '${EXCHANGE_GRAPH_URL}', caFile: '${EXCHANGE_CA_FILE}', exchangeVersion: 'Exchange2016', timeZone: '${SYNC_TIMEZONE}',
      passwordEnv: 'EXCHANGE_PASSWORD', clientSecretEnv: 'EXCHANGE_CLIENT_SECRET',
    },
  ];
  if (notify) {
    nodes.push(
      comment('5. notify on errors / bei Fehlern benachrichtigen', 1010, 200,
        'Sends each logged error (connection failed, a record that could not be written) and each Exchange outage (begin and end) to a webhook, e.g. a Microsoft Teams "Incoming Webhook" or any chat/ticket system: set NOTIFY_WEBHOOK_URL. The delay node sends at most one message per 10 seconds and drops the rest (they are all in the sync log).\n\n' +
        'Sendet jeden protokollierten Fehler (Verbindung fehlgeschlagen, nicht schreibbarer Datensatz) und jeden Exchange-Ausfall (Beginn und Ende) an einen Webhook, z. B. einen Microsoft-Teams-„Eingehenden Webhook“: NOTIFY_WEBHOOK_URL setzen. Der Delay-Node sendet höchstens eine Nachricht je 10 Sekunden und verwirft die übrigen (sie stehen alle im Protokoll).'),
      {
        // Errors and Exchange outages (begin and end); not the status lines that echo an error.
        id: id('only-errors'), type: 'switch', z: TAB, name: 'errors, outages / Fehler, Ausfälle',
        property: "level = 'error' or payload.type = 'outage'", propertyType: 'jsonata',
        rules: [{ t: 'true' }], checkall: 'false', repair: false, outputs: 1,
        x: 1000, y: 260, wires: [[id('rate')]],
      },
      {
        id: id('rate'), type: 'delay', z: TAB, name: '', pauseType: 'rate', timeout: '5', timeoutUnits: 'seconds', rate: '1', nbRateUnits: '10',
        rateUnits: 'second', randomFirst: '1', randomLast: '5', randomUnits: 'seconds', drop: true, allowrate: false, outputs: 1,
        x: 1000, y: 320, wires: [[id('message')]],
      },
      {
        id: id('message'), type: 'change', z: TAB, name: 'Teams message', rules: [
          { t: 'set', p: 'payload', pt: 'msg', to: '{"text": "büro+ → Exchange: " & line}', tot: 'jsonata' },
          { t: 'set', p: 'url', pt: 'msg', to: 'NOTIFY_WEBHOOK_URL', tot: 'env' },
        ], x: 1010, y: 380, wires: [[id('webhook')]],
      },
      {
        id: id('webhook'), type: 'http request', z: TAB, name: 'webhook', method: 'POST', ret: 'txt', paytoqs: 'ignore', url: '', tls: '',
        persist: false, proxy: '', insecureHTTPParser: false, authType: '', senderr: false, headers: [], x: 1010, y: 440, wires: [[]],
      },
    );
  }
  return nodes;
}

const dir = path.resolve(__dirname, '../examples');
fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync(path.join(dir, 'buero-exchange-sync.json'), JSON.stringify(syncFlow({ notify: false }), null, 2) + '\n');
fs.writeFileSync(path.join(dir, 'buero-exchange-sync-notify.json'), JSON.stringify(syncFlow({ notify: true }), null, 2) + '\n');
console.log('examples: written');
