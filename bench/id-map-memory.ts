/**
 * Peak RSS of a process holding an id map of N mapped records (the writer's IdMap over its
 * SQLite file, lib/state/id-map.ts): fills it, then looks every entry up once, as the writer does
 * when changes for all records come in. Run by bench/run.ts in its own process so nothing else
 * counts towards the peak; prints one JSON line.
 *
 *   node dist/bench/id-map-memory.js 100000
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStateDb } from '../lib/state/db';
import { IdMap } from '../lib/state/id-map';

function vmKb(field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : NaN;
}

function main(): void {
  const n = Number(process.argv[2] ?? 100_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'buero-bench-idmap-'));
  try {
    const rssBefore = vmKb('VmRSS');
    const db = openStateDb(path.join(dir, 'buero-sync.sqlite'));
    const map = new IdMap(db);
    const start = process.hrtime.bigint();
    const put = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) {
        map.put({
          mailbox: `user${i % 20}@firma.example`,
          key: `buero:1:tblCalendar:${i}:0`,
          kind: 'appointment',
          transport: 'ews',
          // Exchange item ids are ~150 characters of base64.
          itemId: Buffer.from(`item-${i}-`.padEnd(110, 'x')).toString('base64'),
          changeKey: Buffer.from(`ck-${i}`.padEnd(30, 'y')).toString('base64'),
          contentHash: `${i}`.padStart(64, '0'),
          fields: { subject: 'a'.repeat(16), start: 'b'.repeat(16), end: 'c'.repeat(16), body: 'd'.repeat(16) },
          updatedAt: Date.now(),
        });
      }
    });
    for (let i = 0; i < n; i += 5000) put(i, Math.min(n, i + 5000));
    const filled = Number(process.hrtime.bigint() - start) / 1e6;
    let found = 0;
    for (let i = 0; i < n; i++) if (map.get(`user${i % 20}@firma.example`, `buero:1:tblCalendar:${i}:0`)) found++;
    const looked = Number(process.hrtime.bigint() - start) / 1e6 - filled;
    if (found !== n) throw new Error(`id map lost entries: ${found} of ${n}`);
    const entries = map.size();
    db.close();
    console.log(JSON.stringify({ entries, peakRssMb: vmKb('VmHWM') / 1024, rssBeforeMb: rssBefore / 1024, fillMs: filled, lookupMs: looked }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
