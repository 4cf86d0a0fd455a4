/**
 * `npm start`: the sync on the built-in sandbox. Starts the büro+, Exchange (EWS) and Azure AD
 * simulators with generated demo data, then Node-RED with this package and the reference flow
 * (both lanes: büro+ → Exchange and the way back) deployed against them, and prints where to
 * look; the mailbox page lets a person change appointments "in Outlook". Ctrl-C stops everything.
 *
 *   node dist/sandbox/cli.js                 simulators only
 *   node dist/sandbox/cli.js --node-red      simulators + Node-RED with the reference flow
 *   options: --seed N, --port N (Node-RED, default 1880), --online (Exchange Online through
 *   Microsoft Graph instead of Exchange Server through EWS), --verbose (Node-RED's own output)
 */
import fs from 'node:fs';
import path from 'node:path';
import { startSandbox } from './demo';
import { packageRoot, startNodeRed, type NodeRedProcess } from './node-red';

/** Deploys flows the way the editor does (inline credentials are stored encrypted by Node-RED). */
export async function deployFlows(nodeRedUrl: string, flows: unknown[]): Promise<void> {
  const res = await fetch(`${nodeRedUrl}/flows`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full', 'Node-RED-API-Version': 'v1' },
    body: JSON.stringify(flows),
  });
  if (!res.ok) throw new Error(`deploy failed: HTTP ${res.status} ${await res.text()}`);
}

export function referenceFlow(name = 'buero-exchange-sync.json'): unknown[] {
  return JSON.parse(fs.readFileSync(path.join(packageRoot, 'examples', name), 'utf8'));
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? 'true') : undefined;
}

async function main(): Promise<void> {
  const withNodeRed = process.argv.includes('--node-red');
  const sandbox = await startSandbox({ seed: Number(option('seed') ?? 1) });
  let nodeRed: NodeRedProcess | undefined;
  const userDir = path.join(packageRoot, '.demo', 'node-red');
  if (withNodeRed) {
    // The simulators start with fresh data each time, so the demo's sync state starts fresh too.
    fs.rmSync(userDir, { recursive: true, force: true });
    fs.mkdirSync(userDir, { recursive: true });
    nodeRed = await startNodeRed({
      userDir,
      port: Number(option('port') ?? 1880),
      env: { ...sandbox.env, SYNC_LOG_TRANSFERS: 'true', ...(option('online') ? { EXCHANGE_DEPLOYMENT: 'online' } : {}) },
      echo: process.argv.includes('--verbose'),
    });
    await deployFlows(nodeRed.url, referenceFlow());
  }

  const line = '─'.repeat(72);
  console.log(`\n${line}\n büro+ → Exchange sync on the sandbox\n${line}`);
  if (nodeRed) {
    console.log(` Node-RED editor         ${nodeRed.url}/`);
    console.log(` sync log                ${path.join(userDir, 'ExchangeSync.log')}`);
  }
  console.log(` büro+ data (change it)  ${sandbox.buero.baseUrl}/`);
  console.log(` Exchange mailboxes      ${sandbox.ews.inspectUrl}`);
  console.log(` büro+ GraphQL           ${sandbox.buero.url}`);
  console.log(` EWS                     ${sandbox.ews.httpsUrl}  (also ${sandbox.ews.url})`);
  console.log(` Azure AD tokens         ${sandbox.aad.httpsUrl}`);
  console.log(` Microsoft Graph         ${sandbox.graph.httpsUrl}`);
  console.log(` Exchange mailboxes      ${sandbox.mailboxes.length} (${sandbox.mailboxes.slice(0, 3).join(', ')}, …)`);
  console.log(line);
  console.log(
    nodeRed
      ? ' Change an appointment, task or contact on the büro+ page; it reaches the\n mailbox page within one poll interval (5 s here). The way back: edit, create\n or delete an appointment on the mailbox page ("in Outlook"); it reaches the\n büro+ page within one Exchange poll (5 s here). Ctrl-C stops everything.'
      : ' Ctrl-C stops the simulators.',
  );
  console.log(line);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping …');
    await nodeRed?.stop();
    await sandbox.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  nodeRed?.process.once('exit', (code) => {
    if (!stopping) {
      console.error(`Node-RED exited (code ${code}):\n${nodeRed?.output().slice(-3000)}`);
      void sandbox.close().then(() => process.exit(1));
    }
  });
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
