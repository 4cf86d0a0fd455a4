/**
 * XML for the EWS simulator: requests are parsed with libxml2 (the WebAssembly build, the same
 * parser that validates them, see schema.ts) into a small plain tree; responses are written as
 * strings with every text and attribute escaped.
 */

export const NS = {
  soap: 'http://schemas.xmlsoap.org/soap/envelope/',
  m: 'http://schemas.microsoft.com/exchange/services/2006/messages',
  t: 'http://schemas.microsoft.com/exchange/services/2006/types',
  e: 'http://schemas.microsoft.com/exchange/services/2006/errors',
} as const;

/** One element of a parsed request: namespace, local name, attributes, child elements, text. */
export interface XElem {
  ns: string;
  name: string;
  attrs: Record<string, string>;
  children: XElem[];
  text: string;
}

// libxml2-wasm is an ES module with top-level await: it can only be loaded with a real
// dynamic import(), which TypeScript's CommonJS output would turn into require().
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

// Minimal view of the parts of libxml2-wasm used here.
export interface LibXmlNode {
  name: string;
  namespaceUri: string;
  firstChild: LibXmlNode | null;
  next: LibXmlNode | null;
  attrs?: { name: string; value: string; namespaceUri: string }[];
  content: string;
  canonicalizeToString(): string;
}
export interface LibXmlDocument {
  root: LibXmlNode;
  dispose(): void;
}
export interface LibXml {
  XmlDocument: {
    fromString(source: string, options?: { url?: string }): LibXmlDocument;
    fromBuffer(source: Uint8Array, options?: { url?: string }): LibXmlDocument;
  };
  XmlElement: abstract new (...args: never[]) => LibXmlNode;
  XmlText: abstract new (...args: never[]) => LibXmlNode;
  XmlCData: abstract new (...args: never[]) => LibXmlNode;
  XsdValidator: { fromDoc(doc: LibXmlDocument): { validate(doc: LibXmlDocument): void } };
  XmlValidateError: new (...args: never[]) => Error & { details: { message: string; line: number; col: number }[] };
  XmlParseError: new (...args: never[]) => Error & { details: { message: string; line: number; col: number }[] };
}

let loading: Promise<LibXml> | undefined;
export function libxml(): Promise<LibXml> {
  loading ??= importEsm('libxml2-wasm') as Promise<LibXml>;
  return loading;
}

/** Converts a libxml2 element (and its subtree) into a plain XElem. */
export function toXElem(lib: LibXml, node: LibXmlNode): XElem {
  const elem: XElem = { ns: node.namespaceUri ?? '', name: node.name, attrs: {}, children: [], text: '' };
  for (const a of node.attrs ?? []) elem.attrs[a.name] = a.value;
  let text = '';
  for (let c = node.firstChild; c; c = c.next) {
    const n: unknown = c;
    if (n instanceof lib.XmlElement) elem.children.push(toXElem(lib, c));
    else if (n instanceof lib.XmlText || n instanceof lib.XmlCData) text += c.content;
  }
  elem.text = text;
  return elem;
}

// ---- reading helpers -------------------------------------------------------------------

export function child(e: XElem | undefined, name: string): XElem | undefined {
  return e?.children.find((c) => c.name === name);
}
export function children(e: XElem | undefined, name?: string): XElem[] {
  if (!e) return [];
  return name ? e.children.filter((c) => c.name === name) : e.children;
}
export function childText(e: XElem | undefined, name: string): string | undefined {
  return child(e, name)?.text;
}

// ---- writing helpers -------------------------------------------------------------------

export function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!)
    // Characters XML 1.0 cannot carry at all.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');
}

/** `<qname a="…">inner</qname>`; inner is raw XML (already escaped), undefined gives `<qname/>`. */
export function el(qname: string, attrs: Record<string, string | number | boolean | undefined> | null, inner?: string): string {
  let open = '<' + qname;
  for (const [k, v] of Object.entries(attrs ?? {})) if (v !== undefined) open += ` ${k}="${esc(String(v))}"`;
  return inner === undefined || inner === '' ? open + '/>' : `${open}>${inner}</${qname}>`;
}
/** Element with escaped text content. */
export function tel(qname: string, text: string | number | boolean, attrs?: Record<string, string | undefined>): string {
  return el(qname, attrs ?? null, esc(String(text)));
}

/** Serialises an XElem back to XML under the given prefix (used for echoing request parts). */
export function writeXElem(e: XElem, prefix = 't'): string {
  return el(`${prefix}:${e.name}`, e.attrs, e.children.length ? e.children.map((c) => writeXElem(c, prefix)).join('') : esc(e.text));
}
