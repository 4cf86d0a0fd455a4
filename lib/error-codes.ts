/**
 * Every error code of the product, one table per station a change passes (büro+ → mapping →
 * Exchange writer → Exchange; the state file and the nodes beside them). A code is upper snake
 * case with its station as prefix, so a log line, a Catch message and the node status say
 * where the fault lies: `BUERO_MALFORMED_ROW`, `MAPPING_FIELD_INVALID`, `EXCHANGE_SERVER_BUSY`.
 *
 * Code throws `new SyncError(BueroCode.malformedRow, …)`, never a string (eslint.config.mjs
 * refuses one). The sync log's help lists each code with what an administrator does about it
 * (nodes/buero-sync-log/locales/*); test/error-codes.test.ts keeps help and tables the same.
 */

/** The büro+ connection and the change source: reading büro+. */
export const BueroCode = {
  /** A setting of the büro+ connection is missing or wrong (URL, Mandant, CA file, sign-in, a variable not set). */
  config: 'BUERO_CONFIG',
  /** A name in the connection's field map is no valid büro+ field name. */
  fieldName: 'BUERO_FIELD_NAME',
  /** büro+ has no field of a name the field map uses (the answer names field, type and setting). */
  unknownField: 'BUERO_UNKNOWN_FIELD',
  /** The certificate of the büro+ server is not trusted (CA certificate setting). */
  tls: 'BUERO_TLS',
  /** büro+ cannot be reached (refused, DNS, timeout, connection dropped); retried. */
  unreachable: 'BUERO_UNREACHABLE',
  /** büro+ answered HTTP 5xx; retried. */
  unavailable: 'BUERO_UNAVAILABLE',
  /** büro+ answered an HTTP status the change source does not expect. */
  http: 'BUERO_HTTP',
  /** büro+ answered without GraphQL JSON or without a token: most likely a wrong URL. */
  protocol: 'BUERO_PROTOCOL',
  /** büro+ reported an error in the GraphQL answer. */
  graphql: 'BUERO_GRAPHQL',
  /** The static token is empty or büro+ refused the access token (HTTP 401). */
  auth: 'BUERO_AUTH',
  /** büro+ refused access (HTTP 403): the büro+ user lacks "Zugriff über GraphQL erlaubt". */
  forbidden: 'BUERO_FORBIDDEN',
  /** OAuth: "Connect to büro+" has not been done yet. */
  notConnected: 'BUERO_NOT_CONNECTED',
  /** OAuth: the refresh token is gone or refused; only a new "Connect to büro+" helps. */
  reconnectNeeded: 'BUERO_RECONNECT_NEEDED',
  /** OAuth: a "Connect to büro+" login did not complete. */
  login: 'BUERO_LOGIN',
  /** OAuth: büro+ does not accept the client (client ID and secret). */
  client: 'BUERO_CLIENT',
  /** OAuth: büro+ refused a refresh token (invalid_grant). */
  tokenRefused: 'BUERO_TOKEN_REFUSED',
  /** OAuth: the token endpoint refused a request for another reason. */
  token: 'BUERO_TOKEN',
  /** A büro+ row holds a value the change source cannot read (id, version, kind, participants). */
  malformedRow: 'BUERO_MALFORMED_ROW',
  /** büro+ at this address serves another Mandant than the one set: the change source stops. */
  mandantMismatch: 'BUERO_MANDANT_MISMATCH',
  /** An unexpected failure inside the change source (a bug). */
  internal: 'BUERO_INTERNAL',
  // Writing büro+ (the way back from Outlook).
  /** The büro+ user of the connection may not write a field (büro+: `Argument "set" is not defined`); the answer names it. */
  fieldNotWritable: 'BUERO_FIELD_NOT_WRITABLE',
  /** büro+ refused a value on save (too long, a time it does not take); the answer names the field. */
  valueRefused: 'BUERO_VALUE_REFUSED',
  /** The büro+ record to change or delete no longer exists. */
  recordGone: 'BUERO_RECORD_GONE',
} as const;

