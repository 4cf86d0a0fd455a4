// A way back process (change source → writer → büro+) that dies by SIGKILL at a chosen moment,
// for crash.test.ts. CRASH:
//   after-create: büro+ made the entry of a new Outlook item, nothing else happened;
//   after-adopt: the key is stamped on the Outlook item, the id map does not know it yet;
//   after-modify: büro+ saved an Outlook edit, nothing recorded, nothing acknowledged;
//   none: run one poll and exit 0.
import { ack } from '../../lib/ack-token';
import { BueroClient, StaticToken } from '../../lib/buero/client';
import { resolveFieldMap } from '../../lib/buero/fields';
import { HttpTransport } from '../../lib/buero/http';
import { BueroWriter, type CreateRequest, type ModifyRequest, type WriteResult } from '../../lib/buero/writer';
import { createChangeReader } from '../../lib/exchange/changes';
import { ExchangeConnection } from '../../lib/exchange/connection/exchange-connection';
import type { ItemKind } from '../../lib/exchange/model';
import type { AdoptRequest, ItemResult } from '../../lib/exchange/transport';
import { systemClock } from '../../lib/net/retry';
import { openStateDb } from '../../lib/state/db';
import { DEFAULT_WAY_BACK_SETTINGS, OutlookChangeSource, WayBackWriter, linkedInIdMap } from '../../lib/way-back';
import { transportFor, type TransportName } from '../exchange/graph-support';

const env = process.env;
const crash = env.CRASH ?? 'none';
const die = () => process.kill(process.pid, 'SIGKILL');
const shift = Number(env.CLOCK_SHIFT);
const clock = () => Date.now() - shift;
const name = env.TRANSPORT as TransportName;
const settings = JSON.parse(env.EXCHANGE_SETTINGS!);
const mailboxes = JSON.parse(env.MAILBOXES!) as { mailbox: string; user: { nr: number } }[];
const mandant = Number(env.MANDANT);

class DyingBueroWriter extends BueroWriter {
  override async create(req: CreateRequest): Promise<WriteResult> {
    const r = await super.create(req);
    if (crash === 'after-create' && r.outcome === 'saved') die();
    return r;
  }

  override async modify(req: ModifyRequest): Promise<WriteResult> {
    const r = await super.modify(req);
    if (crash === 'after-modify' && r.outcome === 'saved') die();
    return r;
  }
}

async function main(): Promise<void> {
  const db = openStateDb(env.STATE_FILE!);
  const fields = resolveFieldMap(undefined);
  const client = new BueroClient({ endpoint: env.BUERO_URL!, transport: new HttpTransport(), auth: new StaticToken('T'), fields });
  const bueroWriter = new DyingBueroWriter({ client, db, fields, timeZone: 'Europe/Berlin', clock, isLinked: linkedInIdMap(db, mandant) });
  const transport = transportFor(name, settings);
  const adopting = {
    adopt: async (mailbox: string, kind: ItemKind, requests: AdoptRequest[]): Promise<ItemResult[]> => {
      const r = await transport.adopt(mailbox, kind, requests);
      if (crash === 'after-adopt') die();
      return r;
    },
  };
  const wayBack = { ...DEFAULT_WAY_BACK_SETTINGS, timeZone: 'Europe/Berlin' };
  const writer = new WayBackWriter({ bueroWriter, transport: adopting, db, fields, mandant, settings: wayBack, clock });
  const reader = createChangeReader(new ExchangeConnection(settings), { timeZone: 'Europe/Berlin', clock: { ...systemClock, now: clock } });
  const takes: Promise<unknown>[] = [];
  const source = new OutlookChangeSource({
    id: 'crash-child', reader, db, mailboxes: () => mailboxes, kinds: ['appointment'], settings: wayBack, event: () => {},
    emit: (m) => takes.push(writer.take(m.payload).then((t) => t.ack && ack(m.ack))),
  });
  const report = await source.pollNow();
  await Promise.all(takes);
  if (report.errors.length) throw report.errors[0];
  await source.close();
  await transport.close?.();
  process.exit(crash === 'none' ? 0 : 3);
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
