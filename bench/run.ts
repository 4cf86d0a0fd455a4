/**
 * `npm run bench`: what a user would pick this product for, measured through a real Node-RED
 * process running the reference flow against the sandbox (EWS latency 20 ms per request and
 * 0.2 ms per item), with a naive baseline (batch size 1, concurrency 1) in the same run, and the
 * same throughput phases through Microsoft Graph (Exchange Online; Graph latency 20 ms per HTTP
 * request and 0.2 ms per $batch step) in a second Node-RED process.
 * Prints a table and writes bench/results.md. `--quick` is the small size CI runs.
 *
 * rig.ts starts the sandbox and Node-RED, measure.ts reads timers, CPU, RSS and request counts,
 * phases.ts runs each phase, report.ts writes the tables and their explanations.
 */
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../sandbox/node-red';
import { catchUp } from './catch-up';
import { baseline, idMapMemory, pollCost, throughput, type BenchSize } from './phases';
import { report } from './report';

const QUICK = process.argv.includes('--quick');
const SIZE: BenchSize = QUICK
  ? { appointments: 1000, contacts: 200, baseline: 200, pollRows: 10_000, idMap: 100_000, idlePolls: 5, catchUp: [2000], bulk: [1000] }
  : { appointments: 10_000, contacts: 5000, baseline: 1000, pollRows: 100_000, idMap: 100_000, idlePolls: 10, catchUp: [10_000, 100_000], bulk: [2000, 10_000] };
// BENCH_APPOINTMENTS / BENCH_CONTACTS override a size (e.g. to profile); --throughput-only skips the rest.
for (const [env, key] of [['BENCH_APPOINTMENTS', 'appointments'], ['BENCH_CONTACTS', 'contacts'], ['BENCH_BASELINE', 'baseline']] as const) {
  if (process.env[env]) SIZE[key] = Number(process.env[env]);
}
const THROUGHPUT_ONLY = process.argv.includes('--throughput-only');
// --catch-up-only: the change source's catch-up alone (bench/catch-up.ts), printed as JSON.
const CATCH_UP_ONLY = process.argv.includes('--catch-up-only');
const SEED = Number(process.env.BENCH_SEED ?? 42);
// BENCH_APIS=graph (or ews) with --throughput-only: only that API's throughput phases.
const APIS = (process.env.BENCH_APIS ?? 'ews,graph').split(',');

async function main(): Promise<void> {
  const started = Date.now();
  const elapsed = () => `${Math.round((Date.now() - started) / 1000)} s`;
  console.log(`benchmark (${QUICK ? 'quick' : 'full'} size, seed ${SEED}) …`);
  if (CATCH_UP_ONLY) {
    const results = await catchUp(SIZE.catchUp, SEED, (r) => console.log(`  catch-up of ${r.changes} ${r.burst} done (${elapsed()})`));
    console.log(JSON.stringify(results, null, 1));
    return;
  }
  if (THROUGHPUT_ONLY && APIS.length === 1) {
    const api = APIS[0] === 'graph' ? 'graph' : 'ews';
    console.log(JSON.stringify({ [api]: await throughput(api, SIZE, SEED) }, null, 1));
    return;
  }
  const tp = await throughput('ews', SIZE, SEED);
  console.log(`  throughput (EWS) done (${elapsed()})`);
  const graph = await throughput('graph', SIZE, SEED);
  console.log(`  throughput (Graph) done (${elapsed()})`);
  if (THROUGHPUT_ONLY) {
    console.log(JSON.stringify({ ews: tp, graph }, null, 1));
    return;
  }
  const base = await baseline(SIZE, SEED);
  console.log(`  baseline done (${elapsed()})`);
  const poll = await pollCost(SIZE, SEED);
  console.log(`  poll cost done (${elapsed()})`);
  const mem = idMapMemory(SIZE.idMap);
  console.log(`  id map done (${elapsed()})`);
  const catchUps = await catchUp(SIZE.catchUp, SEED, (r) => console.log(`  catch-up of ${r.changes} ${r.burst} done (${elapsed()})`));

  const sizesOverridden = !!(process.env.BENCH_APPOINTMENTS || process.env.BENCH_CONTACTS || process.env.BENCH_BASELINE);
  const { table, markdown } = report({ tp, graph, base, poll, mem, catchUps }, { quick: QUICK, seed: SEED, size: SIZE, sizesOverridden, started });
  console.log(`\n${table}\n`);
  const out = path.join(packageRoot, 'bench', QUICK ? 'results-quick.md' : 'results.md');
  fs.writeFileSync(out, markdown);
  console.log(`written: ${out}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
