/**
 * RTF as büro+ stores its info and memo texts (Windows RichEdit: code page 1252, `\'hh` for
 * 8-bit characters, `\uN?` for the rest, RTF 1.9.1 spec), and the plain text `as: DISPLAY_TEXT` gives.
 */

/** Code page 1252 bytes 0x80–0x9F (the rest of the 8-bit range is Latin-1). */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d, 0x017d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x9d, 0x017e, 0x0178,
];
const CP1252_REVERSE = new Map<number, number>(CP1252_HIGH.map((cp, i) => [cp, 0x80 + i]));

function cp1252Byte(codeUnit: number): number | undefined {
  if (codeUnit >= 0xa0 && codeUnit <= 0xff) return codeUnit;
  return CP1252_REVERSE.get(codeUnit);
}

function hex2(n: number): string {
  return (n < 16 ? '0' : '') + n.toString(16);
}

/** Plain text → an RTF document like RichEdit writes it (paragraphs from newlines). */
export function toRtf(text: string, options: { boldFirstLine?: boolean } = {}): string {
  let body = '';
  let bold = options.boldFirstLine === true;
  if (bold) body += '\\b ';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) body += '\\\\';
    else if (c === 0x7b) body += '\\{';
    else if (c === 0x7d) body += '\\}';
    else if (c === 0x0a) {
      if (bold) {
        body += '\\b0';
        bold = false;
      }
      body += '\\par\r\n';
    } else if (c === 0x0d) continue;
    else if (c === 0x09) body += '\\tab ';
    else if (c < 0x80) body += text[i];
    else {
      const b = cp1252Byte(c);
      // \uN takes a signed 16-bit code unit; characters outside the BMP are two of them.
      body += b !== undefined ? "\\'" + hex2(b) : `\\u${c > 0x7fff ? c - 0x10000 : c}?`;
    }
  }
  if (bold) body += '\\b0';
  return (
    '{\\rtf1\\ansi\\ansicpg1252\\deff0\\nouicompat\\deflang1031{\\fonttbl{\\f0\\fnil\\fcharset0 Segoe UI;}}\r\n' +
    '{\\*\\generator Riched20 10.0.19041}\\viewkind4\\uc1 \r\n\\pard\\f0\\fs18 ' +
    body +
    '\\par\r\n}\r\n'
  );
}

const SKIPPED_DESTINATIONS = new Set([
  'fonttbl', 'colortbl', 'stylesheet', 'info', 'pict', 'object', 'header', 'footer', 'headerl', 'headerr',
  'footerl', 'footerr', 'headerf', 'footerf', 'listtable', 'listoverridetable', 'rsidtbl', 'generator',
  'xmlnstbl', 'themedata', 'colorschememapping', 'latentstyles', 'datastore', 'mmathPr', 'filetbl', 'revtbl',
]);

const SYMBOLS: Record<string, number> = {
  par: 0x0a, line: 0x0a, sect: 0x0a, row: 0x0a, tab: 0x09, cell: 0x09,
  emdash: 0x2014, endash: 0x2013, bullet: 0x2022, lquote: 0x2018, rquote: 0x2019, ldblquote: 0x201c, rdblquote: 0x201d,
  emspace: 0x2003, enspace: 0x2002, qmspace: 0x2005,
};

/** RTF → plain text (what `as: DISPLAY_TEXT` returns); text that is not RTF comes back as it is. */
export function rtfToText(rtf: string): string {
  if (!rtf.startsWith('{\\rtf')) return rtf;
  const out: number[] = [];
  const stack: { skip: boolean; uc: number }[] = [];
  let skip = false;
  let uc = 1;
  let fallback = 0; // characters still to drop after a \uN (its ANSI fallback)
  const emit = (unit: number) => {
    if (skip) return;
    if (fallback > 0) {
      fallback--;
      return;
    }
    out.push(unit);
  };
  const n = rtf.length;
  let i = 0;
  while (i < n) {
    const ch = rtf.charCodeAt(i);
    if (ch === 0x7b) {
      stack.push({ skip, uc });
      fallback = 0;
      i++;
    } else if (ch === 0x7d) {
      const outer = stack.pop();
      if (outer) ({ skip, uc } = outer);
      fallback = 0;
      i++;
    } else if (ch === 0x0d || ch === 0x0a) {
      i++;
    } else if (ch !== 0x5c) {
      emit(ch);
      i++;
    } else {
      const next = rtf[i + 1];
      if (next === '\\' || next === '{' || next === '}') {
        emit(next.charCodeAt(0));
        i += 2;
      } else if (next === "'") {
        const byte = parseInt(rtf.substr(i + 2, 2), 16);
        emit(byte >= 0x80 && byte < 0xa0 ? CP1252_HIGH[byte - 0x80] : byte);
        i += 4;
      } else if (next === '*') {
        skip = true;
        i += 2;
      } else if (next === '~') {
        emit(0xa0);
        i += 2;
      } else if (next === '_') {
        emit(0x2011);
        i += 2;
      } else if (next === '\r' || next === '\n') {
        emit(0x0a); // "\" before a line break is a \par
        i += 2;
      } else if (next !== undefined && /[a-zA-Z]/.test(next)) {
        let j = i + 1;
        while (j < n && /[a-zA-Z]/.test(rtf[j])) j++;
        const word = rtf.slice(i + 1, j);
        let param: number | undefined;
        let k = j;
        if (rtf[k] === '-' || (rtf[k] >= '0' && rtf[k] <= '9')) {
          const start = k++;
          while (k < n && rtf[k] >= '0' && rtf[k] <= '9') k++;
          param = parseInt(rtf.slice(start, k), 10);
        }
        if (rtf[k] === ' ') k++;
        i = k;
        if (word === 'u' && param !== undefined) {
          emit(param < 0 ? param + 0x10000 : param);
          fallback = uc;
        } else if (word === 'uc' && param !== undefined) {
          uc = param;
        } else if (SKIPPED_DESTINATIONS.has(word)) {
          skip = true;
        } else if (word in SYMBOLS) {
          emit(SYMBOLS[word]);
        }
      } else {
        i += 2; // other control symbols (\-, \|, \:) carry no text
      }
    }
  }
  let text = '';
  for (let s = 0; s < out.length; s += 8192) text += String.fromCharCode(...out.slice(s, s + 8192));
  return text.replace(/[\n\t ]+$/, '');
}