/** The mapper (buero-map): a büro+ change becomes Exchange items. */
export const MappingCode = {
  /** A setting of the mapper is wrong (time zone, body format, a field override). */
  configInvalid: 'MAPPING_CONFIG_INVALID',
  /** The message is no büro+ change (op, kind, table, id, version, Mandant or targets wrong). */
  changeInvalid: 'MAPPING_CHANGE_INVALID',
  /** A field the item needs is empty. */
  fieldMissing: 'MAPPING_FIELD_MISSING',
  /** A field holds a value of the wrong kind (no date-time, no text, no yes/no). */
  fieldInvalid: 'MAPPING_FIELD_INVALID',
  /** The end (or due date) lies before the start. */
  endBeforeStart: 'MAPPING_END_BEFORE_START',
  /** The series rule or an exception date cannot be read. */
  seriesInvalid: 'MAPPING_SERIES_INVALID',
  /** The series rule is valid but has no Exchange equivalent. */
  seriesUnsupported: 'MAPPING_SERIES_UNSUPPORTED',
  /** A contact has no name, no company and no e-mail address. */
  contactNoName: 'MAPPING_CONTACT_NO_NAME',
  /** A field override's expression failed for this record. */
  overrideFailed: 'MAPPING_OVERRIDE_FAILED',
  /** A field override gave a value the item field cannot take. */
  overrideInvalid: 'MAPPING_OVERRIDE_INVALID',
  /** An unexpected failure inside the mapper (a bug). */
  failed: 'MAPPING_FAILED',
  // Warnings: the mapper repaired the value and the item is written.
  /** A value was not usable and the default was taken (reminder minutes, priority). */
  valueIgnored: 'MAPPING_VALUE_IGNORED',
  /** Control characters or line breaks were removed from a text. */
  controlCharsRemoved: 'MAPPING_CONTROL_CHARS_REMOVED',
  /** The subject was empty; a placeholder was used. */
  subjectEmpty: 'MAPPING_SUBJECT_EMPTY',
  /** The subject was longer than Exchange takes and was cut. */
  subjectCut: 'MAPPING_SUBJECT_CUT',
  /** An e-mail address was invalid or beyond the three a contact holds, and was left out. */
  emailDropped: 'MAPPING_EMAIL_DROPPED',
  /** A recurring task is written as a single task. */
  taskSeriesIgnored: 'MAPPING_TASK_SERIES_IGNORED',
  /** An exception date is no date of the series and was left out. */
  seriesExceptionIgnored: 'MAPPING_SERIES_EXCEPTION_IGNORED',
  /** The series starts on a date its rule does not include; Outlook starts on the first match. */
  seriesStartMismatch: 'MAPPING_SERIES_START_MISMATCH',
  /** The series repeats on day 29–31; months without that day differ between büro+ and Outlook. */
  seriesShortMonths: 'MAPPING_SERIES_SHORT_MONTHS',
  /** The way back: an Outlook time in the hour the clocks go back; büro+'s local time reads as its first pass. */
  timeRepeated: 'MAPPING_TIME_REPEATED',
} as const;

