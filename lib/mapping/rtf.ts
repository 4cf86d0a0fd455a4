/**
 * A small RTF reader for büro+ Info and Memo texts (written by the Windows RichEdit control):
 * paragraphs of runs with bold / italic / underline and hyperlinks; everything else (fonts,
 * colours, sizes, pictures, objects) is dropped on purpose, because Outlook shows a clean
 * text better than a half-rendered layout.
 *
 * Why our own: the npm RTF converters are unmaintained (`rtf-parser` and `@iarna/rtf-to-html`
 * have had no release since 2017 and an open bug for umlauts written as `\uN`), need a DOM
 * (`rtf.js`), or only unwrap HTML that Outlook encapsulated in RTF (`rtf-stream-parser`).
 * Source of the syntax: Microsoft, "Rich Text Format (RTF) Specification", version 1.9.1.
 */

export interface RtfRun {
  text: string;
  bold: boolean;
  italic: boolean;
  underline: boolean;
  /** Target of a HYPERLINK field around this run. */
  href?: string;
}

/** A paragraph: runs, with `'\n'` runs standing for line breaks (`\line`) inside it. */
export type RtfParagraph = RtfRun[];

interface GroupState {
  skip: boolean;
  bold: boolean;
  italic: boolean;
  underline: boolean;
  /** Characters to skip after `\uN` (`\ucN`, default 1). */
  uc: number;
  /** Inside a field instruction (`\fldinst`): its text is collected, not shown. */
  fieldInstruction: boolean;
  href?: string;
}

/** Destinations whose text is not part of the document's body. */
const SKIPPED = new Set([
  'fonttbl', 'colortbl', 'stylesheet', 'info', 'pict', 'object', 'objdata', 'header', 'headerl',
  'headerr', 'headerf', 'footer', 'footerl', 'footerr', 'footerf', 'footnote', 'listtable',
  'listoverridetable', 'rsidtbl', 'generator', 'xmlnstbl', 'themedata', 'colorschememapping',
  'latentstyles', 'datastore', 'revtbl', 'filetbl', 'userprops', 'docvar', 'template',
  'nonshppict', 'shppict', 'shp', 'bkmkstart', 'bkmkend', 'pgdsctbl', 'mmathPr', 'author',
  'operator', 'title', 'subject', 'keywords', 'comment', 'company', 'creatim', 'revtim',
  'printim', 'buptim', 'pntxta', 'pntxtb', 'xe', 'tc', 'atnid', 'atnauthor', 'annotation',
]);

/** Symbols written as control words. */
const SYMBOLS: Record<string, string> = {
  tab: '\t',
  emdash: '\u2014',
  endash: '\u2013',
  bullet: '\u2022',
  lquote: '\u2018',
  rquote: '\u2019',
  ldblquote: '\u201C',
  rdblquote: '\u201D',
  emspace: ' ',
  enspace: ' ',
  qmspace: ' ',
  cell: '\t',
  zwj: '',
  zwnj: '',
};

/** Windows-1252 bytes 0x80–0x9F (the rest of 0xA0–0xFF equals Latin-1). Source: unicode.org CP1252.TXT. */
const CP1252_80_9F = [
  0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152,
  0xfffd, 0x017d, 0xfffd, 0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122,
  0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
];

/** WHATWG encoding labels of the Windows / Mac code pages `\ansicpgN` names. */
const CODEPAGE_LABELS: Record<number, string> = {
  874: 'windows-874', 932: 'shift_jis', 936: 'gbk', 949: 'euc-kr', 950: 'big5', 1250: 'windows-1250',
  1251: 'windows-1251', 1253: 'windows-1253', 1254: 'windows-1254', 1255: 'windows-1255',
  1256: 'windows-1256', 1257: 'windows-1257', 1258: 'windows-1258', 10000: 'macintosh', 65001: 'utf-8',
};

function decodeBytes(bytes: number[], codepage: number): string {
  const label = CODEPAGE_LABELS[codepage];
  if (label) {
    try {
      return new TextDecoder(label).decode(Uint8Array.from(bytes));
    } catch {
      // The runtime lacks this encoding (Node without full ICU): fall back to Windows-1252.
    }
  }
  return bytes
    .map((b) => String.fromCharCode(b >= 0x80 && b <= 0x9f ? CP1252_80_9F[b - 0x80] : b))
    .join('');
}

