import type { Request, Response } from 'express';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { BueroCode } from '../../lib/error-codes';
import { BueroConnection, resolveSettings } from '../../lib/buero/connection';
import { DEFAULT_FIELDS } from '../../lib/buero/fields';
import { nodeRedLookup } from '../../lib/env';
import { SyncError, toError } from '../../lib/errors';
import { registerSecret } from '../../lib/log/redact';
import { acquireStateDb, releaseStateDb } from '../../lib/state/shared-db';
import { upgradeConfig } from '../shared/config-version';
import { stateFilePath } from '../shared/state-file';
import type { BueroConnectionConfigNode } from './api';

interface BueroConnectionDef extends NodeDef {
  endpoint: string;
  mandant: string;
  caFile: string;
  auth: 'oauth' | 'static';
  authorizationUrl: string;
  tokenUrl: string;
  scope: string;
  stateFile: string;
  fields: unknown;
  /** Each secret may name the environment variable that holds it instead (a typed one wins). */
  clientIdEnv?: string;
  clientSecretEnv?: string;
  staticTokenEnv?: string;
}

interface Credentials {
  clientId?: string;
  clientSecret?: string;
  staticToken?: string;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

function page(title: string, text: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body style="font-family:sans-serif;margin:3em"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>`;
}

export = function (RED: NodeAPI) {
  function BueroConnectionNode(this: Node, saved: BueroConnectionDef) {
    RED.nodes.createNode(this, saved);
    const node = this as BueroConnectionConfigNode;
    let config: BueroConnectionDef;
    try {
      config = upgradeConfig(saved);
    } catch (err) {
      node.configError = err as SyncError;
      node.error(node.configError.message);
      return;
    }
    const creds = (node.credentials ?? {}) as Credentials;
    node.stateFile = stateFilePath(RED, config.stateFile);
    let acquired = false;
    try {
      const settings = resolveSettings({
        name: config.name,
        endpoint: config.endpoint,
        mandant: config.mandant,
        caFile: config.caFile,
        auth: config.auth,
        clientId: creds.clientId,
        clientIdEnv: config.clientIdEnv,
        clientSecret: creds.clientSecret,
        clientSecretEnv: config.clientSecretEnv,
        authorizationUrl: config.authorizationUrl,
        tokenUrl: config.tokenUrl,
        scope: config.scope,
        staticToken: creds.staticToken,
        staticTokenEnv: config.staticTokenEnv,
        fields: config.fields,
      }, nodeRedLookup((name) => RED.util.getSetting(node, name)));
      // The sync log and the monitoring status mask these wherever a library echoes them.
      registerSecret(settings.staticToken);
      registerSecret(settings.clientSecret);
      const db = acquireStateDb(node.stateFile);
      acquired = true;
      node.connection = new BueroConnection(settings, { db, connectionId: node.id });
      // The log says why a re-connect is needed (the change source's status says that it is).
      node.connection.onAuthChange((state, reason) => {
        if (state === 'reconnect') node.warn(RED._('buero-connection.log.reconnect', { reason: reason ?? '' }));
        else node.log(RED._('buero-connection.log.connected'));
      });
    } catch (err) {
      node.configError = err instanceof SyncError ? err : new SyncError(BueroCode.config, toError(err).message, { cause: err });
      node.error(node.configError.message);
    }
    node.on('close', (done: () => void) => {
      node.connection?.close();
      if (acquired) releaseStateDb(node.stateFile);
      done();
    });
  }

  RED.nodes.registerType('buero-connection', BueroConnectionNode, {
    credentials: {
      clientId: { type: 'text' },
      clientSecret: { type: 'password' },
      staticToken: { type: 'password' },
    },
  });

  const deployed = (req: Request, res: Response): BueroConnectionConfigNode | undefined => {
    const node = RED.nodes.getNode(String(req.params.id)) as BueroConnectionConfigNode | null;
    if (!node) {
      res.status(404).json({ error: RED._('buero-connection.errors.notDeployed') });
      return undefined;
    }
    if (!node.connection) {
      res.status(400).json({ error: node.configError?.message ?? RED._('buero-connection.errors.notDeployed') });
      return undefined;
    }
    return node;
  };

  // The field names and their defaults, for the editor's field-map table.
  RED.httpAdmin.get('/buero-connection/field-defaults', RED.auth.needsPermission('buero-connection.read'), (_req, res) => {
    res.json(DEFAULT_FIELDS);
  });

  // Whether the (deployed) connection is connected to büro+, for the edit dialog.
  RED.httpAdmin.get('/buero-connection/:id/state', RED.auth.needsPermission('buero-connection.read'), (req, res) => {
    const node = RED.nodes.getNode(String(req.params.id)) as BueroConnectionConfigNode | null;
    if (!node) return void res.json({ deployed: false });
    if (!node.connection) return void res.json({ deployed: true, error: node.configError?.message });
    const session = node.connection.session;
    res.json({ deployed: true, auth: node.connection.settings.auth, ...(session ? session.state : { state: 'connected' }) });
  });

  // "Connect to büro+": starts the PKCE login and answers the URL the editor opens.
  RED.httpAdmin.post('/buero-connection/:id/connect', RED.auth.needsPermission('buero-connection.write'), async (req, res) => {
    const node = deployed(req, res);
    if (!node) return;
    const session = node.connection?.session;
    if (!session) return void res.status(400).json({ error: RED._('buero-connection.errors.notOAuth') });
    const redirectUri = typeof req.body?.redirectUri === 'string' ? req.body.redirectUri : '';
    if (!/^https?:\/\//.test(redirectUri) || !redirectUri.endsWith(`/buero-connection/${node.id}/callback`)) {
      return void res.status(400).json({ error: RED._('buero-connection.errors.redirectUri') });
    }
    try {
      const { url } = await session.beginLogin(redirectUri);
      res.json({ url });
    } catch (err) {
      res.status(502).json({ error: toError(err).message });
    }
  });

  // The büro+ login sends the browser back here. No editor login can ride along on this
  // redirect, so the route is open; the one-time `state` ties it to a login this node started.
  RED.httpAdmin.get('/buero-connection/:id/callback', async (req, res) => {
    const node = RED.nodes.getNode(String(req.params.id)) as BueroConnectionConfigNode | null;
    const session = node?.connection?.session;
    const state = typeof req.query.state === 'string' ? req.query.state : undefined;
    if (!node || !session || !state || !session.hasPendingLogin(state)) {
      return void res.status(400).type('html').send(page(RED._('buero-connection.callback.failed'), RED._('buero-connection.errors.unknownLogin')));
    }
    try {
      await session.completeLogin({
        code: typeof req.query.code === 'string' ? req.query.code : undefined,
        state,
        error: typeof req.query.error === 'string' ? req.query.error : undefined,
        error_description: typeof req.query.error_description === 'string' ? req.query.error_description : undefined,
      });
      res.type('html').send(page(RED._('buero-connection.callback.connected'), RED._('buero-connection.callback.close')));
    } catch (err) {
      const message = toError(err).message;
      node.warn(message);
      res.status(400).type('html').send(page(RED._('buero-connection.callback.failed'), message));
    }
  });

  // "Check fields": asks büro+ for each entity type and lists configured fields that do not exist.
  RED.httpAdmin.post('/buero-connection/:id/check-fields', RED.auth.needsPermission('buero-connection.read'), async (req, res) => {
    const node = deployed(req, res);
    if (!node) return;
    try {
      res.json({ entities: await (node.connection as BueroConnection).checkFields() });
    } catch (err) {
      res.status(502).json({ error: toError(err).message });
    }
  });
};
