/**
 * Redaction: no secret reaches the log file, the sink's output, a node status or Node-RED's
 * log. Two nets: the secret values the nodes register at start (exact, in the encodings a
 * library may show them), and patterns for what secrets look like in library error texts
 * (Authorization headers, JWTs, OAuth form bodies, JSON token responses, SOAP headers).
 */

export const MASK = '***';

/** Shorter values would mask ordinary words and numbers all over the log. */
export const MIN_SECRET_LENGTH = 4;

const secrets = new Set<string>();
let secretPattern: RegExp | undefined;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const xmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/**
 * A node registers each credential value when it starts (client secret, password, token).
 * Also masked: the value URL-encoded (query strings, form bodies), JSON-escaped and
 * XML-escaped, the forms in which libraries echo a request back in their errors.
 */
export function registerSecret(value: unknown): void {
  if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
  const forms = [
    value,
    encodeURIComponent(value),
    encodeURIComponent(value).replace(/%20/g, '+'),
    JSON.stringify(value).slice(1, -1),
    xmlEscape(value),
  ];
  const before = secrets.size;
  for (const form of forms) if (form.length >= MIN_SECRET_LENGTH) secrets.add(form);
  if (secrets.size !== before) secretPattern = undefined;
}

/** For tests: forget every registered value. */
export function clearSecrets(): void {
  secrets.clear();
  secretPattern = undefined;
}

function registeredPattern(): RegExp | undefined {
  if (secrets.size === 0) return undefined;
  if (!secretPattern) {
    // Longest first, so a value that contains another is masked whole.
    const alternatives = [...secrets].sort((a, b) => b.length - a.length).map(escapeRegExp);
    secretPattern = new RegExp(alternatives.join('|'), 'g');
  }
  return secretPattern;
}

/** Names under which secrets travel in forms, query strings, JSON and JS object dumps. */
const SECRET_NAMES =
  'client_secret|clientSecret|client_assertion|password|passwd|pwd|passphrase|secret|' +
  'access_token|accessToken|refresh_token|refreshToken|id_token|idToken|token|' +
  'api_key|apiKey|apikey|assertion|code_verifier|codeVerifier|sig|signature|sessionid|jsessionid';

/** `Scheme token` → `Scheme ***`, unless the "token" is an ordinary lowercase word. */
function schemeToken(match: string, scheme: string, token: string): string {
  return /^[a-z]+$/.test(token) ? match : `${scheme} ${MASK}`;
}

type Replacement = string | ((match: string, ...groups: string[]) => string);

const PATTERNS: ReadonlyArray<[RegExp, Replacement]> = [
  // scheme://user:password@host
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@"'<>]+:)([^\s@/"'<>]+)(@)/gi, `$1${MASK}$3`],
  // Authorization / Proxy-Authorization header in any dump: `Authorization: Basic …`,
  // `"authorization":"Bearer …"`, `authorization: 'NTLM …'`. The scheme word stays.
  [
    /(\b(?:proxy-)?authorization["']?\s*[:=]\s*["']?)(?:(Bearer|Basic|NTLM|Negotiate|Digest|Token)\s+)?([^\s"',;(){}[\]]+)/gi,
    (_m, head: string, scheme: string | undefined) => `${head}${scheme ? `${scheme} ` : ''}${MASK}`,
  ],
  // Cookies and API-key headers.
  [/(\b(?:set-)?cookie["']?\s*[:=]\s*["']?)([^"'\r\n]+)/gi, `$1${MASK}`],
  [/(\b(?:x-api-key|api-key|ocp-apim-subscription-key|x-functions-key)["']?\s*[:=]\s*["']?)([^\s"',}]+)/gi, `$1${MASK}`],
  // A bare scheme and token (a WWW-Authenticate exchange, a curl line). Parameters such as
  // `Bearer realm="…"` and words as in "NTLM handshake failed" are no tokens and stay.
  [/\b(Bearer)\s+(?![a-z_]+=["'])([A-Za-z0-9\-._~+/]{8,}=*)(?![A-Za-z0-9\-._~+/=])/g, schemeToken],
  [/\b(Basic|NTLM|Negotiate)\s+([A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])/g, schemeToken],
  // JWT (header.payload.signature, base64url; the header always starts with `{"` = eyJ).
  [/\beyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){2,4}/g, MASK],
  // name=value in query strings, form bodies and plain text.
  [new RegExp(`((?:^|[?&;,\\s"'{(])(?:${SECRET_NAMES}))=([^&\\s"',;)}<]+)`, 'gi'), `$1=${MASK}`],
  // The OAuth authorization code, only as a query or form parameter (`code` is common elsewhere).
  [/([?&]code)=([^&\s"',;)}<]+)/gi, `$1=${MASK}`],
  // "name": "value" / name: 'value' / 'name' = "value" (JSON, util.inspect, JS source).
  [
    new RegExp(`(?<![\\w-])(["']?)(${SECRET_NAMES})\\1(\\s*[:=]\\s*)(["'])((?:\\\\.|(?!\\4)[^\\\\])*)\\4`, 'gi'),
    (_m, q: string, name: string, sep: string, quote: string) => `${q}${name}${q}${sep}${quote}${MASK}${quote}`,
  ],
  // password: value (unquoted, in prose or YAML-like dumps).
  [
    /(?<![\w-])(password|passwd|client_secret|clientSecret|access_token|refresh_token)(\s*:\s*)(?!["'*\s])([^\s,;"'}\]]+)/gi,
    `$1$2${MASK}`,
  ],
  // <wsse:Password>…</wsse:Password>, <t:BinarySecret>…</…> and the like in SOAP dumps.
  [
    /<((?:[\w-]+:)?(?:Password|ClientSecret|client_secret|AccessToken|access_token|RefreshToken|refresh_token|BinarySecret|Token))(\s[^>]*)?>([^<]*)<\/\1>/gi,
    (_m, tag: string, attrs: string | undefined) => `<${tag}${attrs ?? ''}>${MASK}</${tag}>`,
  ],
];

/** The text with every secret replaced by `***`. */
export function redact(text: string): string {
  let out = text;
  const registered = registeredPattern();
  if (registered) out = out.replace(registered, MASK);
  for (const [re, replacement] of PATTERNS) {
    out = typeof replacement === 'string' ? out.replace(re, replacement) : out.replace(re, replacement);
  }
  return out;
}

/** A copy of a value (event, message part) with every string in it redacted. */
export function redactDeep<T>(value: T): T {
  return walk(value, new WeakSet()) as T;
}

function walk(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, seen));
  if (value instanceof Date) return new Date(value.getTime());
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = walk(v, seen);
  return out;
}
