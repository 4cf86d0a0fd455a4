import type { ExchangeConnection } from '../connection/exchange-connection';
import { ewsIdFromRestId, restIdFromEwsId } from '../item-ids';
import type { IdMap, IdMapEntry } from '../../state/id-map';
import type { ExchangeFolder } from '../../state/exchange-cursor';
import type { EwsChangeReaderOptions } from './ews-sync';
import type { GraphChangeReaderOptions } from './graph-delta';
import type { ChangeKind, ChangeReader } from './reader';

/**
 * Reading what users change in Outlook (the way back): one interface, EWS and Graph behind it,
 * chosen by the Exchange connection like the writer's transports.
 */
export type { ChangeKind, ChangeOp, ChangeReader, ChangeTransport, ChangeWindow, ExchangeChange, OutlookChange, ReadRequest, ReadResult } from './reader';
export type { EwsChangeReaderOptions } from './ews-sync';
export type { GraphChangeReaderOptions } from './graph-delta';

export type ChangeReaderOptions = EwsChangeReaderOptions & Omit<GraphChangeReaderOptions, 'client'>;

/** The reader the connection speaks; like the writer's transport, only that one is loaded (lib/exchange/open-transport.ts: why). */
export function createChangeReader(connection: ExchangeConnection, options: ChangeReaderOptions): ChangeReader {
  if (connection.api === 'graph') {
    const { GraphChangeReader } = require('./graph-delta') as typeof import('./graph-delta');
    return new GraphChangeReader(connection, options);
  }
  const { EwsChangeReader } = require('./ews-sync') as typeof import('./ews-sync');
  return new EwsChangeReader(connection, options);
}

/** The folder of the cursor table a kind is read from. */
export const CHANGE_FOLDER: Record<ChangeKind, ExchangeFolder> = { appointment: 'calendar', task: 'tasks' };

/**
 * The id map entry of an item, whichever transport wrote it: the id map keeps an id in the
 * spelling of the transport that wrote it (lib/exchange/item-ids.ts), a change names it in
 * the reader's.
 */
export function entryOfItem(idMap: IdMap, mailbox: string, itemId: string): IdMapEntry | undefined {
  return idMap.findByItem(mailbox, [
    { transport: 'ews', itemId: ewsIdFromRestId(itemId) },
    { transport: 'graph', itemId: restIdFromEwsId(itemId) },
  ]);
}
