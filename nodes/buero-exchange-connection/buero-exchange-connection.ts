import type { Node, NodeAPI, NodeDef } from 'node-red';
import { expandVariables, nodeRedLookup, readSecret, type SecretSource, type SecretValue } from '../../lib/env';
import { ExchangeConnection, type ConnectionSettings } from '../../lib/exchange/connection/exchange-connection';
import { testConnection } from '../../lib/exchange/connection/test-connection';
import { registerSecret } from '../../lib/log/redact';
import { upgradeConfig } from '../shared/config-version';

/** The settings as the editor saves them (every text may be `${ENV_VAR}`). */
interface ConnectionConfig extends NodeDef {
  deployment?: string;
  host?: string;
  auth?: 'ntlm' | 'basic';
  user?: string;
  tenant?: string;
  clientId?: string;
  authorityHost?: string;
  ewsUrl?: string;
  /** Exchange Online: `graph` (default) or `ews`. */
  api?: string;
  graphUrl?: string;
  caFile?: string;
  /** The Exchange version the requests are written for (e.g. `Exchange2016`). */
  exchangeVersion?: string;
  timeZone?: string;
  /** Each secret may name the environment variable that holds it instead (a typed one wins). */
  passwordEnv?: string;
  clientSecretEnv?: string;
}

interface ConnectionCredentials {
  password?: string;
  clientSecret?: string;
}

/** What the writer node uses: the connection, built once from the settings. */
interface ExchangeConnectionConfigNode extends Node {
  /** Throws an ExchangeError naming the setting when the settings are incomplete. */
  connection(): ExchangeConnection;
}

/** Where a secret comes from, without its value: for the message when it is missing. */
const sourceOf = ({ variable, badName }: SecretValue): SecretSource => ({ variable, badName });

/** Node-RED's placeholder for an unchanged password field in the edit dialog. */
const UNCHANGED = '__PWRD__';

export = function (RED: NodeAPI) {
  // ${NAME} from Node-RED's environment (flow, group, global env) or the process environment.
  const lookup = (node: Node | undefined) => nodeRedLookup(node && ((name) => RED.util.getSetting(node, name)));

  function toSettings(config: ConnectionConfig, creds: ConnectionCredentials, node?: Node): ConnectionSettings {
    const env = (v: string | undefined) => expandVariables(v, lookup(node)).trim() || undefined;
    const password = readSecret({ typed: creds.password, variable: config.passwordEnv }, lookup(node));
    const clientSecret = readSecret({ typed: creds.clientSecret, variable: config.clientSecretEnv }, lookup(node));
    return {
      deployment: env(config.deployment) === 'online' ? 'online' : 'onprem',
      host: env(config.host),
      auth: env(config.auth) === 'basic' ? 'basic' : 'ntlm',
      user: env(config.user),
      password: password.value,
      tenant: env(config.tenant),
      clientId: env(config.clientId),
      clientSecret: clientSecret.value,
      authorityHost: env(config.authorityHost),
      ewsUrl: env(config.ewsUrl),
      api: env(config.api),
      graphUrl: env(config.graphUrl),
      caFile: env(config.caFile),
      version: env(config.exchangeVersion),
      timeZone: env(config.timeZone),
      secretSources: { password: sourceOf(password), clientSecret: sourceOf(clientSecret) },
    };
  }

  function BueroExchangeConnectionNode(this: ExchangeConnectionConfigNode, saved: ConnectionConfig) {
    RED.nodes.createNode(this, saved);
    const node = this as ExchangeConnectionConfigNode;
    let config: ConnectionConfig;
    try {
      config = upgradeConfig(saved);
    } catch (err) {
      // The writer asks for the connection and reports this as its setup error.
      node.error((err as Error).message);
      node.connection = () => {
        throw err;
      };
      return;
    }
    const settings = toSettings(config, (node.credentials ?? {}) as ConnectionCredentials, node);
    // The sync log masks these wherever a library echoes them.
    registerSecret(settings.password);
    registerSecret(settings.clientSecret);
    let built: ExchangeConnection | undefined;
    node.connection = () => (built ??= new ExchangeConnection(settings));
  }

  RED.nodes.registerType('buero-exchange-connection', BueroExchangeConnectionNode as never, {
    credentials: {
      password: { type: 'password' },
      clientSecret: { type: 'password' },
    },
  });

  /**
   * "Test connection": the dialog sends the typed (unsaved) settings; a secret it did not
   * change arrives as Node-RED's placeholder and is taken from the saved node.
   */
  RED.httpAdmin.post('/buero-exchange-connection/test', RED.auth.needsPermission('buero-exchange-connection.write'), async (req, res) => {
    const body = (req.body ?? {}) as { id?: string; settings?: ConnectionConfig; credentials?: ConnectionCredentials; mailbox?: string };
    const saved = (body.id ? (RED.nodes.getCredentials(body.id) as ConnectionCredentials | undefined) : undefined) ?? {};
    const typed = body.credentials ?? {};
    const pick = (name: keyof ConnectionCredentials) => (typed[name] === UNCHANGED || typed[name] === undefined ? saved[name] : typed[name]);
    const deployed = body.id ? (RED.nodes.getNode(body.id) as Node | null) ?? undefined : undefined;
    try {
      const settings = toSettings(body.settings ?? {} as ConnectionConfig, { password: pick('password'), clientSecret: pick('clientSecret') }, deployed);
      const result = await testConnection(settings, String(body.mailbox ?? ''));
      res.json(result);
    } catch (err) {
      res.json({ ok: false, step: 'other', message: String((err as Error)?.message ?? err) });
    }
  });
};
