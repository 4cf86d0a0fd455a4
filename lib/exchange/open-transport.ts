import type { ExchangeConnection } from './connection/exchange-connection';
import type { GraphTransportOptions } from './graph/transport';
import type { Transport } from './transport';

/**
 * The writer's transport for a connection: Microsoft Graph or EWS, as the connection chose.
 * Each is loaded only when a connection uses it: ews-javascript-api with its HTTP layer holds
 * about 17 MB of heap that a Graph deployment never needs, and V8 lets the heap grow to a
 * multiple of what stays alive (docs/architecture.md, "Memory").
 */
export function openTransport(connection: ExchangeConnection, options: GraphTransportOptions = {}): Transport {
  if (connection.api === 'graph') {
    const { GraphTransport } = require('./graph/transport') as typeof import('./graph/transport');
    return new GraphTransport(connection, options);
  }
  const { EwsTransport } = require('./ews/transport') as typeof import('./ews/transport');
  return new EwsTransport(connection, { contactsFolder: options.contactsFolder });
}
