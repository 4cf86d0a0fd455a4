// Set-up for the way back's engine tests: Exchange (EWS or Graph simulator on one mailbox
// store), a person working in Outlook, lane 1 (the real mapper and Exchange writer), the büro+
// simulator over HTTP, and the way back (OutlookChangeSource → WayBackWriter, acknowledged as
// the nodes do), all on one real SQLite state file.
import assert from 'node:assert/strict';
import { ack } from '../../lib/ack-token';
import { BueroClient, StaticToken } from '../../lib/buero/client';
import { resolveFieldMap, type FieldMap } from '../../lib/buero/fields';
import { HttpTransport } from '../../lib/buero/http';
import { BueroWriter } from '../../lib/buero/writer';
import type { ChangeKind } from '../../lib/exchange/changes';
import { WaitHints } from '../../lib/exchange/wait-hints';
import type { WriteOutcome } from '../../lib/exchange/writer';
import type { SyncEvent } from '../../lib/log/events';
import { infoText } from '../../lib/log/format';
import { mapChange, resolveSettings } from '../../lib/mapping';
import { openStateDb, type StateDb } from '../../lib/state/db';
import { IdMap } from '../../lib/state/id-map';
import {
  DEFAULT_WAY_BACK_SETTINGS, OutlookChangeSource, WayBackWriter, linkedInIdMap,
  type PollReport, type Taken, type WayBackMessage, type WayBackSettings,
} from '../../lib/way-back';
import { generateBueroData, startBueroSimulator, type BueroSimulator, type Row } from '../../sandbox/buero';
import type { FieldRights } from '../../sandbox/buero';
import { springClock, startWayBack, type WayBack } from '../exchange/changes-support';
import { ANNA, BERND } from '../exchange/ews-support';
import { rig, type Rig, type TransportName } from '../exchange/graph-support';
import { tempStateFile } from '../exchange/support';

export { ANNA, BERND };
export const ZONE = 'Europe/Berlin';
/** büro+ user numbers of the two synced mailboxes. */
export const USERS = { [ANNA]: 1, [BERND]: 2 } as const;

export interface Setup {
  name: TransportName;
  w: WayBack;
  sim: BueroSimulator;
  db: StateDb;
  idMap: IdMap;
  fields: FieldMap;
  lane1: Rig;
  /** Exchange's wait hints the reader and lane 1's writer share. */
  hints: WaitHints;
  source: OutlookChangeSource;
  writer: WayBackWriter;
  settings: WayBackSettings;
  /** Every take's result, in order. */
  taken: Taken[];
  /** Events of source and writer. */
  events: SyncEvent[];
  /** Messages emitted and, unless `holdAcks`, taken and acknowledged. */
  messages: WayBackMessage[];
  holdAcks: boolean;
  clock: () => number;
  /** One poll of the way back, every take of it finished. */
  poll(): Promise<PollReport>;
  /** Baselines every synced folder (the first poll). */
  baseline(): Promise<void>;
  /** Lane 1: a büro+ row → the mailboxes (owner; participants by user number) through the real mapper and Exchange writer. */
  laneOne(id: number, participants?: number[]): Promise<WriteOutcome[]>;
  /** A row made in büro+ itself. */
  insert(values: Row): Row;
  row(id: number): Row;
  /** Mutations büro+ received so far. */
  mutations(): number;
  /** Info events of a code. */
  infos(code: string): Extract<SyncEvent, { type: 'info' }>[];
  close(): Promise<void>;
}

export interface SetupOptions {
  settings?: Partial<WayBackSettings>;
  fieldRights?: Record<string, FieldRights>;
  kinds?: ChangeKind[];
  file?: string;
  ackTimeoutMs?: number;
}

