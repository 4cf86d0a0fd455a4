import * as ews from 'ews-javascript-api';
import type { ExchangeError } from '../errors';
import type { ExchangeConnection } from '../connection/exchange-connection';
import type { ItemKind } from '../model';
import { classify, toExchangeError } from './errors';
import { xmlText } from './escape';
import { releaseBytes } from '../../net/release-bytes';
import { ExchangeHttp } from './service';
import { windowsZone } from './soap-items';
import { envelope } from './soap-requests';
import { parseXml, readFault, readResponseMessages, type ResponseMessage } from './soap-reader';

/**
 * Posts one of the writer's SOAP requests through the same HTTP layer ews-javascript-api uses
 * (ExchangeHttp: NTLM on kept connections, Basic, OAuth renewed once on 401, the CA,
 * X-AnchorMailbox) and reads the per-item answers. Failures become ExchangeErrors with the
 * classification of errors.ts: a SOAP fault for the whole request (ErrorServerBusy keeps its
 * BackOffMilliseconds), HTTP statuses and network errors exactly as through the library.
 */
export function soapRequest(connection: ExchangeConnection, mailbox: string, kind: ItemKind, body: string): Promise<ResponseMessage[]> {
  // The request goes as bytes made here, before any await: the text of a batch (100 KB and
  // more, built from many small pieces) would otherwise live through the request and be
  // promoted to V8's old space, which then grows by a multiple (docs/architecture.md, "Memory").
  let data: Buffer;
  try {
    data = Buffer.from(envelope({ version: connection.version, mailbox, timeZone: kind === 'task' ? serviceZone(connection) : undefined }, body), 'utf8');
  } catch (err) {
    return Promise.reject(toExchangeError(err, undefined, connection.endpoint, mailbox));
  }
  return post(connection, mailbox, data);
}

async function post(connection: ExchangeConnection, mailbox: string, data: Buffer): Promise<ResponseMessage[]> {
  const httpLayer = new ExchangeHttp(connection);
  const fail = (thrown: unknown) => toExchangeError(thrown, httpLayer.failure, connection.endpoint, mailbox);
  let text: string;
  try {
    const headers: Record<string, string> = {
      'Content-Type': 'text/xml; charset=utf-8', Accept: 'text/xml', 'Accept-Encoding': 'gzip,deflate', 'X-AnchorMailbox': mailbox,
    };
    const auth = connection.auth;
    if (auth.kind === 'oauth') headers.Authorization = `Bearer ${await auth.tokens.get()}`;
    else if (auth.kind === 'basic') headers.Authorization = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
    const answer = await httpLayer.xhr({ url: connection.ewsUrl, type: 'POST', headers, data });
    // Answered (HTTP 200, read to the end): Exchange has read the whole request.
    releaseBytes(data);
    text = answer.responseText;
  } catch (thrown) {
    // ExchangeHttp passes on an HTTP 500 only when its body is a SOAP envelope: the fault.
    const wire = thrown as { status?: number; responseText?: string };
    if (wire?.status === 500 && wire.responseText) throw faultError(wire.responseText, mailbox, thrown) ?? fail(thrown);
    throw fail(thrown);
  }
  try {
    const root = parseXml(text);
    const fault = readFault(root);
    if (fault) throw classify(fault.code, fault.messageText, { backOffMs: fault.backOffMs, mailbox, cause: fault });
    return readResponseMessages(root);
  } catch (err) {
    throw fail(err);
  }
}

function faultError(text: string, mailbox: string, cause: unknown) {
  try {
    const fault = readFault(parseXml(text));
    return fault && classify(fault.code, fault.messageText, { backOffMs: fault.backOffMs, mailbox, cause });
  } catch {
    return undefined;
  }
}

/**
 * The zone ews-javascript-api sends in TimeZoneContext with tasks (the connection's zone, else
 * the process's): Exchange takes a task's dates in it.
 */
function serviceZone(connection: ExchangeConnection): string {
  if (connection.timeZone) return windowsZone(connection.timeZone, '', 'timeZone');
  const local = ews.TimeZoneInfo.Local;
  return ` Name="${xmlText(local.DisplayName.replace(/&amp;/g, '&'))}" Id="${xmlText(local.Id)}"`;
}

/** One item's answer as an ExchangeError, or undefined when it succeeded. */
export function messageError(message: ResponseMessage, record: string, mailbox: string): ExchangeError | undefined {
  if (message.ok) return undefined;
  return classify(message.code, message.messageText, { record, backOffMs: message.backOffMs, mailbox, cause: message });
}