export function isRtf(text: string): boolean {
  return /^\s*\{\\rtf/.test(text);
}

/** Reads an RTF document into paragraphs. Never throws: damaged RTF yields what could be read. */
export function readRtf(rtf: string): RtfParagraph[] {
  const paragraphs: RtfParagraph[] = [[]];
  const stack: GroupState[] = [];
  let state: GroupState = { skip: false, bold: false, italic: false, underline: false, uc: 1, fieldInstruction: false };
  let codepage = 1252;
  let pendingBytes: number[] = [];
  let skipChars = 0;
  let instruction = '';
  /** Link target read from the current field's instruction, for its result. */
  let fieldHref: string | undefined;
  /** True right after `{`: the next control word is the group's destination. */
  let groupStart = false;

  const current = (): RtfParagraph => paragraphs[paragraphs.length - 1];

  const emit = (text: string): void => {
    if (text === '') return;
    if (state.fieldInstruction) {
      instruction += text;
      return;
    }
    if (state.skip) return;
    const runs = current();
    const last = runs[runs.length - 1];
    if (
      last && last.text !== '\n' && text !== '\n' &&
      last.bold === state.bold && last.italic === state.italic && last.underline === state.underline && last.href === state.href
    ) {
      last.text += text;
    } else {
      const run: RtfRun = { text, bold: state.bold, italic: state.italic, underline: state.underline };
      if (state.href) run.href = state.href;
      runs.push(run);
    }
  };

  const flushBytes = (): void => {
    if (pendingBytes.length === 0) return;
    const bytes = pendingBytes;
    pendingBytes = [];
    emit(decodeBytes(bytes, codepage));
  };

  const newParagraph = (): void => {
    flushBytes();
    if (!state.skip && !state.fieldInstruction) paragraphs.push([]);
  };

  let i = 0;
  const n = rtf.length;
  while (i < n) {
    const c = rtf[i];
    if (c === '{') {
      flushBytes();
      stack.push(state);
      state = { ...state };
      skipChars = 0;
      groupStart = true;
      i++;
      continue;
    }
    if (c === '}') {
      flushBytes();
      const wasInstruction = state.fieldInstruction;
      state = stack.pop() ?? state;
      if (wasInstruction && !state.fieldInstruction) {
        // End of \fldinst: a HYPERLINK instruction makes the field's result a link.
        const m = /HYPERLINK\s+(?:\\l\s+)?"([^"]*)"/i.exec(instruction) ?? /HYPERLINK\s+(\S+)/i.exec(instruction);
        if (m) fieldHref = m[1];
        instruction = '';
      }
      skipChars = 0;
      groupStart = false;
      i++;
      continue;
    }
    if (c === '\\') {
      const next = rtf[i + 1];
      if (next === undefined) break;
      if (next === "'") {
        const hex = rtf.slice(i + 2, i + 4);
        i += 4;
        groupStart = false;
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) continue;
        if (skipChars > 0) {
          skipChars--;
          continue;
        }
        pendingBytes.push(parseInt(hex, 16));
        continue;
      }
      if (/[a-zA-Z]/.test(next)) {
        const m = /^([a-zA-Z]{1,32})(-?\d{1,10})? ?/.exec(rtf.slice(i + 1, i + 48));
        if (!m) {
          i++;
          continue;
        }
        const word = m[1];
        const param = m[2] === undefined ? undefined : Number(m[2]);
        i += 1 + m[0].length;
        const atGroupStart = groupStart;
        groupStart = false;
        if (word === 'bin') {
          // Binary data of `param` bytes follows; never text.
          i += Math.max(0, param ?? 0);
          continue;
        }
        if (skipChars > 0 && word !== 'u') {
          // A control word after \uN counts as one of the fallback characters to skip.
          skipChars--;
          continue;
        }
        if (word !== 'u') flushBytes();
        controlWord(word, param, atGroupStart);
        continue;
      }
      // Control symbols.
      groupStart = false;
      i += 2;
      if (next === '*') {
        // `{\*\dest …}`: a destination this reader does not know; skip the whole group.
        state.skip = true;
        continue;
      }
      if (skipChars > 0) {
        skipChars--;
        continue;
      }
      flushBytes();
      if (next === '\\' || next === '{' || next === '}') emit(next);
      else if (next === '~') emit('\u00A0');
      else if (next === '_') emit('\u2011');
      else if (next === '\n' || next === '\r') newParagraph();
      // `\-` (optional hyphen), `\|`, `\:` show nothing.
      continue;
    }
    if (c === '\r' || c === '\n') {
      i++;
      continue;
    }
    groupStart = false;
    if (skipChars > 0) {
      skipChars--;
      i++;
      continue;
    }
    // Plain text up to the next special character.
    let j = i;
    while (j < n && !'{}\\\r\n'.includes(rtf[j])) j++;
    flushBytes();
    emit(rtf.slice(i, j));
    i = j;
  }
  flushBytes();

  function controlWord(word: string, param: number | undefined, atGroupStart: boolean): void {
    const on = param === undefined || param !== 0;
    if (atGroupStart && SKIPPED.has(word)) {
      state.skip = true;
      return;
    }
    switch (word) {
      case 'fldinst':
        state.fieldInstruction = true;
        instruction = '';
        return;
      case 'fldrslt':
        if (fieldHref) state.href = fieldHref;
        fieldHref = undefined;
        return;
      case 'field':
        fieldHref = undefined;
        return;
      case 'par':
      case 'sect':
      case 'page':
      case 'row':
        newParagraph();
        return;
      case 'line':
        emit('\n');
        return;
      case 'b':
        state.bold = on;
        return;
      case 'i':
        state.italic = on;
        return;
      case 'ul':
        state.underline = on;
        return;
      case 'ulnone':
        state.underline = false;
        return;
      case 'plain':
        state.bold = false;
        state.italic = false;
        state.underline = false;
        return;
      case 'uc':
        state.uc = Math.max(0, param ?? 1);
        return;
      case 'u': {
        if (param === undefined) return;
        flushBytes();
        // Parameters are signed 16-bit: \u-4064 is U+F020. Surrogate halves arrive as two \u.
        emit(String.fromCharCode(param < 0 ? param + 65536 : param));
        skipChars = state.uc;
        return;
      }
      case 'ansicpg':
        if (param !== undefined && param > 0) codepage = param;
        return;
      case 'mac':
        codepage = 10000;
        return;
      default:
        if (word in SYMBOLS) emit(SYMBOLS[word]);
    }
  }

  // Trailing empty paragraphs come from the closing `\par` RichEdit always writes.
  while (paragraphs.length > 1 && paragraphs[paragraphs.length - 1].every((r) => r.text.trim() === '')) {
    paragraphs.pop();
  }
  return paragraphs;
}
