import { GRAPH_ROLES, GRAPH_SCOPE, type ExchangeConnection } from '../connection/exchange-connection';
import { ExchangeCode } from '../../error-codes';
import { ExchangeError } from '../errors';
import type { ItemKind } from '../model';
import { GraphClient } from './client';
import { responseError } from './errors';

/**
 * "Test connection" for Microsoft Graph: the token must carry each application permission
 * (Calendars.ReadWrite, Contacts.ReadWrite, Tasks.ReadWrite.All), and one call per resource
 * must reach the mailbox (an application access policy or RBAC for Applications may exclude
 * it even when the permission is granted). The first problem is named.
 */
export type ProbeResult =
  | { ok: true }
  | { ok: false; step: 'permission' | 'mailbox' | 'other'; message: string; permission?: string; error?: ExchangeError };

const PROBES: [ItemKind, (user: string) => string][] = [
  ['appointment', (u) => `${u}/calendar?$select=id`],
  ['contact', (u) => `${u}/contactFolders?$top=1`],
  ['task', (u) => `${u}/todo/lists?$top=1`],
];

export async function probeGraph(connection: ExchangeConnection, mailbox: string): Promise<ProbeResult> {
  const token = await connection.tokenSource(GRAPH_SCOPE).get();
  const roles = rolesOf(token);
  if (roles) {
    for (const role of Object.values(GRAPH_ROLES)) {
      if (!roles.includes(role)) {
        return {
          ok: false, step: 'permission', permission: role,
          message: `The app has no admin consent for the Microsoft Graph application permission ${role}. Add it under App registrations → API permissions and grant admin consent.`,
        };
      }
    }
  }
  const client = new GraphClient(connection);
  try {
    for (const [kind, url] of PROBES) {
      const res = await client.request(mailbox, { method: 'GET', url: url(GraphClient.user(mailbox)) });
      const error = responseError(res, undefined, mailbox);
      if (!error) continue;
      const role = GRAPH_ROLES[kind];
      if (res.status === 403) {
        return {
          ok: false, step: 'permission', permission: role, error,
          message: `Microsoft Graph denied ${role} for ${mailbox}: check the admin consent and whether the application access policy (New-ApplicationAccessPolicy) or RBAC for Applications includes this mailbox.`,
        };
      }
      if (error.code === ExchangeCode.mailbox) return { ok: false, step: 'mailbox', message: error.message, error };
      return { ok: false, step: 'other', message: error.message, error };
    }
  } finally {
    client.close();
  }
  return { ok: true };
}

function rolesOf(token: string): string[] | undefined {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { roles?: unknown };
    return Array.isArray(claims.roles) ? claims.roles.map(String) : [];
  } catch {
    return undefined;
  }
}
