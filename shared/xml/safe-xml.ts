import { DOMParser } from '@xmldom/xmldom';
import { XMLValidator } from 'fast-xml-parser';
import { invalidInput } from '../errors';

export interface SafeXmlOptions {
  /** Largest document accepted, in bytes (UTF-8). Default 20 MiB. */
  maxBytes?: number;
  /** Deepest element nesting accepted. Default 256. */
  maxDepth?: number;
}

export const DEFAULT_MAX_XML_BYTES = 20 * 1024 * 1024;
export const DEFAULT_MAX_XML_DEPTH = 256;

/** Line and column (1-based) of a character offset. */
function locate(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line}, column ${offset - lineStart + 1}`;
}

/** The `>` that ends the tag starting at `at`, outside quoted attribute values; -1 when there is none. */
export function tagEnd(text: string, at: number): number {
  let quote = 0;
  for (let i = at + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 34 || c === 39) quote = c;
    else if (c === 62) return i;
  }
  return -1;
}

/**
 * Refuses what makes XML dangerous before any parser sees it: a DTD (and with it every entity declaration,
 * internal or external: billion laughs, XXE), a document over `maxBytes`, and nesting deeper than
 * `maxDepth` (the scan is linear and allocation-free, so a hostile document costs one pass).
 */
export function checkXmlSafety(text: string, options: SafeXmlOptions = {}): void {
  checkXmlSizeAndDtd(text, options);
  checkXmlDepth(text, options);
}

/** The XML nests elements deeper than `maxDepth`: the refusal, at the start tag of the first too deep. */
export function tooDeep(maxDepth: number, depth: number, where: string): Error {
  return invalidInput('xml.too-deep', `The XML document nests elements deeper than ${maxDepth} levels`, [
    { path: where, message: `element at depth ${depth}` },
  ]);
}

/** The first part of {@link checkXmlSafety}: no document over `maxBytes`, no DTD or entity declaration. */
export function checkXmlSizeAndDtd(text: string, options: SafeXmlOptions = {}): void {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_XML_BYTES;
  if (text.length > maxBytes || Buffer.byteLength(text, 'utf8') > maxBytes) {
    throw invalidInput('xml.too-large', `The XML document is larger than ${maxBytes} bytes`);
  }
  const doctype = text.search(/<!DOCTYPE|<!ENTITY/);
  if (doctype !== -1) {
    throw invalidInput('xml.dtd-forbidden', 'XML with a DTD or entity declarations is refused', [
      { path: locate(text, doctype), message: 'DTD or entity declaration' },
    ]);
  }
}

/** The second part of {@link checkXmlSafety}: no nesting deeper than `maxDepth`, in one scan of the text. */
function checkXmlDepth(text: string, options: SafeXmlOptions): void {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_XML_DEPTH;
  let depth = 0;
  for (let at = text.indexOf('<'); at !== -1; at = text.indexOf('<', at + 1)) {
    const next = text.charCodeAt(at + 1);
    if (next === 33 /* ! */) {
      // a comment or CDATA section: skip to its end, its content is not markup
      const end = text.startsWith('<!--', at) ? text.indexOf('-->', at) : text.indexOf(']]>', at);
      if (end === -1) return; // the parser reports the unfinished construct
      at = end;
      continue;
    }
    if (next === 63 /* ? */) continue;
    const close = tagEnd(text, at);
    if (close === -1) return;
    if (next === 47 /* / */) depth--;
    else if (text.charCodeAt(close - 1) !== 47) {
      depth++;
      if (depth > maxDepth) throw tooDeep(maxDepth, depth, locate(text, at));
    }
    at = close;
  }
}

/** A namespace-aware DOM of `text` (xmldom, with locations), and the parser's errors; no checks of its own. */
export function parseDom(text: string): { doc: Document | undefined; errors: string[] } {
  const errors: string[] = [];
  const doc = new DOMParser({
    locator: {},
    errorHandler: {
      warning: () => undefined,
      error: (message: string) => errors.push(message),
      fatalError: (message: string) => errors.push(message),
    },
  }).parseFromString(text, 'application/xml') as unknown as Document | undefined;
  return { doc, errors };
}

/**
 * Parses XML into a namespace-aware DOM after `checkXmlSafety`. A document that is not well-formed is
 * refused with the validator's message and its line and column.
 */
export function parseXmlSafely(text: string, options: SafeXmlOptions = {}): Document {
  checkXmlSafety(text, options);
  // xmldom repairs some malformed documents (a wrong end tag, say); fast-xml-parser's validator does not.
  const verdict = XMLValidator.validate(text);
  if (verdict !== true) {
    throw invalidInput('xml.malformed', 'The document is not well-formed XML', [
      { path: `line ${verdict.err.line}, column ${verdict.err.col}`, message: verdict.err.msg },
    ]);
  }
  const { doc, errors } = parseDom(text);
  if (errors.length > 0 || !doc?.documentElement) {
    const message = errors[0] ?? 'no root element';
    const position = /line:?\s*(\d+)[^\d]+(?:col(?:umn)?:?\s*)(\d+)/i.exec(message);
    throw invalidInput('xml.malformed', 'The document is not well-formed XML', [
      {
        path: position ? `line ${position[1]}, column ${position[2]}` : '/',
        message: message.replace(/\s+/g, ' ').trim(),
      },
    ]);
  }
  return doc;
}
