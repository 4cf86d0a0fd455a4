/**
 * SOAP responses as Exchange 2016 writes them: the envelope with ServerVersionInfo, response
 * messages (Success/Error with ResponseCode, MessageText, DescriptiveLinkKey, MessageXml) and
 * SOAP faults (HTTP 500) with the EWS error code in faultcode and detail.
 * Source: EWS reference ("ResponseCode", "ServerVersionInfo") and fault bodies recorded from
 * Exchange in public client test suites (ErrorServerBusy, ErrorNonExistentMailbox).
 */
import { NS, el, esc } from './xml';

/** What this simulator says it is: Exchange 2016 (15.1), schema version V2016_10_10. */
const SERVER_VERSION = { MajorVersion: '15', MinorVersion: '1', MajorBuildNumber: '2507', MinorBuildNumber: '6', Version: 'V2016_10_10' };

/** Message texts Exchange sends for the error codes the simulator produces. */
export const ERROR_TEXT: Record<string, string> = {
  ErrorItemNotFound: 'The specified object was not found in the store., The process failed to get the correct properties.',
  ErrorFolderNotFound: 'The specified folder could not be found in the store.',
  ErrorIrresolvableConflict: 'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.',
  ErrorInvalidIdMalformed: 'Id is malformed.',
  ErrorServerBusy: 'The server cannot service this request right now. Try again later.',
  ErrorNonExistentMailbox: 'The SMTP address has no mailbox associated with it.',
  ErrorImpersonateUserDenied: 'The account does not have permission to impersonate the requested user.',
  ErrorInvalidExchangeImpersonationHeaderData: 'ExchangeImpersonation SOAP header must be present for this type of OAuth token.',
  ErrorExceededConnectionCount: 'You have exceeded the available concurrent connections for your account.  Try again once your other requests have completed.',
  ErrorSchemaValidation: 'The request failed schema validation.',
  ErrorMissingEmailAddress: 'When making a request as an account that does not have a mailbox, you must specify the mailbox primary SMTP address for any distinguished folder Ids.',
  ErrorFolderExists: 'A folder with the specified name already exists.',
  ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange: 'Occurrence index is out of recurrence range.',
  ErrorCalendarOccurrenceIsDeletedFromRecurrence: 'Occurrence with this index was previously deleted from the recurrence.',
  ErrorCalendarEndDateIsEarlierThanStartDate: 'EndDate is earlier than StartDate',
  ErrorCalendarInvalidRecurrence: 'The recurrence pattern is invalid.',
  ErrorInvalidSyncStateData: 'Synchronization state data is corrupt or otherwise invalid.',
  ErrorInvalidPropertyRequest: 'The property is not valid for this operation.',
  ErrorInvalidPropertySet: 'Set action is invalid for property.',
  ErrorInvalidOperation: 'The operation is not valid for this item.',
  ErrorAccessDenied: 'Access is denied. Check credentials and try again.',
};

export function envelope(body: string): string {
  return '<?xml version="1.0" encoding="utf-8"?>'
    + `<s:Envelope xmlns:s="${NS.soap}">`
    + '<s:Header>'
    + el('h:ServerVersionInfo', { ...SERVER_VERSION, 'xmlns:h': NS.t, xmlns: NS.t, 'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance', 'xmlns:xsd': 'http://www.w3.org/2001/XMLSchema' })
    + '</s:Header>'
    + `<s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">${body}</s:Body>`
    + '</s:Envelope>';
}

/** `<m:{op}Response>` holding the response messages, one per item, in request order. */
export function operationResponse(op: string, messages: string[]): string {
  return el(`m:${op}Response`, { 'xmlns:m': NS.m, 'xmlns:t': NS.t }, el('m:ResponseMessages', null, messages.join('')));
}

export function successMessage(op: string, inner = ''): string {
  return el(`m:${op}ResponseMessage`, { ResponseClass: 'Success' }, '<m:ResponseCode>NoError</m:ResponseCode>' + inner);
}

export interface EwsError {
  code: string;
  message?: string;
  /** MessageXml values, e.g. `{ BackOffMilliseconds: '30000' }`. */
  values?: Record<string, string>;
}

/** An Error response message; `trailer` is the empty container the operation carries (`<m:Items/>`). */
export function errorMessage(op: string, error: EwsError, trailer = ''): string {
  const values = Object.entries(error.values ?? {});
  return el(`m:${op}ResponseMessage`, { ResponseClass: 'Error' },
    el('m:MessageText', null, esc(error.message ?? ERROR_TEXT[error.code] ?? error.code))
    + el('m:ResponseCode', null, error.code)
    + '<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>'
    + (values.length ? el('m:MessageXml', null, values.map(([k, v]) => el('t:Value', { Name: k }, esc(v))).join('')) : '')
    + trailer);
}

/** A SOAP fault as Exchange sends it (with HTTP 500). */
export function fault(error: EwsError & { xml?: string }): string {
  const values = Object.entries(error.values ?? {});
  const messageXml = error.xml ?? values.map(([k, v]) => el('t:Value', { Name: k }, esc(v))).join('');
  const text = error.message ?? ERROR_TEXT[error.code] ?? error.code;
  return '<?xml version="1.0" encoding="utf-8"?>'
    + `<s:Envelope xmlns:s="${NS.soap}"><s:Body><s:Fault>`
    + el('faultcode', { 'xmlns:a': NS.t }, `a:${error.code}`)
    + el('faultstring', { 'xml:lang': 'en-US' }, esc(text))
    + '<detail>'
    + el('e:ResponseCode', { 'xmlns:e': NS.e }, error.code)
    + el('e:Message', { 'xmlns:e': NS.e }, esc(text))
    + (messageXml ? el('t:MessageXml', { 'xmlns:t': NS.t }, messageXml) : '')
    + '</detail></s:Fault></s:Body></s:Envelope>';
}
