/**
 * Runs the büro+ simulator alone, for a person or a script:
 *   npx tsx sandbox/buero/main.ts [--port 4010] [--seed 1] [--appointments 300] [--addresses 60]
 *     [--token <static token>] [--client <id>[:<secret>]=<redirect uri>] [--auto-approve]
 * The demo launcher (sandbox/cli.ts) starts it in-process instead.
 */
import { startBueroSimulator, generateBueroData, type OAuthClient } from './index';

function args(argv: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith('--')) continue;
    const key = argv[i].slice(2);
    const value = argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : 'true';
    out.set(key, [...(out.get(key) ?? []), value]);
  }
  return out;
}

async function main(): Promise<void> {
  const a = args(process.argv.slice(2));
  const num = (k: string, d: number) => (a.has(k) ? Number(a.get(k)![0]) : d);
  const clients: OAuthClient[] = (a.get('client') ?? []).map((spec) => {
    const [who, redirect] = spec.split('=');
    const [clientId, clientSecret] = who.split(':');
    return { clientId, clientSecret, redirectUris: [redirect] };
  });
  const data = generateBueroData({ seed: num('seed', 1), appointments: num('appointments', 300), addresses: num('addresses', 60) });
  const sim = await startBueroSimulator({
    data,
    port: num('port', 0),
    auth: { staticToken: a.get('token')?.[0] ?? 'buero-demo-token', oauthClients: clients, autoApprove: a.has('auto-approve') },
  });
  console.log(`büro+ simulator (Mandant ${data.mandant})`);
  console.log(`  page:      ${sim.baseUrl}/`);
  console.log(`  GraphQL:   ${sim.url}`);
  console.log(`  OAuth:     ${sim.oauth.metadataUrl}`);
  console.log(`  token:     ${sim.staticToken}`);
  const stop = () => void sim.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
