import assert from 'node:assert/strict';
import { composeBody, convertText, cut, htmlToText, removeControlChars, textKind } from '../../lib/mapping/text';

// RTF as the büro+ RichEdit control writes it (header, font and colour tables, generator).
const HEAD = String.raw`{\rtf1\ansi\ansicpg1252\deff0\nouicompat\deflang1031{\fonttbl{\f0\fnil\fcharset0 Calibri;}{\f1\fnil\fcharset2 Symbol;}}
{\colortbl ;\red255\green0\blue0;}
{\*\generator Riched20 10.0.19041}\viewkind4\uc1 
\pard\sa200\sl276\slmult1\f0\fs22\lang7 `;

describe('mapping/text: RTF, HTML and plain text become the body format Exchange gets', function () {
  // [name, RTF, expected HTML, expected plain text]
  const rtf: Array<[string, string, string, string]> = [
    ['umlauts and ß as cp1252 escapes', HEAD + String.raw`Gr\'fc\'dfe aus K\'f6ln und \'c4rger \'fcber \'d6l, \'dcbel\par
}`, '<div>Grüße aus Köln und Ärger über Öl, Übel</div>', 'Grüße aus Köln und Ärger über Öl, Übel'],
    ['cp1252 specials: euro, German quotes, dash', HEAD + String.raw`\'80 5, \'84Zitat\'93 \'96 Ende\par}`, '<div>€ 5, „Zitat“ – Ende</div>', '€ 5, „Zitat“ – Ende'],
    ['\\uN unicode with fallback characters skipped', HEAD + String.raw`M\u252?nchen \u8364? \u-10179?\u-8704? \uc2\u228\'61\'65 ok\par}`, '<div>München € 😀 ä ok</div>', 'München € 😀 ä ok'],
    ['bold, italic, underline', HEAD + String.raw`normal \b fett\b0  \i kursiv\i0  \ul unter\ulnone  \b\i beides\plain  aus\par}`,
      '<div>normal <b>fett</b> <i>kursiv</i> <u>unter</u> <b><i>beides</i></b> aus</div>', 'normal fett kursiv unter beides aus'],
    ['paragraphs, line breaks, empty line', HEAD + String.raw`Zeile 1\line Zeile 2\par\par Absatz 3\par}`,
      '<div>Zeile 1<br>Zeile 2</div><div><br></div><div>Absatz 3</div>', 'Zeile 1\nZeile 2\n\nAbsatz 3'],
    ['symbols: tab, non-breaking space, optional hyphen, dashes, bullet', HEAD + String.raw`a\tab b\~c Silben\-trennung \emdash  \endash  \bullet  \lquote x\rquote  \ldblquote y\rdblquote\par}`,
      '<div>a\tb\u00A0c Silbentrennung — – • ‘x’ “y”</div>', 'a\tb\u00A0c Silbentrennung — – • ‘x’ “y”'],
    ['escaped braces and backslash, HTML characters escaped', HEAD + String.raw`\{x\} \\ <b>&"\par}`, '<div>{x} \\ &lt;b&gt;&amp;&quot;</div>', '{x} \\ <b>&"'],
    ['hyperlink field becomes a link', HEAD + String.raw`Siehe {\field{\*\fldinst{HYPERLINK "https://firma.de/a?b=1&c=2"}}{\fldrslt{\ul Webseite}}}\par}`,
      '<div>Siehe <a href="https://firma.de/a?b=1&amp;c=2"><u>Webseite</u></a></div>', 'Siehe Webseite'],
    ['javascript link is dropped, its text kept', HEAD + String.raw`{\field{\*\fldinst HYPERLINK "javascript:alert(1)"}{\fldrslt Klick}}\par}`, '<div>Klick</div>', 'Klick'],
    ['stylesheet, info, pictures and unknown destinations are skipped', String.raw`{\rtf1\ansi{\stylesheet{\s0 Normal;}}{\info{\author Max}{\title Geheim}}{\*\themedata 0a0b}{\pict\wmetafile8 0102ff}{\*\unbekannt Text}Nur das\par}`,
      '<div>Nur das</div>', 'Nur das'],
    ['binary data is skipped', String.raw`{\rtf1\ansi A{\*\blob\bin4 }{}}}B\par}`, '<div>AB</div>', 'AB'],
    ['other code page (1250, Polish)', String.raw`{\rtf1\ansi\ansicpg1250 Wroc\'b3aw \'b9\'e6\par}`, '<div>Wrocław ąć</div>', 'Wrocław ąć'],
    ['list bullets written by RichEdit', HEAD + String.raw`{\pntext\f1\'B7\tab}{\*\pn\pnlvlblt\pnf1\pnindent0{\pntxtb\'B7}}Punkt eins\par{\pntext\f1\'B7\tab}Punkt zwei\par}`,
      '<div>·\tPunkt eins</div><div>·\tPunkt zwei</div>', '·\tPunkt eins\n·\tPunkt zwei'],
    ['damaged RTF (no closing brace) still gives its text', HEAD + String.raw`Abgebrochen \'e4`, '<div>Abgebrochen ä</div>', 'Abgebrochen ä'],
    ['control word line break inside a word (\\<newline> = \\par)', '{\\rtf1 eins\\\nzwei}', '<div>eins</div><div>zwei</div>', 'eins\nzwei'],
  ];
  for (const [name, input, html, text] of rtf) {
    it(`RTF ${name}`, function () {
      assert.equal(textKind(input), 'rtf');
      assert.equal(convertText(input, 'html'), html);
      assert.equal(convertText(input, 'text'), text);
    });
  }

  const html: Array<[string, string, string, string]> = [
    ['paragraphs and breaks', '<p>Hallo <b>Welt</b></p><p>Zeile&nbsp;2<br>Zeile 3</p>', '<p>Hallo <b>Welt</b></p><p>Zeile&nbsp;2<br>Zeile 3</p>', 'Hallo Welt\nZeile\u00A02\nZeile 3'],
    ['document frame, scripts, styles and handlers removed', '<!DOCTYPE html><html><head><title>t</title><style>p{}</style></head><body onload="x()"><div onclick="evil()">Grüße &amp; mehr</div><script>alert(1)</script></body></html>',
      '<div>Grüße &amp; mehr</div>', 'Grüße & mehr'],
    ['entities and lists', '<ul><li>M&uuml;ller</li><li>&#8364; 5 &#x2013; &euro;</li></ul>', '<ul><li>M&uuml;ller</li><li>&#8364; 5 &#x2013; &euro;</li></ul>', '• Müller\n• € 5 – €'],
    ['javascript link neutralised', '<div><a href="javascript:alert(1)">x</a></div>', '<div><a href="#">x</a></div>', 'x'],
  ];
  for (const [name, input, cleaned, text] of html) {
    it(`HTML ${name}`, function () {
      assert.equal(textKind(input), 'html');
      assert.equal(convertText(input, 'html'), cleaned);
      assert.equal(convertText(input, 'text'), text);
    });
  }

  const plain: Array<[string, string, string, string]> = [
    ['one line with umlauts', 'Bitte Unterlagen für Herrn Müller', '<div>Bitte Unterlagen für Herrn Müller</div>', 'Bitte Unterlagen für Herrn Müller'],
    ['lines, CRLF and an empty line', 'Zeile 1\r\nZeile 2\r\n\r\nZeile 4\r\n', '<div>Zeile 1</div><div>Zeile 2</div><div><br></div><div>Zeile 4</div>', 'Zeile 1\nZeile 2\n\nZeile 4'],
    ['text that looks like markup is escaped, not interpreted', 'a < b && c > d, "x"', '<div>a &lt; b &amp;&amp; c &gt; d, &quot;x&quot;</div>', 'a < b && c > d, "x"'],
    ['a lone tag is still text', '<Kunde> anrufen', '<div>&lt;Kunde&gt; anrufen</div>', '<Kunde> anrufen'],
  ];
  for (const [name, input, asHtml, asText] of plain) {
    it(`plain text ${name}`, function () {
      assert.equal(textKind(input), 'text');
      assert.equal(convertText(input, 'html'), asHtml);
      assert.equal(convertText(input, 'text'), asText);
    });
  }

  it('a body joins Info and Memo, leaving out empty ones', function () {
    const info = HEAD + String.raw`Info \'e4\par}`;
    assert.deepEqual(composeBody([info, 'Memo'], 'html'), { format: 'html', content: '<div>Info ä</div><hr><div>Memo</div>' });
    assert.deepEqual(composeBody([info, 'Memo'], 'text'), { format: 'text', content: 'Info ä\n\nMemo' });
    assert.deepEqual(composeBody([undefined, '  ', 'Memo'], 'text'), { format: 'text', content: 'Memo' });
    assert.deepEqual(composeBody([undefined, undefined], 'html'), { format: 'html', content: '' });
  });

  it('removes control characters; single-line fields also lose line breaks', function () {
    assert.deepEqual(removeControlChars('a\u0000b\u0007c\u001Fd\u007Fe\u0085f', false), { text: 'abcdef', removed: true });
    assert.deepEqual(removeControlChars('Zeile\r\n\tzwei', false), { text: 'Zeile\r\n\tzwei', removed: false });
    assert.deepEqual(removeControlChars('Zeile\r\nzwei\tdrei', true), { text: 'Zeile zwei drei', removed: true });
    assert.deepEqual(removeControlChars('ok \uD83D\uDE00 \uD83D', false), { text: 'ok \uD83D\uDE00 ', removed: true });
    assert.deepEqual(removeControlChars('Grüße', true), { text: 'Grüße', removed: false });
  });

  it('cuts without splitting a character made of two UTF-16 units', function () {
    assert.equal(cut('abc', 5), 'abc');
    assert.equal(cut('abcdef', 3), 'abc');
    assert.equal(cut('ab😀', 3), 'ab');
    assert.equal(cut('ab😀', 4), 'ab😀');
  });

  it('HTML to text collapses source whitespace like a browser', function () {
    assert.equal(htmlToText('<div>\n  Hallo\n   Welt  </div>\n\n\n<div>x</div>'), 'Hallo Welt\nx');
  });
});
