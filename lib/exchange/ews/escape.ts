/**
 * ews-javascript-api writes every string into the SOAP body as it is (EwsServiceXmlWriter
 * WriteValue / WriteAttributeString concatenate without escaping). So a subject like
 * `</t:Subject><t:Bogus/>` would become XML. Every free text goes through `xmlText` before it
 * is handed to the library.
 */

// XML 1.0 § 2.2 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
// With the `u` flag a lone surrogate is its own code point and falls outside every range.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Removes the characters XML 1.0 cannot carry at all (control characters, lone surrogates). */
export function stripNonXmlChars(text: string): string {
  return text.replace(NOT_XML_CHAR, '');
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // A literal CR would be normalised to LF by the server's XML parser (XML 1.0 § 2.11);
  // as a character reference it arrives as typed.
  '\r': '&#13;',
};

/** Escapes a string for an XML element or attribute value and drops characters XML cannot carry. */
export function xmlText(text: string): string {
  return stripNonXmlChars(text).replace(/[&<>"'\r]/g, (c) => ENTITIES[c]);
}

/** Escapes each string of a list. */
export function xmlTexts(texts: readonly string[]): string[] {
  return texts.map(xmlText);
}
