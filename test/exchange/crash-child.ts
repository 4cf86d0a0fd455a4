// A writer process that dies by SIGKILL at a chosen moment of a create, for crash-safety.test.ts:
// CRASH=after-create: Exchange has created the item, the answer is in, nothing is recorded yet;
// CRASH=before-create: the create is recorded as pending, the request never leaves.
import { ExchangeConnection } from '../../lib/exchange/connection/exchange-connection';
import { EwsTransport } from '../../lib/exchange/ews/transport';
import type { ItemKind } from '../../lib/exchange/model';
import type { CreateRequest, ItemResult } from '../../lib/exchange/transport';
import { ExchangeWriter } from '../../lib/exchange/writer';
import { openStateDb } from '../../lib/state/db';
import { appointment, upsert } from './support';

const env = process.env;
const die = () => process.kill(process.pid, 'SIGKILL');

class DyingTransport extends EwsTransport {
  override async create<K extends ItemKind>(mailbox: string, kind: K, requests: CreateRequest<K>[]): Promise<ItemResult[]> {
    if (env.CRASH === 'before-create') die();
    const results = await super.create(mailbox, kind, requests);
    if (env.CRASH === 'after-create') die();
    return results;
  }
}

const connection = new ExchangeConnection({
  deployment: 'onprem', host: env.EWS_URL, auth: 'basic', user: env.EWS_USER, password: env.EWS_PASSWORD, caFile: env.CA_FILE,
});
const writer = new ExchangeWriter({ transport: new DyingTransport(connection), db: openStateDb(env.STATE_FILE!), owner: 'crash-writer' });
writer.enqueue(upsert(env.KEY!, appointment({ subject: 'Absturztest' })));
// If the crash does not come, say so: the parent test fails on a normal exit.
setTimeout(() => process.exit(3), 20_000);
