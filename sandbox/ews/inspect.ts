/**
 * Inspection of the EWS simulator, for tests and for people watching a demo:
 *
 *   GET  /inspect                               HTML: each mailbox's calendar, tasks, contacts, counters
 *   GET  /inspect/api/mailboxes                 [{ smtp, counts, folders }]
 *   GET  /inspect/api/mailboxes/{smtp}/items    all items with all fields (?kind=appointment|task|contact)
 *   GET  /inspect/api/log                       the request log
 *   GET  /inspect/api/stats                     counters
 *   GET  /inspect/api/faults                    current fault settings
 *   POST /inspect/api/faults                    merge JSON into the fault settings (demo: simulate an outage)
 *   /inspect/outlook/…                          edit, create and delete an appointment "in Outlook" (sandbox/outlook/page.ts)
 */
import type http from 'node:http';
import type { EwsFaults, EwsSimulator } from './index';
import { ItemKind, StoredItem } from '../store';
import { deletedStarts, itemZone, seriesOf, textOf } from './items';
import { parseEwsDateTime, wallClock } from './timezones';
import { esc } from './xml';
import { calendarItems, createForm, handleOutlookPage, rowActions } from '../outlook/page';

function json(res: http.ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}

export function handleInspect(req: http.IncomingMessage, res: http.ServerResponse, sim: EwsSimulator): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const path = url.pathname.replace(/\/+$/, '');
  const kindParam = url.searchParams.get('kind') as ItemKind | null;
  let m: RegExpExecArray | null;
  if (req.method === 'GET' && path === '/inspect') {
    const html = page(sim);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html), 'Cache-Control': 'no-store' });
    res.end(html);
    return;
  }
  if (handleOutlookPage(req, res, sim.store, path)) return;
  if (req.method === 'GET' && path === '/inspect/api/mailboxes') {
    return json(res, 200, sim.store.mailboxes().map((smtp) => ({
      smtp,
      counts: {
        appointment: sim.store.items(smtp, 'appointment').length,
        task: sim.store.items(smtp, 'task').length,
        contact: sim.store.items(smtp, 'contact').length,
      },
      folders: sim.store.folders(smtp),
    })));
  }
  if (req.method === 'GET' && (m = /^\/inspect\/api\/mailboxes\/([^/]+)\/items$/.exec(path))) {
    const smtp = decodeURIComponent(m[1]!);
    if (!sim.store.hasMailbox(smtp)) return json(res, 404, { error: `no mailbox ${smtp}` });
    return json(res, 200, sim.store.items(smtp, kindParam ?? undefined));
  }
  if (req.method === 'GET' && path === '/inspect/api/log') return json(res, 200, sim.requestLog);
  if (req.method === 'GET' && path === '/inspect/api/stats') return json(res, 200, sim.stats());
  if (path === '/inspect/api/faults') {
    if (req.method === 'GET') return json(res, 200, sim.faults);
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          const patch = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<EwsFaults>;
          for (const [k, v] of Object.entries(patch)) {
            if (k in sim.faults && typeof v === typeof (sim.faults as unknown as Record<string, unknown>)[k]) {
              (sim.faults as unknown as Record<string, unknown>)[k] = v;
            }
          }
          json(res, 200, sim.faults);
        } catch (err) {
          json(res, 400, { error: String(err) });
        }
      });
      return;
    }
  }
  json(res, 404, { error: 'not found' });
}

// ---- the page for people -----------------------------------------------------------------

function local(value: unknown, zone: string, withTime = true): string {
  const t = parseEwsDateTime(textOf(value) ?? '');
  if (t === undefined) return '';
  const [y, mo, d, h, mi] = wallClock(t, zone);
  const date = `${String(d).padStart(2, '0')}.${String(mo).padStart(2, '0')}.${y}`;
  return withTime ? `${date} ${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}` : date;
}

function keyOf(item: StoredItem): string {
  return item.extendedProperties.map((p) => `${p.name ?? p.propertyId ?? p.tag}=${p.value}`).join(', ');
}

function calendarRows(items: StoredItem[]): string {
  const sorted = [...items].sort((a, b) => String(a.fields.Start).localeCompare(String(b.fields.Start)));
  return sorted.map((i) => {
    const zone = itemZone(i.fields);
    const allDay = textOf(i.fields.IsAllDayEvent) === 'true';
    let series = '';
    if (i.fields.Recurrence !== undefined) {
      const pattern = Object.keys(i.fields.Recurrence as object).join(' + ').replace(/Recurrence/g, '');
      const occ = seriesOf(i, { limit: 500 });
      const deleted = deletedStarts(i.fields);
      series = `${esc(pattern)}: ${occ.filter((o) => !o.deleted).length} occurrences`
        + (deleted.size ? `, deleted: ${[...deleted].map((t) => esc(local(new Date(t).toISOString(), zone, false))).join(', ')}` : '');
    }
    return `<tr><td>${esc(local(i.fields.Start, zone, !allDay))}</td><td>${esc(local(i.fields.End, zone, !allDay))}</td>`
      + `<td>${allDay ? 'all day' : ''}</td><td>${esc(textOf(i.fields.Subject) ?? '')}</td><td>${esc(textOf(i.fields.Location) ?? '')}</td>`
      + `<td>${series}</td><td><code>${esc(keyOf(i))}</code></td><td>${rowActions(i)}</td></tr>`;
  }).join('');
}