export async function setup(name: TransportName, options: SetupOptions = {}): Promise<Setup> {
  const clock = springClock().now;
  // As the nodes do: lane 1's writer and the way back's reader share Exchange's wait hints.
  const hints = new WaitHints();
  const w = await startWayBack(name, { waitHints: hints });
  const data = generateBueroData({ seed: 3, users: 2, appointments: 0, tasks: 0, followUps: 0, addresses: 0 });
  data.users[0] = { ...data.users[0], fldExchPostfach: ANNA, fldStartMandNr: data.mandant };
  data.users[1] = { ...data.users[1], fldExchPostfach: BERND, fldStartMandNr: data.mandant };
  const sim = await startBueroSimulator({ data, auth: { staticToken: 'T' }, clock, fieldRights: options.fieldRights });
  const files = options.file ? undefined : tempStateFile();
  const file = options.file ?? files!.file;
  const db = openStateDb(file);
  const fields = resolveFieldMap(undefined);
  const http = new HttpTransport();
  const client = new BueroClient({ endpoint: sim.url, transport: http, auth: new StaticToken('T'), fields });
  const idMap = new IdMap(db);
  const bueroWriter = new BueroWriter({ client, db, fields, timeZone: ZONE, clock, sleep: async () => {}, isLinked: linkedInIdMap(db, data.mandant) });
  const settings: WayBackSettings = { ...DEFAULT_WAY_BACK_SETTINGS, timeZone: ZONE, ...options.settings };
  const lane1 = rig(w.transport, { file, waitHints: hints });
  const writer = new WayBackWriter({ bueroWriter, transport: w.transport, waitHints: hints, db, fields, mandant: data.mandant, settings, clock });
  const taken: Taken[] = [];
  const events: SyncEvent[] = [];
  const messages: WayBackMessage[] = [];
  const takes: Promise<unknown>[] = [];
  let bueroMutations = 0;
  const s: Setup = {
    name, w, sim, db, idMap, fields, lane1, hints, settings, taken, events, messages, holdAcks: false, clock,
    source: undefined as unknown as OutlookChangeSource,
    writer,
    poll: async () => {
      const report = await s.source.pollNow();
      await Promise.all(takes.splice(0));
      return report;
    },
    baseline: async () => {
      const r = await s.poll();
      assert.equal(r.emitted, 0);
    },
    laneOne: async (id, participants = []) => {
      const record = sim.db.get('tblCalendar', id)!;
      const owner = Number(record.fldBzrNr);
      const user = (nr: number) => {
        const u = sim.db.get('tblUsers', nr)!;
        return { nr, login: String(u.fldAnmNa), mailbox: String(u.fldExchPostfach) };
      };
      const targets = [{ mailbox: user(owner).mailbox, user: user(owner), role: 'owner' as const }, ...participants.map((p) => ({ mailbox: user(p).mailbox, user: user(p), role: 'participant' as const }))];
      const kind = record.fldArt === 'Aufgabe' ? 'task' : 'appointment';
      const { messages: out } = await mapChange({ op: 'update', kind, table: 'tblCalendar', id, lsn: String(record.fldModifyLSN), mandant: data.mandant, record, targets, removed: [] }, resolveSettings({ timeZone: ZONE }));
      const before = lane1.outcomes.length;
      for (const m of out) lane1.send(m);
      const all = await lane1.outcomesReach(before + out.reduce((n, m) => n + m.targets.length, 0));
      const mine = all.slice(before);
      for (const o of mine) assert.ok(o.ok, !o.ok ? o.error.message : '');
      return mine;
    },
    insert: (values) => sim.db.insert('tblCalendar', {
      fldArt: 'Termin', fldBzrNr: 1, fldGanzTg: false, fldErledigt: false, fldPrio: 1, ...values,
    }),
    row: (id) => sim.db.get('tblCalendar', id)!,
    mutations: () => bueroMutations,
    infos: (code) => events.filter((e): e is Extract<SyncEvent, { type: 'info' }> => e.type === 'info' && e.code === code),
    close: async () => {
      // Every line the way back logged has its words in both languages, from its values.
      for (const e of events) {
        if (e.type !== 'info' || !e.code.startsWith('way-back')) continue;
        for (const language of ['de', 'en'] as const) {
          const line = infoText(e, language);
          assert.ok(line && !/undefined|\[object/.test(line), `${e.code} (${language}): ${line}`);
        }
      }
      await s.source.close();
      await lane1.close();
      http.close();
      db.close();
      await sim.close();
      await w.close();
      files?.cleanup();
    },
  };
  const countMutations = () => {
    bueroMutations = sim.requestLog.filter((r) => /^\s*mutation/.test(r.query)).length;
  };
  s.mutations = () => {
    countMutations();
    return bueroMutations;
  };
  s.source = new OutlookChangeSource({
    id: `way-back-test-${name}-${Math.random()}`,
    reader: w.reader,
    db,
    mailboxes: () => [{ mailbox: ANNA, user: { nr: 1 } }, { mailbox: BERND, user: { nr: 2 } }],
    kinds: options.kinds ?? ['appointment'],
    settings,
    // Exchange's created-at times are the simulator's real ones: the baseline is compared with them.
    clock: Date.now,
    ackTimeoutMs: options.ackTimeoutMs ?? 20_000,
    emit: (m) => {
      messages.push(m);
      if (s.holdAcks) return;
      takes.push(writer.take(m.payload).then((t) => {
        taken.push(t);
        events.push(...t.events);
        if (t.ack) ack(m.ack);
      }));
    },
    event: (e) => events.push(e),
  });
  return s;
}

/** The results of the takes with this outcome. */
export function outcomes(taken: Taken[]): string[] {
  return taken.map((t) => (t.result.outcome === 'skipped' ? `skipped:${t.result.reason}` : t.result.outcome));
}

/** The Outlook item of a key in a mailbox's store. */
export function itemOf(s: Setup, mailbox: string, key: string) {
  const entry = s.idMap.get(mailbox, key);
  assert.ok(entry, `an id map entry for ${key} in ${mailbox}`);
  const norm = (id: string) => id.replace(/\//g, '-').replace(/\+/g, '_');
  const item = s.w.ex.ews.store.items(mailbox).find((i) => norm(i.itemId) === norm(entry.itemId));
  assert.ok(item, `the item of ${key} in ${mailbox}`);
  return item;
}

export function keyOf(id: number, nr: number): string {
  return `buero:1:tblCalendar:${id}:${nr}`;
}
