/**
 * Parses a SOAP request and validates it against Microsoft's EWS schema
 * (`sandbox/static/ews-schema/messages.xsd`, see its README): each child of soap:Header and the
 * child of soap:Body is validated on its own, with the namespaces in scope, as Exchange does.
 *
 * The schema is compiled ONCE per process (about 0.2 s) and the compiled validator is reused:
 * a request then validates in well under a millisecond. libxmljs2's validate() recompiles the
 * schema on every call (~125 ms measured here), hence libxml2-wasm's XsdValidator.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LibXml, LibXmlNode, NS, XElem, libxml, toXElem } from './xml';

export interface ParsedSoap {
  header: XElem[];
  body: XElem | undefined;
}

export interface SchemaViolation {
  message: string;
  line: number;
  column: number;
}

export type ParseResult =
  | { ok: true; soap: ParsedSoap }
  | { ok: false; violation: SchemaViolation };

/**
 * Where the schema lives: `$EWS_SCHEMA_DIR`, else the copy shipped with the sandbox
 * (sandbox/static/ews-schema, copied to dist/ by the build; Microsoft's schema with the two
 * libxml2 changes its README names), so a fresh clone needs nothing beside it.
 */
export function schemaDirectory(): string {
  const candidates = [process.env.EWS_SCHEMA_DIR, resolve(__dirname, '../static/ews-schema')].filter((d): d is string => !!d);
  const found = candidates.find((d) => existsSync(join(d, 'messages.xsd')));
  if (!found) throw new Error(`EWS schema not found (looked in ${candidates.join(', ')}); set EWS_SCHEMA_DIR`);
  return found;
}

interface Validator {
  lib: LibXml;
  validate(node: LibXmlNode): void;
}
let compiling: Promise<Validator> | undefined;

export function compiledSchema(): Promise<Validator> {
  compiling ??= (async () => {
    const lib = await libxml();
    // The XSD imports types.xsd and xml.xsd by relative path: libxml2 reads them through the
    // file-system input provider, resolved against the document URL.
    const nodejs = (await (new Function('s', 'return import(s)') as (s: string) => Promise<{ xmlRegisterFsInputProviders(): boolean }>)(
      'libxml2-wasm/lib/nodejs.mjs'));
    nodejs.xmlRegisterFsInputProviders();
    const file = join(schemaDirectory(), 'messages.xsd');
    const xsd = lib.XmlDocument.fromBuffer(readFileSync(file), { url: pathToFileURL(file).href });
    const validator = lib.XsdValidator.fromDoc(xsd);
    return { lib, validate: (node) => validator.validate(node as never) };
  })();
  compiling.catch(() => (compiling = undefined));
  return compiling;
}

/** Parses the SOAP envelope; when `validate`, checks each header part and the body part. */
export async function parseSoapRequest(text: string, validate: boolean): Promise<ParseResult> {
  const { lib, validate: check } = await compiledSchema();
  let doc;
  try {
    doc = lib.XmlDocument.fromString(text);
  } catch (err) {
    const d = (err as { details?: { message: string; line: number; col: number }[] }).details?.[0];
    return { ok: false, violation: { message: (d?.message ?? String(err)).trim(), line: d?.line ?? 0, column: d?.col ?? 0 } };
  }
  try {
    const root = doc.root;
    if (root.name !== 'Envelope' || root.namespaceUri !== NS.soap) {
      return { ok: false, violation: { message: `The root element must be {${NS.soap}}Envelope.`, line: 1, column: 0 } };
    }
    const parts: { header: LibXmlNode[]; body: LibXmlNode[] } = { header: [], body: [] };
    for (let c = root.firstChild; c; c = c.next) {
      if (!(c instanceof lib.XmlElement)) continue;
      if (c.namespaceUri === NS.soap && (c.name === 'Header' || c.name === 'Body')) {
        const list = c.name === 'Header' ? parts.header : parts.body;
        for (let p = c.firstChild; p; p = p.next) if (p instanceof lib.XmlElement) list.push(p);
      }
    }
    if (parts.body.length !== 1) {
      return { ok: false, violation: { message: 'soap:Body must hold exactly one request element.', line: 1, column: 0 } };
    }
    if (validate) {
      for (const part of [...parts.header, ...parts.body]) {
        try {
          check(part);
        } catch (err) {
          const d = (err as { details?: { message: string; line: number; col: number }[] }).details?.[0];
          return { ok: false, violation: { message: (d?.message ?? String(err)).trim(), line: d?.line ?? 0, column: d?.col ?? 0 } };
        }
      }
    }
    return { ok: true, soap: { header: parts.header.map((h) => toXElem(lib, h)), body: toXElem(lib, parts.body[0]!) } };
  } finally {
    doc.dispose();
  }
}

/** The directory holding messages.xsd, types.xsd and services.wsdl (served like a real CAS). */
export function schemaFile(name: 'messages.xsd' | 'types.xsd' | 'services.wsdl'): string {
  return join(schemaDirectory(), name);
}