/** Tasks carry no zone of their own; the page shows their dates as a German user sees them. */
const TASK_ZONE = 'Europe/Berlin';

function taskRows(items: StoredItem[]): string {
  return items.map((i) => `<tr><td>${esc(textOf(i.fields.Subject) ?? '')}</td><td>${esc(local(i.fields.StartDate, TASK_ZONE, false))}</td>`
    + `<td>${esc(local(i.fields.DueDate, TASK_ZONE, false))}</td><td>${esc(textOf(i.fields.Status) ?? 'NotStarted')}</td>`
    + `<td>${esc(textOf(i.fields.PercentComplete) ?? '0')} %</td><td><code>${esc(keyOf(i))}</code></td></tr>`).join('');
}

function contactRows(items: StoredItem[]): string {
  const entry = (v: unknown, key: string) => {
    const entries = ([] as Record<string, unknown>[]).concat(((v ?? {}) as { Entry?: Record<string, unknown>[] }).Entry ?? []);
    return textOf(entries.find((e) => (e.$ as Record<string, string>)?.Key === key)) ?? '';
  };
  return items.map((i) => `<tr><td>${esc(textOf(i.fields.DisplayName) ?? [textOf(i.fields.GivenName), textOf(i.fields.Surname)].filter(Boolean).join(' '))}</td>`
    + `<td>${esc(textOf(i.fields.CompanyName) ?? '')}</td><td>${esc(entry(i.fields.EmailAddresses, 'EmailAddress1'))}</td>`
    + `<td>${esc(entry(i.fields.PhoneNumbers, 'BusinessPhone'))}</td><td><code>${esc(keyOf(i))}</code></td></tr>`).join('');
}

function table(head: string[], rows: string): string {
  if (!rows) return '<p class="empty">none</p>';
  return `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>`;
}

function page(sim: EwsSimulator): string {
  const s = sim.stats();
  const boxes = sim.store.mailboxes().map((smtp) => {
    const a = calendarItems(sim.store, smtp);
    const t = sim.store.items(smtp, 'task');
    const c = sim.store.items(smtp, 'contact');
    return `<section id="${esc(smtp)}"><h2>${esc(smtp)}</h2>`
      + `<h3>Calendar (${a.length})</h3>${createForm(smtp, TASK_ZONE)}${table(['Start', 'End', '', 'Subject', 'Location', 'Series', 'Key', 'In Outlook'], calendarRows(a))}`
      + `<h3>Tasks (${t.length})</h3>${table(['Subject', 'Start', 'Due', 'Status', 'Done', 'Key'], taskRows(t))}`
      + `<h3>Contacts (${c.length})</h3>${table(['Name', 'Company', 'E-mail', 'Phone', 'Key'], contactRows(c))}</section>`;
  }).join('');
  const recent = sim.requestLog.slice(-20).reverse().map((r) => `<tr><td>${esc(new Date(r.time).toISOString())}</td><td>${esc(r.operation)}</td>`
    + `<td>${esc(r.mailbox ?? '')}</td><td>${r.items}</td><td>${r.status}</td><td>${esc(r.error ?? '')}</td></tr>`).join('');
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Exchange simulator</title><style>
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}h1{font-size:1.4rem}h2{border-bottom:1px solid #ccc;margin-top:2rem}
table{border-collapse:collapse;margin:.3rem 0 1rem}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;font-size:.9rem}
th{background:#f3f3f3}.empty{color:#888}.stats span{margin-right:1.2rem}code{font-size:.8rem;color:#555}form.inline{display:inline}
details{margin:.3rem 0}details form label{margin-right:.6rem}</style>
<script>// Reloads every 5 s, except while a person is filling in a form.
setInterval(function(){var a=document.activeElement;if(document.querySelector('details[open]')||(a&&/INPUT|SELECT|BUTTON/.test(a.tagName)))return;location.reload();},5000);</script></head><body>
<h1>Exchange simulator (EWS)</h1>
<p>Each calendar can be changed as a user does in Outlook: <em>edit</em> or <em>delete</em> an appointment, or open <em>New appointment in Outlook</em>. With the way back on, the change reaches büro+ within one Exchange poll interval.</p>
<p class="stats"><span>requests: ${s.requests}</span><span>schema invalid: ${s.schemaInvalid}</span><span>ErrorServerBusy: ${s.serverBusy}</span>
<span>rejected auth: ${s.rejectedAuth}</span><span>without X-AnchorMailbox: ${s.missingAnchorMailbox}</span><span>outage: ${sim.faults.unreachable ? 'yes' : 'no'}</span></p>
<p>JSON: <a href="/inspect/api/mailboxes">mailboxes</a> · <a href="/inspect/api/log">request log</a> · <a href="/inspect/api/stats">counters</a> · <a href="/inspect/api/faults">faults</a></p>
${boxes || '<p class="empty">No mailboxes.</p>'}
<h2>Latest requests</h2>${table(['Time', 'Operation', 'Mailbox', 'Items', 'HTTP', 'Error'], recent)}
</body></html>`;
}