/** Exchange (EWS or Microsoft Graph); the transports map their own codes onto these. */
export const ExchangeCode = {
  /** Exchange asked us to slow down (EWS ErrorServerBusy, Graph 429); its wait hint is honoured. */
  serverBusy: 'EXCHANGE_SERVER_BUSY',
  /** HTTP 503, a broken connection, a timeout: try again with exponential backoff. */
  unavailable: 'EXCHANGE_UNAVAILABLE',
  /** The host name of Exchange cannot be resolved. */
  dns: 'EXCHANGE_DNS',
  /** The certificate of Exchange is not trusted. */
  tls: 'EXCHANGE_TLS',
  /** Credentials refused (HTTP 401, or an AADSTS error from Entra ID). */
  auth: 'EXCHANGE_AUTH',
  /** The account may not act for this mailbox (ErrorImpersonateUserDenied and friends). */
  impersonation: 'EXCHANGE_IMPERSONATION',
  /** The mailbox does not exist or is not available (ErrorNonExistentMailbox, moving). */
  mailbox: 'EXCHANGE_MAILBOX',
  /** The item changed since we last saw it (ErrorIrresolvableConflict): re-read and retry. */
  conflict: 'EXCHANGE_CONFLICT',
  /** The item is gone (deleted in Outlook). */
  itemNotFound: 'EXCHANGE_ITEM_NOT_FOUND',
  /** Exchange rejected this item's content; trying again will not help. */
  itemRejected: 'EXCHANGE_ITEM_REJECTED',
  /** Exchange rejected the whole request (schema, version); a bug or a setting. */
  requestRejected: 'EXCHANGE_REQUEST_REJECTED',
  /** A folder the writer needs could not be found or created. */
  folder: 'EXCHANGE_FOLDER',
  /** A connection setting is missing or wrong. */
  config: 'EXCHANGE_CONFIG',
} as const;

/** The Exchange writer's own faults, before anything is sent. */
export const WriterCode = {
  /** The message is no writer message (action, kind, mailbox, key or item wrong). */
  messageInvalid: 'WRITER_MESSAGE_INVALID',
  /** The writer is stopping (a deploy); the change is sent again after the restart. */
  closed: 'WRITER_CLOSED',
  /** A queued change this version cannot read any more; it was dropped. */
  queueUnreadable: 'WRITER_QUEUE_UNREADABLE',
} as const;

/** The way back (Outlook → büro+): its own faults; büro+'s refusals keep their BUERO_ codes. */
export const WayBackCode = {
  /** büro+ changed the entry again each time the way back merged against it; taken with the next poll. */
  busyRecord: 'WAYBACK_RECORD_BUSY',
  /** The new büro+ entry's key could not be stamped on the Outlook item; tried again with the next poll (no second entry). */
  adoptFailed: 'WAYBACK_ADOPT_FAILED',
  /** One poll would delete more than a fifth of a mailbox's synced items (and at least ten): the mailbox is held until an administrator resumes it. */
  deletionsHeld: 'WAYBACK_DELETIONS_HELD',
  /** An unexpected failure inside the way back (a bug). */
  internal: 'WAYBACK_INTERNAL',
} as const;

/** The state file (SQLite): position, sign-in, queue and id map. */
export const StateCode = {
  /** A newer version of the nodes wrote the state file; this one does not read it. */
  fileTooNew: 'STATE_FILE_TOO_NEW',
  /** Upgrading the state file to this version's layout failed; it was left as it was. */
  fileUpgrade: 'STATE_FILE_UPGRADE',
} as const;

/** The Node-RED nodes. */
export const NodeCode = {
  /** A node's settings were saved by a newer release of the package. */
  settingsTooNew: 'NODE_SETTINGS_TOO_NEW',
  /** The sync log's name for an error that carries no code (a function node, another package). */
  error: 'NODE_ERROR',
} as const;

/** The tables by station, in the order a change passes them. */
export const ERROR_CODES = {
  buero: BueroCode,
  mapping: MappingCode,
  exchange: ExchangeCode,
  writer: WriterCode,
  wayBack: WayBackCode,
  state: StateCode,
  node: NodeCode,
} as const;

export type Station = keyof typeof ERROR_CODES;
type CodesOf<T> = T[keyof T];
export type ErrorCode = { [S in Station]: CodesOf<(typeof ERROR_CODES)[S]> }[Station];
export type ExchangeErrorCode = CodesOf<typeof ExchangeCode>;

/** The prefix every code of a station starts with. */
export const STATION_PREFIX: Record<Station, string> = {
  buero: 'BUERO_',
  mapping: 'MAPPING_',
  exchange: 'EXCHANGE_',
  writer: 'WRITER_',
  wayBack: 'WAYBACK_',
  state: 'STATE_',
  node: 'NODE_',
};
