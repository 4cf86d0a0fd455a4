// A change source in its own process, for the kill -9 test: polls büro+ (the simulator of
// the parent test) every 30 ms and writes each change as a JSON line to stdout; acknowledges
// the changes the parent names on stdin ("ack <seq>") and confirms each ("acked").
import readline from 'node:readline';
import { ack } from '../../../lib/ack-token';
import { ChangeFeed } from '../../../lib/buero/change-feed';
import { BueroConnection, resolveSettings } from '../../../lib/buero/connection';
import { CursorStore } from '../../../lib/state/cursor';
import { openStateDb } from '../../../lib/state/db';

const out = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
const db = openStateDb(process.env.STATE_FILE as string);
const settings = resolveSettings({ endpoint: process.env.SIM_URL as string, mandant: 1, auth: 'static', staticToken: process.env.SIM_TOKEN });
const conn = new BueroConnection(settings, { db, connectionId: 'conn-1' });
const source = 'changes-child';
const feed = new ChangeFeed({
  client: conn.client,
  store: new CursorStore(db, `feed-1:1`),
  source,
  mandant: 1,
  fields: settings.fields,
  sync: { appointments: true, tasks: true, contacts: false },
  pageSize: 5,
  emit: (m) => out({ type: 'change', seq: m.ack?.seq, id: m.payload.id, op: m.payload.op, lsn: m.payload.lsn }),
  event: () => undefined,
  recordError: (e) => out({ type: 'error', message: e.message }),
});

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const [word, seq] = line.trim().split(' ');
  if (word !== 'ack') return;
  ack({ source, seq: Number(seq), parts: 1 });
  out({ type: 'acked', seq: Number(seq) });
});

let polls = 0;
async function loop(): Promise<void> {
  for (;;) {
    try {
      await feed.poll({ deletions: polls % 2 === 0 });
      polls += 1;
      out({ type: 'polled', polls, pending: feed.pending });
    } catch (err) {
      out({ type: 'error', message: (err as Error).message });
    }
    await new Promise((r) => setTimeout(r, 30));
  }
}
void loop();
