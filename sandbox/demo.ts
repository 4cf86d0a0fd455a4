/**
 * The whole sandbox in one call: büro+, Exchange (EWS) and Azure AD simulators with generated
 * demo data, and the environment that points the reference flow at them. Used by `npm start`
 * (sandbox/cli.ts), the end-to-end tests and the benchmarks.
 */
import { startAadSimulator, type AadSimulator } from './aad';
import { generateBueroData, startBueroSimulator, type BueroDataSet, type BueroSimulator } from './buero';
import { startEwsSimulator, type EwsFaults, type EwsSimulator } from './ews';
import { startGraphSimulator, type GraphFaults, type GraphSimulator } from './graph';

/** Identities of the sandbox: not secrets of any real system. */
export const SANDBOX = {
  bueroToken: 'buero-sandbox-token',
  exchangeUser: 'FIRMA\\svc-buero-sync',
  exchangePassword: 'Sandbox-Passw0rt!',
  tenantId: '8f2c9a4e-1d3b-4c5a-9e7f-0a1b2c3d4e5f',
  tenantDomain: 'firma.onmicrosoft.com',
  clientId: '3b1e6f0a-7c2d-4e8f-a9b0-c1d2e3f4a5b6',
  clientSecret: 'sandbox-client-secret-value',
};

export interface SandboxOptions {
  seed?: number;
  /** Demo data; default: generated from the seed at a small size. */
  data?: BueroDataSet;
  size?: { users?: number; appointments?: number; tasks?: number; followUps?: number; addresses?: number };
  ewsFaults?: Partial<EwsFaults>;
  /** Randomness of the simulators' fault rates (a seeded one makes a fault pattern replayable). */
  random?: () => number;
  graphFaults?: Partial<GraphFaults>;
  /** Fixed ports for a person's demo (0 = free ports). */
  ports?: { buero?: number; ews?: number; ewsHttps?: number; aad?: number; aadHttps?: number; graph?: number; graphHttps?: number };
}

export interface Sandbox {
  buero: BueroSimulator;
  ews: EwsSimulator;
  /** Microsoft Graph on the same mailboxes as `ews` (one store: both APIs see the same items). */
  graph: GraphSimulator;
  aad: AadSimulator;
  data: BueroDataSet;
  /** Mailboxes of the generated users that have one. */
  mailboxes: string[];
  /** Environment variables of the reference flow (README), pointing at the simulators. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const data = options.data ?? generateBueroData({ seed: options.seed ?? 1, ...options.size });
  const mailboxes = data.users.map((u) => String(u.fldExchPostfach ?? '')).filter((m) => m.includes('@'));

  const buero = await startBueroSimulator({ data, mandant: data.mandant, port: options.ports?.buero, auth: { staticToken: SANDBOX.bueroToken } });
  const aad = await startAadSimulator({
    tenants: [{ id: SANDBOX.tenantId, domains: [SANDBOX.tenantDomain] }],
    clients: [
      {
        tenant: SANDBOX.tenantId,
        clientId: SANDBOX.clientId,
        secret: SANDBOX.clientSecret,
        roles: { 'https://outlook.office365.com': ['full_access_as_app'], 'https://graph.microsoft.com': ['Calendars.ReadWrite', 'Contacts.ReadWrite', 'Tasks.ReadWrite.All'] },
      },
    ],
    port: options.ports?.aad,
    httpsPort: options.ports?.aadHttps,
  });
  const [domain, user] = SANDBOX.exchangeUser.split('\\');
  const ews = await startEwsSimulator({
    mailboxes,
    accounts: [{ user, domain, password: SANDBOX.exchangePassword, impersonation: true }],
    aadPublicKeyPem: aad.publicKeyPem,
    faults: options.ewsFaults,
    random: options.random,
    port: options.ports?.ews,
    httpsPort: options.ports?.ewsHttps,
  });
  const graph = await startGraphSimulator({
    store: ews.store,
    aadPublicKeyPem: aad.publicKeyPem,
    faults: options.graphFaults,
    random: options.random,
    port: options.ports?.graph,
    httpsPort: options.ports?.graphHttps,
  });

  const env: Record<string, string> = {
    BUERO_URL: buero.url,
    BUERO_MANDANT: String(data.mandant),
    BUERO_TOKEN: SANDBOX.bueroToken,
    EXCHANGE_DEPLOYMENT: 'onprem',
    EXCHANGE_URL: ews.httpsUrl,
    EXCHANGE_AUTH: 'ntlm',
    EXCHANGE_USER: SANDBOX.exchangeUser,
    EXCHANGE_PASSWORD: SANDBOX.exchangePassword,
    EXCHANGE_CA_FILE: ews.caFile,
    EXCHANGE_TENANT: SANDBOX.tenantDomain,
    EXCHANGE_CLIENT_ID: SANDBOX.clientId,
    EXCHANGE_CLIENT_SECRET: SANDBOX.clientSecret,
    EXCHANGE_AUTHORITY: aad.httpsUrl,
    // Used when EXCHANGE_DEPLOYMENT=online and EXCHANGE_API is graph or unset.
    EXCHANGE_GRAPH_URL: graph.httpsUrl,
    SYNC_POLL_SECONDS: '5',
    // The way back reads each mailbox this often (a person watching the demo waits 5 s, not 60).
    SYNC_EXCHANGE_POLL_SECONDS: '5',
  };
  return {
    buero,
    ews,
    graph,
    aad,
    data,
    mailboxes,
    env,
    close: async () => {
      await Promise.allSettled([buero.close(), ews.close(), graph.close(), aad.close()]);
    },
  };
}
