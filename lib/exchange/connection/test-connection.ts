import dns from 'node:dns/promises';
import net from 'node:net';
import { ExchangeConnection, type ConnectionSettings } from './exchange-connection';
import { ExchangeCode } from '../../error-codes';
import { ExchangeError } from '../errors';
import { probeGraph } from '../graph/probe';

/**
 * "Test connection" in the connection's edit dialog: reaches Exchange the way the writer
 * will (DNS, TLS, credentials or token, impersonation of the mailbox the admin typed, the
 * mailbox itself) and reports the first step that fails, in words.
 */
export type TestStep = 'ok' | 'config' | 'dns' | 'tls' | 'unreachable' | 'url' | 'auth' | 'impersonation' | 'mailbox' | 'permission' | 'other';

export interface TestResult {
  ok: boolean;
  step: TestStep;
  message: string;
  /** The setting to fix, for config problems. */
  field?: string;
  /** Microsoft Graph: the application permission that is missing. */
  permission?: string;
}

const STEP_OF: Record<string, TestStep> = {
  [ExchangeCode.config]: 'config',
  [ExchangeCode.dns]: 'dns',
  [ExchangeCode.tls]: 'tls',
  [ExchangeCode.unavailable]: 'unreachable',
  [ExchangeCode.auth]: 'auth',
  [ExchangeCode.impersonation]: 'impersonation',
  [ExchangeCode.mailbox]: 'mailbox',
  [ExchangeCode.serverBusy]: 'unreachable',
};

/** The step a failure stops at; anything but an ExchangeError is "other". */
function stepOf(err: unknown): TestStep {
  return (err instanceof ExchangeError && STEP_OF[err.code]) || 'other';
}

function messageOf(err: unknown): string {
  return String((err as Error)?.message ?? err);
}

export async function testConnection(settings: ConnectionSettings, mailbox: string): Promise<TestResult> {
  let connection: ExchangeConnection;
  try {
    connection = new ExchangeConnection({ ...settings, requestTimeoutMs: settings.requestTimeoutMs ?? 20_000 });
  } catch (err) {
    const e = err as ExchangeError;
    return { ok: false, step: 'config', message: e.message, field: e.field };
  }
  const target = mailbox.trim();
  if (!/^[^\s@]+@[^\s@]+$/.test(target)) {
    return { ok: false, step: 'config', field: 'mailbox', message: 'Enter the SMTP address of a mailbox to test with, e.g. anna.meier@firma.de.' };
  }

  const graph = connection.api === 'graph';
  const host = new URL(graph ? connection.graphUrl : connection.ewsUrl).hostname.replace(/^\[|\]$/g, '');
  if (!net.isIP(host)) {
    try {
      await dns.lookup(host);
    } catch (err) {
      return { ok: false, step: 'dns', message: `The host name ${host} cannot be resolved (DNS, ${(err as NodeJS.ErrnoException).code ?? 'error'}). Check the host and the server's DNS settings.` };
    }
  }

  if (graph) {
    try {
      const probe = await probeGraph(connection, target);
      if (probe.ok) {
        return { ok: true, step: 'ok', message: `Connected to ${new URL(connection.graphUrl).host} (Microsoft Graph): the app can write calendar, contacts and tasks of ${target}.` };
      }
      return { ok: false, step: probe.step, message: probe.message, permission: probe.permission };
    } catch (err) {
      return { ok: false, step: stepOf(err), message: messageOf(err) };
    }
  }

  // EWS is loaded for an EWS connection only (lib/exchange/open-transport.ts: why).
  const ews = require('ews-javascript-api') as typeof import('ews-javascript-api');
  const { ewsCall } = require('../ews/service') as typeof import('../ews/service');
  try {
    if (connection.auth.kind === 'oauth') await connection.auth.tokens.get();
    // Reading the mailbox's calendar folder needs the credentials, the impersonation right and the mailbox.
    await ewsCall(connection, target, (service) =>
      ews.Folder.Bind(service, ews.WellKnownFolderName.Calendar, new ews.PropertySet(ews.BasePropertySet.IdOnly)));
  } catch (err) {
    const step = err instanceof ExchangeError && err.httpStatus === 404 ? 'url' : stepOf(err);
    return { ok: false, step, message: messageOf(err) };
  }
  return {
    ok: true,
    step: 'ok',
    message: `Connected to ${new URL(connection.ewsUrl).host}: the account can write to ${target}.`,
  };
}
