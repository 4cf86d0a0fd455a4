// Set-up for the way back's reading tests: the change reader over one transport against the
// sandbox's simulators (one mailbox store), a person working in Outlook on that store, and
// lane 1's transport writing items with keys as the writer does.
import assert from 'node:assert/strict';
import { ExchangeConnection } from '../../lib/exchange/connection/exchange-connection';
import { createChangeReader, type ChangeKind, type ChangeReader, type ExchangeChange, type ReadResult } from '../../lib/exchange/changes';
import type { ChangeReaderOptions } from '../../lib/exchange/changes';
import type { Transport } from '../../lib/exchange/transport';
import { systemClock, type Clock } from '../../lib/net/retry';
import { Outlook } from '../../sandbox/outlook';
import { startExchange, transportFor, type Exchange, type TransportName } from './graph-support';

export interface WayBack {
  ex: Exchange;
  outlook: Outlook;
  /** Lane 1's transport (the writer's). */
  transport: Transport;
  reader: ChangeReader;
  /** Requests the simulator of this transport received so far. */
  requests(): number;
  /** Arrival times of the requests the simulator of this transport received. */
  arrivals(): number[];
  close(): Promise<void>;
}

/**
 * The sandbox's calendar lies in spring 2026: the reader's clock stands on 2026-03-20 10:00 UTC
 * and moves on in real time (the Graph window follows it; Retry-After waits are real).
 */
export function springClock(at = '2026-03-20T10:00:00Z'): Clock {
  const shift = Date.now() - Date.parse(at);
  return { ...systemClock, now: () => Date.now() - shift };
}

export async function startWayBack(name: TransportName, options: Partial<ChangeReaderOptions> = {}): Promise<WayBack> {
  const ex = await startExchange();
  const reader = createChangeReader(new ExchangeConnection(ex.settings(name)), { timeZone: 'Europe/Berlin', clock: springClock(), ...options });
  const transport = transportFor(name, ex.settings(name));
  return {
    ex, reader, transport, outlook: new Outlook(ex.ews.store),
    requests: () => (name === 'graph' ? ex.graph.stats().requests : ex.ews.stats().requests),
    arrivals: () => (name === 'graph' ? ex.graph.requestLog.map((r) => r.receivedAt) : ex.ews.requestLog.map((r) => r.receivedAt)),
    close: async () => {
      await reader.close?.();
      await transport.close?.();
      await ex.close();
    },
  };
}

export type Read = Extract<ReadResult, { status: 'changes' }>;

export async function read(reader: ChangeReader, mailbox: string, kind: ChangeKind, cursor?: string): Promise<Read> {
  const r = await reader.read({ mailbox, kind, cursor });
  assert.equal(r.status, 'changes', r.status === 'expired' ? r.reason : '');
  return r as Read;
}

/** Reads until no more changes wait; all changes in order, and the cursor to commit. */
export async function drain(reader: ChangeReader, mailbox: string, kind: ChangeKind, cursor: string): Promise<{ changes: ExchangeChange[]; cursor: string; reads: number }> {
  const changes: ExchangeChange[] = [];
  let reads = 0;
  for (;;) {
    const r = await read(reader, mailbox, kind, cursor);
    reads++;
    changes.push(...r.changes);
    cursor = r.cursor;
    if (!r.more) return { changes, cursor, reads };
  }
}

/** The one change of the item with this subject (created or updated). */
export function bySubject(changes: ExchangeChange[], subject: string): ExchangeChange {
  const found = changes.filter((c) => c.item?.subject === subject);
  assert.equal(found.length, 1, `one change of "${subject}", found ${found.length}: ${changes.map((c) => `${c.op}:${c.item?.subject ?? c.itemId}`).join(', ')}`);
  return found[0];
}
