/** HTML for people: the OAuth login page and the data page at `/` (shows büro+ data, changes it through the same mutations). */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}table{border-collapse:collapse;font-size:.85rem;margin-bottom:1rem}
td,th{border:1px solid #ccc;padding:.2rem .4rem;text-align:left;vertical-align:top;max-width:28rem;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
th{background:#eef}tr.pick:hover{background:#ffd;cursor:pointer}fieldset{margin-bottom:1rem}label{display:inline-block;margin:.2rem .6rem .2rem 0}
.err{color:#b00}.ok{color:#060}pre{background:#f6f6f6;padding:.5rem;max-height:12rem;overflow:auto}`;

export function loginPage(params: URLSearchParams, clientId: string, logins: string[], error?: string): string {
  const hidden = [...params.entries()]
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('\n');
  return `<!doctype html><html lang="de"><head><meta charset="utf-8"><title>büro+ Anmeldung</title><style>${STYLE}</style></head>
<body><h1>büro+ – Anmeldung / Sign in</h1>
<p>Die Anwendung <b>${escapeHtml(clientId)}</b> möchte auf büro+ zugreifen. / The application <b>${escapeHtml(clientId)}</b> asks for access to büro+.</p>
${error ? `<p class="err" id="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/oauth/authorize">
${hidden}
<label>Benutzer / User <input name="username" id="username" list="logins" autocomplete="username" required></label>
<datalist id="logins">${logins.map((l) => `<option value="${escapeHtml(l)}">`).join('')}</datalist>
<label>Passwort / Password <input name="password" id="password" type="password" autocomplete="current-password" required></label>
<p><button type="submit" name="action" value="approve" id="approve">Anmelden und zulassen / Sign in and allow</button>
<button type="submit" name="action" value="deny" id="deny" formnovalidate>Ablehnen / Deny</button></p>
<p><small>Simulator: every user of tblUsers, password <code>demo</code>.</small></p>
</form></body></html>`;
}

export function errorPage(message: string): string {
  return `<!doctype html><html lang="de"><head><meta charset="utf-8"><title>büro+ Fehler</title><style>${STYLE}</style></head>
<body><h1>büro+ – Fehler / Error</h1><p class="err">${escapeHtml(message)}</p></body></html>`;
}

/** The data page; `token` is a page-only bearer token so its script can call /graphql. */
export function dataPage(mandant: number, token: string): string {
  return `<!doctype html><html lang="de"><head><meta charset="utf-8"><title>büro+ Simulator – Mandant ${mandant}</title><style>${STYLE}</style></head>
<body><h1>büro+ Simulator – Mandant <span id="mandant">${mandant}</span></h1>
<p>Daten dieses Mandanten (je Liste die ersten 200 nach fldID). Änderungen laufen über dieselben GraphQL-Mutationen wie bei einem echten büro+.
Click a row to load it into the form.</p>
<p id="status"></p>

<fieldset><legend>Termin / Aufgabe / Wiedervorlage</legend>
<label>Art <select id="c-art"><option>Termin</option><option>Aufgabe</option><option>Wiedervorlage</option></select></label>
<label>fldID <input id="c-id" size="6"></label>
<label>Benutzer (fldBzrNr) <input id="c-bzr" size="4" value="1"></label>
<label>Betreff <input id="c-subject" size="40"></label>
<label>Ort <input id="c-ort" size="20"></label><br>
<label>Beginn <input id="c-beginn" type="datetime-local" step="60"></label>
<label>Ende <input id="c-ende" type="datetime-local" step="60"></label>
<label><input id="c-ganztg" type="checkbox"> ganztägig</label>
<label><input id="c-erledigt" type="checkbox"> erledigt</label>
<label>Teilnehmer <input id="c-teilnehmer" size="10" placeholder="2;3"></label>
<label>Serie (RRULE) <input id="c-serie" size="28" placeholder="FREQ=WEEKLY;BYDAY=MO"></label><br>
<label>Information <textarea id="c-info" rows="2" cols="70"></textarea></label><br>
<button id="c-new">Neu anlegen / Create</button> <button id="c-change">Ändern / Change</button> <button id="c-delete">Löschen / Delete</button>
</fieldset>

<fieldset><legend>Ansprechpartner / Contact person</legend>
<label>fldID <input id="p-id" size="6"></label>
<label>Adresse (fldAdrNr) <input id="p-adrnr" size="7" value="10000"></label>
<label>Anrede <input id="p-anr" size="8"></label>
<label>Vorname <input id="p-vna" size="14"></label>
<label>Nachname <input id="p-nna" size="16"></label>
<label>E-Mail <input id="p-email" size="26"></label>
<label>Telefon <input id="p-tel" size="16"></label>
<label>Abteilung <input id="p-abt" size="14"></label><br>
<button id="p-new">Neu anlegen / Create</button> <button id="p-change">Ändern / Change</button> <button id="p-delete">Löschen / Delete</button>
</fieldset>
<pre id="result"></pre>

<h2>Benutzer / Users</h2><table id="users"></table>
<h2>Termine / Appointments</h2><table id="appointments"></table>
<h2>Aufgaben / Tasks</h2><table id="tasks"></table>
<h2>Wiedervorlagen / Follow-ups</h2><table id="followups"></table>
<h2>Ansprechpartner / Contact people</h2><table id="contacts"></table>

<script>
const TOKEN = ${JSON.stringify(token)};
const $ = (id) => document.getElementById(id);
async function gql(query) {
  const res = await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + TOKEN }, body: JSON.stringify({ query }) });
  return res.json();
}
function table(el, cols, rows, onPick) {
  el.textContent = '';
  const head = el.insertRow();
  for (const c of cols) { const th = document.createElement('th'); th.textContent = c; head.appendChild(th); }
  for (const r of rows) {
    const tr = el.insertRow();
    if (onPick) { tr.className = 'pick'; tr.onclick = () => onPick(r); }
    for (const c of cols) { const td = tr.insertCell(); const v = r[c]; td.textContent = v === null || v === undefined ? '' : String(v); td.title = td.textContent; }
  }
}
const CAL = 'fldID fldArt fldBzrNr fldKurzInfo fldOrt fldBeginn fldEnde fldGanzTg fldErledigt fldTeilnehmer fldSerie fldSerieAusn fldModifyLSN';
function fillCalendar(r) {
  $('c-id').value = r.fldID; $('c-art').value = r.fldArt; $('c-bzr').value = r.fldBzrNr ?? '';
  $('c-subject').value = r.fldKurzInfo ?? ''; $('c-ort').value = r.fldOrt ?? '';
  $('c-beginn').value = (r.fldBeginn ?? '').slice(0, 16); $('c-ende').value = (r.fldEnde ?? '').slice(0, 16);
  $('c-ganztg').checked = !!r.fldGanzTg; $('c-erledigt').checked = !!r.fldErledigt;
  $('c-teilnehmer').value = r.fldTeilnehmer ?? ''; $('c-serie').value = r.fldSerie ?? ''; $('c-info').value = r.info ?? '';
}
function fillContact(r) {
  $('p-id').value = r.fldID; $('p-adrnr').value = r.fldAdrNr; $('p-anr').value = r.fldAnr ?? ''; $('p-vna').value = r.fldVNa ?? '';
  $('p-nna').value = r.fldNNa ?? ''; $('p-email').value = r.fldEMail1 ?? ''; $('p-tel').value = r.fldTel1 ?? ''; $('p-abt').value = r.fldAbt ?? '';
}
async function load() {
  const cal = (art) => 'conRead(first: 200, fastFilter: { eq: [{ field: fldArt }, { value: ' + JSON.stringify(art) + ' }] }) { edges { node { ' + CAL + ' info: fldInfo(as: DISPLAY_TEXT) } } }';
  const r = await gql('{ tblUsers { rowsRead { fldNr fldAnmNa fldNa fldExchPostfach fldStartMandNr } }'
    + ' appointments: tblCalendar { ' + cal('Termin') + ' } tasks: tblCalendar { ' + cal('Aufgabe') + ' } followups: tblCalendar { ' + cal('Wiedervorlage') + ' }'
    + ' tblContactPeople { conRead(first: 200) { edges { node { fldID fldAdrNr fldAnsNr fldAspNr fldAnr fldVNa fldNNa fldEMail1 fldTel1 fldAbt fldModifyLSN rowAdrNr { fldNa1 } } } } } }');
  if (r.errors) { $('status').textContent = JSON.stringify(r.errors); $('status').className = 'err'; return; }
  const d = r.data;
  table($('users'), ['fldNr', 'fldAnmNa', 'fldNa', 'fldExchPostfach', 'fldStartMandNr'], d.tblUsers.rowsRead);
  const cols = CAL.split(' ');
  for (const k of ['appointments', 'tasks', 'followups']) table($(k), cols, d[k].conRead.edges.map((e) => e.node), fillCalendar);
  table($('contacts'), ['fldID', 'fldAdrNr', 'firma', 'fldAnsNr', 'fldAspNr', 'fldAnr', 'fldVNa', 'fldNNa', 'fldEMail1', 'fldTel1', 'fldAbt', 'fldModifyLSN'],
    d.tblContactPeople.conRead.edges.map((e) => ({ ...e.node, firma: e.node.rowAdrNr ? e.node.rowAdrNr.fldNa1 : '' })), fillContact);
}
const s = (v) => v === '' ? '{}' : '{ text: ' + JSON.stringify(v) + ' }';
const b = (v) => '{ boolean: ' + (v ? 'true' : 'false') + ' }';
function calendarSets() {
  return 'fldArt(set: ' + s($('c-art').value) + ') fldBzrNr(set: ' + s($('c-bzr').value) + ') fldKurzInfo(set: ' + s($('c-subject').value) + ')'
    + ' fldOrt(set: ' + s($('c-ort').value) + ') fldBeginn(set: ' + s($('c-beginn').value) + ') fldEnde(set: ' + s($('c-ende').value) + ')'
    + ' fldGanzTg(set: ' + b($('c-ganztg').checked) + ') fldErledigt(set: ' + b($('c-erledigt').checked) + ')'
    + ' fldTeilnehmer(set: ' + s($('c-teilnehmer').value) + ') fldSerie(set: ' + s($('c-serie').value) + ') fldInfo(set: ' + s($('c-info').value) + ')';
}
function contactSets() {
  return 'fldAnr(set: ' + s($('p-anr').value) + ') fldVNa(set: ' + s($('p-vna').value) + ') fldNNa(set: ' + s($('p-nna').value) + ')'
    + ' fldEMail1(set: ' + s($('p-email').value) + ') fldTel1(set: ' + s($('p-tel').value) + ') fldAbt(set: ' + s($('p-abt').value) + ')';
}
const byId = (id) => '(exactMatch: { byID: { kf1ID: { int: ' + (parseInt(id, 10) || 0) + ' } } })';
async function run(mutation) {
  const r = await gql(mutation);
  $('result').textContent = JSON.stringify(r, null, 2);
  $('result').className = r.errors ? 'err' : 'ok';
  await load();
}
$('c-new').onclick = () => run('mutation { tblCalendar { rowNew { ' + calendarSets() + ' rowSave { fldID fldModifyLSN } } } }');
$('c-change').onclick = () => run('mutation { tblCalendar { rowModify' + byId($('c-id').value) + ' { ' + calendarSets() + ' rowSave { fldID fldModifyLSN } } } }');
$('c-delete').onclick = () => run('mutation { tblCalendar { rowDelete' + byId($('c-id').value) + ' { fldID fldKurzInfo } } }');
$('p-new').onclick = () => run('mutation { tblContactPeople { rowNew { fldAdrNr(set: ' + s($('p-adrnr').value) + ') ' + contactSets() + ' rowSave { fldID fldModifyLSN } } } }');
$('p-change').onclick = () => run('mutation { tblContactPeople { rowModify' + byId($('p-id').value) + ' { ' + contactSets() + ' rowSave { fldID fldModifyLSN } } } }');
$('p-delete').onclick = () => run('mutation { tblContactPeople { rowDelete' + byId($('p-id').value) + ' { fldID fldNNa } } }');
load();
</script></body></html>`;
}
