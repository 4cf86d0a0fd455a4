/**
 * Reads EWS answers to the writer's requests without a DOM: a small strict XML reader (well-
 * formed nesting, the five entities and character references, CDATA, no DTD) into a light
 * element tree, then the ResponseMessages (ResponseClass, ResponseCode, MessageText, MessageXml's
 * BackOffMilliseconds, the item's ItemId) or the SOAP fault of a whole request.
 */

export interface XmlElement {
  /** Local name, without the prefix. */
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITY: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&([^;&\s]*);?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw new Error(`XML: "&" without ";" near "${whole}"`);
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    const c = ENTITY[name];
    if (c === undefined) throw new Error(`XML: unknown entity &${name};`);
    return c;
  });
}

const localName = (qname: string) => qname.slice(qname.indexOf(':') + 1);
const TOKEN = /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!([^>]*)>|<(\/?)([^\s/>]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)|(<)/g;
const ATTR = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** Parses a document into its root element; throws on anything not well-formed. */
export function parseXml(xml: string): XmlElement {
  const stack: { qname: string; el: XmlElement }[] = [];
  let root: XmlElement | undefined;
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(xml); m; m = TOKEN.exec(xml)) {
    const [, cdata, doctype, close, qname, attrText, selfClose, text, stray] = m;
    const top = stack[stack.length - 1];
    if (stray !== undefined) throw new Error(`XML: stray "<" at ${m.index}`);
    if (doctype !== undefined) throw new Error('XML: declarations (DTD) are not accepted');
    if (cdata !== undefined) {
      if (!top) throw new Error('XML: CDATA outside the root element');
      top.el.text += cdata;
    } else if (text !== undefined) {
      if (top) top.el.text += decode(text);
      else if (text.trim() && text.trim() !== '\uFEFF') throw new Error('XML: text outside the root element');
    } else if (qname !== undefined) {
      if (close) {
        if (!top || top.qname !== qname) throw new Error(`XML: </${qname}> does not close <${top?.qname ?? 'nothing'}>`);
        stack.pop();
        continue;
      }
      if (!top && root) throw new Error('XML: a second root element');
      const attrs: Record<string, string> = {};
      ATTR.lastIndex = 0;
      for (let a = ATTR.exec(attrText); a; a = ATTR.exec(attrText)) attrs[localName(a[1])] = decode(a[2] ?? a[3]);
      const el: XmlElement = { name: localName(qname), attrs, children: [], text: '' };
      if (top) top.el.children.push(el);
      else root = el;
      if (!selfClose) stack.push({ qname, el });
    }
  }
  if (stack.length > 0) throw new Error(`XML: <${stack[stack.length - 1].qname}> is not closed`);
  if (!root) throw new Error('XML: no element');
  return root;
}

export const child = (el: XmlElement | undefined, name: string) => el?.children.find((c) => c.name === name);

function find(el: XmlElement, name: string): XmlElement | undefined {
  for (const c of el.children) {
    if (c.name === name) return c;
    const deeper = find(c, name);
    if (deeper) return deeper;
  }
  return undefined;
}

/** One ResponseMessage: the item's result. */
export interface ResponseMessage {
  /** ResponseClass Success or Warning. */
  ok: boolean;
  /** ResponseCode, e.g. NoError, ErrorItemNotFound. */
  code: string;
  messageText?: string;
  backOffMs?: number;
  /** The created or updated item's ItemId. */
  itemId?: string;
  changeKey?: string;
}

/** A SOAP fault for the whole request. */
export interface SoapFault {
  code: string;
  messageText: string;
  backOffMs?: number;
}

function backOff(messageXml: XmlElement | undefined): number | undefined {
  const value = messageXml?.children.find((v) => v.name === 'Value' && v.attrs.Name === 'BackOffMilliseconds')?.text.trim();
  return value && /^\d+$/.test(value) ? Number(value) : undefined;
}

function body(root: XmlElement): XmlElement {
  if (root.name !== 'Envelope') throw new Error(`XML: a SOAP envelope was expected, not <${root.name}>`);
  const b = child(root, 'Body');
  if (!b) throw new Error('XML: the SOAP envelope has no Body');
  return b;
}

/** The fault in an answer, or undefined when it holds none. */
export function readFault(root: XmlElement): SoapFault | undefined {
  const fault = child(body(root), 'Fault');
  if (!fault) return undefined;
  const detail = child(fault, 'detail');
  const faultCode = child(fault, 'faultcode')?.text.trim() ?? '';
  const code = child(detail, 'ResponseCode')?.text.trim() || localName(faultCode) || 'ErrorUnknown';
  const messageText = child(detail, 'Message')?.text.trim() || child(fault, 'faultstring')?.text.trim() || '';
  return { code, messageText, backOffMs: backOff(child(detail, 'MessageXml')) };
}

/** The ResponseMessages of a CreateItem, UpdateItem or DeleteItem answer, in request order. */
export function readResponseMessages(root: XmlElement): ResponseMessage[] {
  const b = body(root);
  const messages = find(b, 'ResponseMessages');
  if (!messages) throw new Error('XML: the answer holds no ResponseMessages');
  return messages.children.map((m) => {
    const itemId = find(m, 'ItemId');
    return {
      ok: m.attrs.ResponseClass !== 'Error',
      code: child(m, 'ResponseCode')?.text.trim() ?? 'ErrorUnknown',
      messageText: child(m, 'MessageText')?.text,
      backOffMs: backOff(child(m, 'MessageXml')),
      itemId: detached(itemId?.attrs.Id),
      changeKey: detached(itemId?.attrs.ChangeKey),
    };
  });
}

/**
 * A copy of a part of the answer that does not keep the answer alive: V8 makes a substring of
 * a long text a slice of it, so an ItemId held until its item is settled held the whole
 * answer (20–50 KB for a batch), and the answers were promoted to V8's old space with them
 * (docs/architecture.md, "Memory").
 */
function detached(s: string | undefined): string | undefined {
  return s === undefined ? s : Buffer.from(s, 'utf8').toString('utf8');
}
