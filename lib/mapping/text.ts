/**
 * büro+ free texts (Info, Memo: RTF, HTML or plain text) → the body format Exchange gets
 * (HTML or plain text, a setting: docs/behaviours.md B6), and the clean-up every free text needs.
 */
import type { Body } from '../exchange/model';
import { isRtf, readRtf, type RtfParagraph } from './rtf';

export type BodyFormat = Body['format'];
export type TextKind = 'rtf' | 'html' | 'text';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** How a büro+ text is written: RTF (`{\rtf…`), HTML (starts with a tag), or plain text. */
export function textKind(raw: string): TextKind {
  if (isRtf(raw)) return 'rtf';
  if (/^\s*</.test(raw) && /<\/?[a-z][a-z0-9]*(\s[^<>]*)?\/?>/i.test(raw) && /<\/[a-z]|<br/i.test(raw)) return 'html';
  return 'text';
}

/** Only links a mail client may open safely; `javascript:` and the like are dropped. */
function safeHref(href: string): string | undefined {
  return /^(https?:|mailto:|tel:)/i.test(href.trim()) ? href.trim() : undefined;
}

function paragraphsToHtml(paragraphs: RtfParagraph[]): string {
  return paragraphs
    .map((runs) => {
      const inner = runs
        .map((run) => {
          if (run.text === '\n') return '<br>';
          let html = escapeHtml(run.text);
          if (run.underline) html = `<u>${html}</u>`;
          if (run.italic) html = `<i>${html}</i>`;
          if (run.bold) html = `<b>${html}</b>`;
          const href = run.href && safeHref(run.href);
          if (href) html = `<a href="${escapeHtml(href)}">${html}</a>`;
          return html;
        })
        .join('');
      // An empty div collapses in Outlook; a <br> keeps the empty line the author typed.
      return `<div>${inner === '' ? '<br>' : inner}</div>`;
    })
    .join('');
}

export function rtfToHtml(rtf: string): string {
  return paragraphsToHtml(readRtf(rtf));
}

export function rtfToText(rtf: string): string {
  return readRtf(rtf)
    .map((runs) => runs.map((r) => r.text).join(''))
    .join('\n')
    .replace(/\s+$/, '');
}

export function textToHtml(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').replace(/\n+$/, '').split('\n');
  return lines.map((line) => `<div>${line === '' ? '<br>' : escapeHtml(line)}</div>`).join('');
}

const ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00A0', auml: 'ä', ouml: 'ö', uuml: 'ü',
  Auml: 'Ä', Ouml: 'Ö', Uuml: 'Ü', szlig: 'ß', euro: '€', copy: '©', reg: '®', trade: '™',
  hellip: '…', ndash: '–', mdash: '—', laquo: '«', raquo: '»', bdquo: '„', ldquo: '“', rdquo: '”',
  lsquo: '‘', rsquo: '’', sbquo: '‚', bull: '•', middot: '·', sect: '§', deg: '°', eacute: 'é',
  egrave: 'è', agrave: 'à', aacute: 'á', ccedil: 'ç', shy: '',
};

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z][a-z0-9]*);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
    }
    return ENTITIES[name] ?? whole;
  });
}

/** Parts of an HTML document that never show as text. */
function withoutHiddenParts(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(script|style|head|title|xml)\b[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<!doctype[^>]*>|<\?xml[^>]*\?>/gi, '');
}

const BLOCK = /^(p|div|h[1-6]|tr|table|ul|ol|blockquote|pre|li|hr|section|article|header|footer)$/;

/** HTML as a browser would show it in plain text: a block starts a new line, `<br>` breaks one. */
export function htmlToText(html: string): string {
  const source = withoutHiddenParts(html).replace(/[\r\n\t]+/g, ' ');
  let out = '';
  const newLine = () => {
    out = out.replace(/ +$/, '');
    if (out !== '' && !out.endsWith('\n')) out += '\n';
  };
  for (const piece of source.split(/(<[^>]*>)/)) {
    if (piece === '') continue;
    const tag = /^<(\/?)\s*([a-z][a-z0-9]*)/i.exec(piece);
    if (!tag) {
      if (!piece.startsWith('<')) out += decodeEntities(piece);
      continue;
    }
    const [, closing, name] = tag;
    const lower = name.toLowerCase();
    if (lower === 'br') out += '\n';
    else if (lower === 'li' && !closing) {
      newLine();
      out += '• ';
    } else if ((lower === 'td' || lower === 'th') && closing) out += '\t';
    else if (BLOCK.test(lower)) newLine();
  }
  return out
    .split('\n')
    .map((line) => line.replace(/[ \u00A0]{2,}/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** HTML from büro+ kept as HTML, minus scripts, styles, event handlers and the document frame. */
export function cleanHtml(html: string): string {
  let s = withoutHiddenParts(html);
  const body = /<body\b[^>]*>([\s\S]*?)(<\/body\s*>|$)/i.exec(s);
  if (body) s = body[1];
  return s
    .replace(/<\/?(html|body|meta|link|base|iframe|frame|object|embed|form)\b[^>]*>/gi, '')
    .replace(/\s+on[a-z]+\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi, '')
    .replace(/(href|src)\s*=\s*("|')\s*(javascript|vbscript|data):[^"']*\2/gi, '$1="#"')
    .trim();
}

/** One büro+ text in the wanted body format. */
export function convertText(raw: string, format: BodyFormat): string {
  const kind = textKind(raw);
  if (format === 'html') {
    if (kind === 'rtf') return rtfToHtml(raw);
    if (kind === 'html') return cleanHtml(raw);
    return raw.trim() === '' ? '' : textToHtml(raw);
  }
  if (kind === 'rtf') return rtfToText(raw);
  if (kind === 'html') return htmlToText(raw);
  return raw.replace(/\r\n?/g, '\n').replace(/\s+$/, '');
}

/**
 * The body made from several büro+ texts (Info, then Memo); empty ones are left out, the
 * others separated by a rule (HTML) or an empty line (text).
 */
export function composeBody(texts: Array<string | undefined>, format: BodyFormat): Body {
  const parts = texts
    .filter((t): t is string => typeof t === 'string' && t.trim() !== '')
    .map((t) => convertText(t, format))
    .filter((t) => t.trim() !== '');
  return { format, content: parts.join(format === 'html' ? '<hr>' : '\n\n') };
}

// C0 controls except tab, line feed, carriage return; DEL; C1 controls; non-characters;
// surrogate halves without their partner. None of them can be shown, and XML 1.0 cannot
// carry most of them (https://www.w3.org/TR/xml/#charsets).
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Removes control characters. A single-line field (subject, location, names) also loses its
 * line breaks and tabs, which become one space. `removed` says whether anything went.
 */
export function removeControlChars(text: string, singleLine: boolean): { text: string; removed: boolean } {
  let out = text.replace(CONTROL, '');
  if (singleLine) out = out.replace(/[\t\r\n]+/g, ' ');
  return { text: out, removed: out !== text };
}

/** Cuts to at most `max` UTF-16 units without splitting a surrogate pair. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return text.slice(0, end);
}
