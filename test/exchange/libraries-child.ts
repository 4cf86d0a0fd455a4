// Run by libraries.test.ts in a fresh process: loads every node module as Node-RED does, opens
// the writer's transport and the way back's reader for one connection (settings as JSON in
// argv[2]), and prints which of the large Exchange libraries are loaded.
import fs from 'node:fs';
import path from 'node:path';
import { ExchangeConnection, type ConnectionSettings } from '../../lib/exchange/connection/exchange-connection';
import { openTransport } from '../../lib/exchange/open-transport';
import { createChangeReader } from '../../lib/exchange/changes';

const nodesDir = path.join(__dirname, '..', '..', 'nodes');
for (const dir of fs.readdirSync(nodesDir)) {
  const file = path.join(nodesDir, dir, `${dir}.ts`);
  if (fs.existsSync(file)) require(file);
}
const connection = new ExchangeConnection(JSON.parse(process.argv[2]) as ConnectionSettings);
openTransport(connection);
createChangeReader(connection, { timeZone: 'Europe/Berlin' });
// A library counts as loaded when its entry module is (the Graph reader takes only the small
// zone table file from ews-javascript-api).
const loaded = (name: string) => require.resolve(name) in require.cache;
process.stdout.write(JSON.stringify({ ews: loaded('ews-javascript-api'), ewsHttp: loaded('@ewsjs/xhr'), msal: loaded('@azure/msal-node') }));
