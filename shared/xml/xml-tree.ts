import { SaxesParser, type SaxesAttributeNS } from 'saxes';
import { invalidInput, isEInvoiceError } from '../errors';
import { knownNamespace } from './namespaces';
import { checkXmlSizeAndDtd, DEFAULT_MAX_XML_DEPTH, tooDeep, type SafeXmlOptions } from './safe-xml';

/** A text (or CDATA) node of an {@link XmlTreeElement}. */
export interface XmlTreeText {
  readonly nodeType: 3;
  readonly data: string;
}

/**
 * An element of a read-only XML tree: the subset of the DOM that readers of documents need (names,
 * namespaces, attributes, text, parent), with the line and column where the element starts.
 */
export class XmlTreeElement {
  readonly nodeType = 1 as const;
  readonly childNodes: Array<XmlTreeElement | XmlTreeText> = [];

  constructor(
    /** The qualified name as written (`cbc:ID`). */
    readonly nodeName: string,
    readonly localName: string,
    readonly namespaceURI: string | null,
    readonly parentNode: XmlTreeElement | null,
    private readonly attributes: ReadonlyMap<string, string>,
    /** 1-based line and column of the start tag's `<`. */
    readonly line: number,
    readonly column: number,
  ) {}

  /** The value of the attribute with this qualified name, as the DOM's `getAttribute`. */
  getAttribute(name: string): string | null {
    return this.attributes.get(name) ?? null;
  }

  hasAttribute(name: string): boolean {
    return this.attributes.has(name);
  }

  /** How many attributes it has. */
  get attributeCount(): number {
    return this.attributes.size;
  }

  /** The names of its attributes, as written. */
  attributeNames(): IterableIterator<string> {
    return this.attributes.keys();
  }

  private text: string | undefined;
  private elements: readonly XmlTreeElement[] | undefined;
  private memos: Map<object, unknown> | undefined;

  /** Its element children, in document order (the DOM's `children`); listed once (the tree does not change). */
  get children(): readonly XmlTreeElement[] {
    if (this.elements !== undefined) return this.elements;
    const elements: XmlTreeElement[] = [];
    for (const node of this.childNodes) if (node.nodeType === 1) elements.push(node);
    return (this.elements = elements);
  }

  /**
   * What `build` makes of this element, made once and kept on the element itself (an index of the document
   * that several rules read, say) under a key its user owns. Kept on the tree rather than in a `WeakMap`
   * keyed by the tree: such caches of short-lived documents make every garbage collection slower.
   */
  memo<T>(key: object, build: (element: XmlTreeElement) => T): T {
    this.memos ??= new Map();
    if (this.memos.has(key)) return this.memos.get(key) as T;
    const value = build(this);
    this.memos.set(key, value);
    return value;
  }

  /**
   * The text of every descendant text node, in document order (the DOM's `textContent`); computed once
   * (the tree does not change).
   */
  get textContent(): string {
    if (this.text !== undefined) return this.text;
    const nodes = this.childNodes;
    let text = '';
    if (nodes.length === 1 && nodes[0]!.nodeType === 3) text = nodes[0]!.data;
    else for (const node of nodes) text += node.nodeType === 3 ? node.data : node.textContent;
    this.text = text;
    return text;
  }
}

const NO_ATTRIBUTES: ReadonlyMap<string, string> = new Map();

/**
 * Parses XML into a read-only element tree, as safely as {@link checkXmlSafety} (no DTD, bounded size and depth).
 * The parser (saxes) is strict XML 1.0 with namespaces: a document that is not well-formed, or uses an
 * undeclared prefix, is refused with its line and column. About six times faster than building a DOM,
 * for readers that only walk the document.
 */
export function parseXmlTree(text: string, options: SafeXmlOptions = {}): XmlTreeElement {
  // the size and the DTD before the parser sees the text, the depth as the parser goes (it stops there)
  checkXmlSizeAndDtd(text, options);
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_XML_DEPTH;
  return parsePlainXml(text, maxDepth) ?? parseWithSaxes(text, maxDepth);
}

/** The tree as saxes reads it: every document, its errors with their line and column. */
export function parseWithSaxes(text: string, maxDepth: number): XmlTreeElement {
  let depth = 0;
  const parser = new SaxesParser({ xmlns: true, position: true });
  let root: XmlTreeElement | undefined;
  let current: XmlTreeElement | null = null;
  let failure: Error | undefined;
  let tagLine = 1;
  let tagColumn = 1;
  // the document order, noted as the elements come (see `documentOrder`)
  const elements: XmlTreeElement[] = [];
  const parents: number[] = [];
  const ends: number[] = [];
  let open = -1;
  // the namespace of the last element, as the parser spells it and as the tree gives it
  let lastUri = '';
  let lastNamespace = '';
  parser.on('error', (error) => {
    failure ??= error;
  });
  // Where the start tag begins: read once its name is, before its attributes (the column of `<`).
  parser.on('opentagstart', (tag) => {
    tagLine = parser.line;
    tagColumn = parser.column - tag.name.length - 1;
  });
  parser.on('opentag', (tag) => {
    // as the safety scan counts: an element that closes itself opens no level
    if (!tag.isSelfClosing && ++depth > maxDepth)
      throw tooDeep(maxDepth, depth, `line ${tagLine}, column ${tagColumn}`);
    let attributes: ReadonlyMap<string, string> = NO_ATTRIBUTES;
    for (const name in tag.attributes) {
      if (attributes === NO_ATTRIBUTES) attributes = new Map<string, string>();
      const attribute = (tag.attributes as Record<string, SaxesAttributeNS>)[name]!;
      const written = attribute.name;
      (attributes as Map<string, string>).set(
        xmlName(written, written.indexOf(':')).qualified,
        attribute.value,
      );
    }
    const uri = tag.uri ?? '';
    if (uri !== lastUri) {
      lastUri = uri;
      lastNamespace = knownNamespace(uri);
    }
    const name = xmlName(tag.name, tag.name.indexOf(':'));
    const element = new XmlTreeElement(
      name.qualified,
      name.local,
      lastNamespace ? lastNamespace : null,
      current,
      attributes,
      tagLine,
      tagColumn,
    );
    if (current) current.childNodes.push(element);
    else root = element;
    current = element;
    elements.push(element);
    parents.push(open);
    ends.push(0);
    open = elements.length - 1;
  });
  parser.on('closetag', (tag) => {
    if (!tag.isSelfClosing) depth--;
    current = current?.parentNode ?? null;
    if (open !== -1) {
      ends[open] = elements.length;
      open = parents[open]!;
    }
  });
  const addText = (data: string) => {
    if (current && data !== '') current.childNodes.push({ nodeType: 3, data });
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  try {
    parser.write(text).close();
  } catch (error) {
    // the depth refused: the document is refused for that, whatever the parser would have said after
    if (isEInvoiceError(error)) throw error;
    failure ??= error as Error;
  }
  if (failure || !root) {
    const message = failure?.message ?? 'no root element';
    // saxes prefixes its messages with "line:column: "
    const position = /^(?:[^:]*:)?(\d+):(\d+): ([\s\S]*)$/.exec(message);
    throw invalidInput('xml.malformed', 'The document is not well-formed XML', [
      {
        path: position ? `line ${position[1]}, column ${position[2]}` : '/',
        message: (position ? position[3]! : message).replace(/\s+/g, ' ').trim(),
      },
    ]);
  }
  root.memo(DOCUMENT_ORDER, () => ({ elements, parents, ends }));
  return root;
}

/**
 * `text` as the one string the engine keeps for a property name of that text. Names given this way are the
 * same string wherever they come from (a document, a mapping, a literal in the code), so that comparing two
 * of them, or looking one up in a `Map`, does not compare or hash them character by character.
 */
export function sharedName(text: string): string {
  return Object.keys({ [text]: 0 })[0]!;
}

/** A qualified name of elements or attributes, and its parts (`''` for no prefix), each a {@link sharedName}. */
interface XmlName {
  readonly qualified: string;
  readonly prefix: string;
  readonly local: string;
}

/**
 * The names documents have used, by qualified name; bounded (past the limit, further names are given as
 * they are written, which only makes them slower to compare).
 */
const NAMES = new Map<string, XmlName>();
const MAX_NAMES = 10_000;

/** The name written `written`, with its colon at `colon` (-1 for none). */
function xmlName(written: string, colon: number): XmlName {
  const known = NAMES.get(written);
  if (known !== undefined) return known;
  const shared = NAMES.size < MAX_NAMES;
  const part = (text: string) => (shared ? sharedName(text) : text);
  const qualified = part(written);
  const name: XmlName =
    colon === -1
      ? { qualified, prefix: '', local: qualified }
      : { qualified, prefix: part(written.slice(0, colon)), local: part(written.slice(colon + 1)) };
  if (shared) NAMES.set(qualified, name);
  return name;
}

const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NAMESPACE = 'http://www.w3.org/2000/xmlns/';

/**
 * Characters the plain reading leaves to saxes: carriage returns (line ends to normalise), control characters
 * other than tab and line feed, surrogates (characters beyond the BMP, or broken ones), U+FFFE and U+FFFF.
 */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const NOT_PLAIN = /[\0-\x08\x0B-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/;

/** An XML declaration as saxes accepts it, of version 1.0 (1.1 changes the rules on characters). */
const XML_DECLARATION =
  /<\?xml[ \t\n]+version[ \t\n]*=[ \t\n]*(?:"1\.0"|'1\.0')(?:[ \t\n]+encoding[ \t\n]*=[ \t\n]*(?:"[A-Za-z][A-Za-z0-9._-]*"|'[A-Za-z][A-Za-z0-9._-]*'))?(?:[ \t\n]+standalone[ \t\n]*=[ \t\n]*(?:"(?:yes|no)"|'(?:yes|no)'))?[ \t\n]*\?>/y;

const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = {
  __proto__: null,
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
} as unknown as Readonly<Record<string, string>>;

const DECIMAL_REFERENCE = /^#[0-9]+$/;
const HEX_REFERENCE = /^#x[0-9a-fA-F]+$/;

/** By ASCII code: 2 for what a name may start with (`A`–`Z`, `a`–`z`, `_`), 1 for what it may continue with. */
const NAME_CHARACTERS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const char = String.fromCharCode(c);
  if (/[A-Za-z_]/.test(char)) NAME_CHARACTERS[c] = 2;
  else if (/[0-9.-]/.test(char)) NAME_CHARACTERS[c] = 1;
}

/** The colon of the name {@link plainNameEnd} read last (-1 when it has none), and a hash of the name. */
let plainNameColon = -1;
let plainNameHash = 0;

/**
 * The end of the name at `at`: ASCII, with at most one colon between two non-empty parts each starting as a
 * name starts; -1 for any other name, or one followed by a character a name may have (non-ASCII ones).
 */
function plainNameEnd(text: string, at: number): number {
  let c = text.charCodeAt(at);
  if (!(c < 128 && NAME_CHARACTERS[c] === 2)) return -1;
  let colon = -1;
  let hash = c;
  let i = at + 1;
  for (;;) {
    c = text.charCodeAt(i);
    if (c < 128 && NAME_CHARACTERS[c] !== 0) {
      hash = (Math.imul(hash, 31) + c) | 0;
      i++;
    } else if (c === 58 && colon === -1) {
      const next = text.charCodeAt(i + 1);
      if (!(next < 128 && NAME_CHARACTERS[next] === 2)) return -1;
      hash = (Math.imul(Math.imul(hash, 31) + c, 31) + next) | 0;
      colon = i;
      i += 2;
    } else if (c >= 128 || c === 58) return -1;
    else {
      plainNameColon = colon;
      plainNameHash = hash;
      return i;
    }
  }
}

/**
 * The shared names of {@link NAMES} again, by the hash {@link plainNameEnd} computes as it reads a name: found
 * from the document's text without making a string of it first. Open addressing; as bounded as `NAMES`.
 */
const NAME_SLOTS = 1 << 14;
const slotHashes = new Int32Array(NAME_SLOTS);
const slotNames: Array<XmlName | undefined> = new Array<XmlName | undefined>(NAME_SLOTS).fill(undefined);
let slotsUsed = 0;

/** The name {@link plainNameEnd} has just read from `start` to `end`. */
function plainName(text: string, start: number, end: number): XmlName {
  const hash = plainNameHash;
  const length = end - start;
  let slot = hash & (NAME_SLOTS - 1);
  for (let known = slotNames[slot]; known !== undefined; known = slotNames[slot]) {
    if (
      slotHashes[slot] === hash &&
      known.qualified.length === length &&
      text.slice(start, end) === known.qualified
    )
      return known;
    slot = (slot + 1) & (NAME_SLOTS - 1);
  }
  const name = xmlName(text.slice(start, end), plainNameColon === -1 ? -1 : plainNameColon - start);
  // only names that are shared (no slice of the document is kept), within the same bound
  if (NAMES.get(name.qualified) === name && slotsUsed < MAX_NAMES) {
    slotHashes[slot] = hash;
    slotNames[slot] = name;
    slotsUsed++;
  }
  return name;
}

/** The text an entity or character reference (the name between `&` and `;`) stands for; undefined for others. */
function referenceText(name: string): string | undefined {
  const predefined = PREDEFINED_ENTITIES[name];
  if (predefined !== undefined) return predefined;
  let code: number;
  if (name.charCodeAt(1) === 120 /* x */ && HEX_REFERENCE.test(name)) code = parseInt(name.slice(2), 16);
  else if (DECIMAL_REFERENCE.test(name)) code = parseInt(name.slice(1), 10);
  else return undefined;
  // XML 1.0's Char
  const char =
    code === 9 ||
    code === 10 ||
    code === 13 ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff);
  return char ? String.fromCodePoint(code) : undefined;
}

/** A namespace binding in scope: innermost first. */
interface Binding {
  readonly prefix: string;
  readonly uri: string;
  readonly outer: Binding | null;
}

function resolvePrefix(bindings: Binding | null, prefix: string): string | undefined {
  for (let b = bindings; b !== null; b = b.outer) if (b.prefix === prefix) return b.uri;
  return prefix === 'xml' ? XML_NAMESPACE : prefix === 'xmlns' ? XMLNS_NAMESPACE : undefined;
}

/**
 * Reads the common shape of a document directly, to the same tree as {@link parseWithSaxes} (names,
 * namespaces, attributes, text nodes, lines and columns): ASCII names, version 1.0, no carriage return,
 * no processing instruction, the predefined entities and character references only. Undefined for anything
 * else and for anything that is not well-formed, which saxes then reads or refuses with its message.
 */
export function parsePlainXml(text: string, maxDepth: number): XmlTreeElement | undefined {
  if (NOT_PLAIN.test(text)) return undefined;
  const length = text.length;
  // saxes counts a byte order mark in the column of what follows it on the first line
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (text.startsWith('<?xml', i)) {
    XML_DECLARATION.lastIndex = i;
    if (!XML_DECLARATION.test(text)) return undefined;
    i = XML_DECLARATION.lastIndex;
  }
  // lines, counted up to where they are asked for
  let line = 1;
  let lineStart = 0;
  let nextNewline = text.indexOf('\n');
  // the next `]]>`, which character data must not have, and the next reference
  let nextCdataEnd = text.indexOf(']]>');
  let nextAmpersand = text.indexOf('&');

  const elements: XmlTreeElement[] = [];
  const parents: number[] = [];
  const ends: number[] = [];
  let open = -1;
  let current: XmlTreeElement | null = null;
  let root: XmlTreeElement | undefined;
  let bindings: Binding | null = null;
  /** By open element: the bindings in scope outside it. */
  const outerBindings: Array<Binding | null> = [];
  let depth = 0;
  const names: XmlName[] = [];
  const values: string[] = [];

  while (i < length) {
    const lt = text.indexOf('<', i);
    const textEnd = lt === -1 ? length : lt;
    if (textEnd > i) {
      if (current === null) {
        // outside the root element: white space only
        for (let k = i; k < textEnd; k++) {
          const c = text.charCodeAt(k);
          if (c !== 32 && c !== 10 && c !== 9) return undefined;
        }
      } else {
        if (nextCdataEnd !== -1 && nextCdataEnd < i) nextCdataEnd = text.indexOf(']]>', i);
        if (nextCdataEnd !== -1 && nextCdataEnd < textEnd) return undefined;
        let data = text.slice(i, textEnd);
        if (nextAmpersand !== -1 && nextAmpersand < i) nextAmpersand = text.indexOf('&', i);
        if (nextAmpersand !== -1 && nextAmpersand < textEnd) {
          const decoded = decodeReferences(data, false);
          if (decoded === undefined) return undefined;
          data = decoded;
        }
        current.childNodes.push({ nodeType: 3, data });
      }
    }
    if (lt === -1) break;
    const next = text.charCodeAt(lt + 1);
    if (next === 47 /* / */) {
      // an end tag: the name of the open element, white space, `>`
      if (current === null) return undefined;
      const name = current.nodeName;
      let k = lt + 2 + name.length;
      if (text.slice(lt + 2, k) !== name) return undefined;
      // the same name, not the start of a longer one
      let c = text.charCodeAt(k);
      if (!(c < 128) || NAME_CHARACTERS[c] !== 0 || c === 58) return undefined;
      while (c === 32 || c === 10 || c === 9) c = text.charCodeAt(++k);
      if (c !== 62) return undefined;
      i = k + 1;
      depth--;
      ends[open] = elements.length;
      open = parents[open]!;
      bindings = outerBindings.pop()!;
      // once the root is closed, white space and comments only
      current = current.parentNode;
      continue;
    }
    if (next === 33 /* ! */) {
      if (text.startsWith('<!--', lt)) {
        const end = text.indexOf('-->', lt + 4);
        // `--` only where the comment ends
        if (end === -1 || text.indexOf('--', lt + 4) !== end) return undefined;
        i = end + 3;
        continue;
      }
      if (current !== null && text.startsWith('<![CDATA[', lt)) {
        const end = text.indexOf(']]>', lt + 9);
        if (end === -1) return undefined;
        if (end > lt + 9) current.childNodes.push({ nodeType: 3, data: text.slice(lt + 9, end) });
        i = end + 3;
        continue;
      }
      return undefined;
    }
    // a start tag; one root element only
    if (current === null && root !== undefined) return undefined;
    const nameEnd = plainNameEnd(text, lt + 1);
    if (nameEnd === -1) return undefined;
    const name = plainName(text, lt + 1, nameEnd);
    const qualified = name.qualified;
    // where saxes places the start tag: once it has read the character after the name
    while (nextNewline !== -1 && nextNewline < lt) {
      line++;
      lineStart = nextNewline + 1;
      nextNewline = text.indexOf('\n', lineStart);
    }
    let tagLine = line;
    let tagColumn = lt - lineStart + 1;
    if (nextNewline === nameEnd) {
      tagLine = line + 1;
      tagColumn = -qualified.length - 1;
    }
    // the attributes, as written
    let count = 0;
    let k = nameEnd;
    let selfClosing: boolean;
    for (;;) {
      let c = text.charCodeAt(k);
      const spaced = c === 32 || c === 10 || c === 9;
      while (c === 32 || c === 10 || c === 9) c = text.charCodeAt(++k);
      if (c === 62 /* > */) {
        selfClosing = false;
        k++;
        break;
      }
      if (c === 47 /* / */) {
        if (text.charCodeAt(k + 1) !== 62) return undefined;
        selfClosing = true;
        k += 2;
        break;
      }
      if (!spaced) return undefined;
      const attributeEnd = plainNameEnd(text, k);
      if (attributeEnd === -1) return undefined;
      names[count] = plainName(text, k, attributeEnd);
      k = attributeEnd;
      c = text.charCodeAt(k);
      while (c === 32 || c === 10 || c === 9) c = text.charCodeAt(++k);
      if (c !== 61 /* = */) return undefined;
      c = text.charCodeAt(++k);
      while (c === 32 || c === 10 || c === 9) c = text.charCodeAt(++k);
      if (c !== 34 && c !== 39) return undefined;
      const close = text.indexOf(c === 34 ? '"' : "'", k + 1);
      if (close === -1) return undefined;
      const value = attributeValue(text, k + 1, close);
      if (value === undefined) return undefined;
      values[count++] = value;
      k = close + 1;
    }
    // namespaces declared here are in scope for the element and its attributes
    const outer = bindings;
    for (let a = 0; a < count; a++) {
      const attribute = names[a]!;
      if (attribute.qualified === 'xmlns') {
        const uri = knownNamespace(values[a]!.trim());
        if (uri === XML_NAMESPACE || uri === XMLNS_NAMESPACE) return undefined;
        bindings = { prefix: '', uri, outer: bindings };
      } else if (attribute.prefix === 'xmlns') {
        const prefix = attribute.local;
        const uri = knownNamespace(values[a]!.trim());
        if (prefix === 'xml' || prefix === 'xmlns' || uri === '') return undefined;
        if (uri === XML_NAMESPACE || uri === XMLNS_NAMESPACE) return undefined;
        bindings = { prefix, uri, outer: bindings };
      }
    }
    const prefix = name.prefix;
    let uri: string | undefined;
    if (prefix === '') uri = resolvePrefix(bindings, '');
    else {
      if (prefix === 'xml' || prefix === 'xmlns') return undefined;
      uri = resolvePrefix(bindings, prefix);
      if (uri === undefined || uri === '') return undefined;
    }
    let attributes: ReadonlyMap<string, string> = NO_ATTRIBUTES;
    if (count > 0) {
      const map = new Map<string, string>();
      // as saxes tells attributes apart: by name, or by namespace and local name when prefixed
      let expanded: Set<string> | undefined;
      for (let a = 0; a < count; a++) {
        const attribute = names[a]!;
        if (attribute.prefix !== '') {
          const namespace = resolvePrefix(bindings, attribute.prefix);
          if (namespace === undefined) return undefined;
          expanded ??= new Set();
          const key = `{${namespace}}${attribute.local}`;
          if (expanded.has(key)) return undefined;
          expanded.add(key);
        }
        if (map.has(attribute.qualified)) return undefined;
        map.set(attribute.qualified, values[a]!);
      }
      attributes = map;
    }
    if (!selfClosing && ++depth > maxDepth) return undefined;
    const element: XmlTreeElement = new XmlTreeElement(
      qualified,
      name.local,
      uri ? uri : null,
      current,
      attributes,
      tagLine,
      tagColumn,
    );
    if (current !== null) current.childNodes.push(element);
    else root = element;
    elements.push(element);
    parents.push(open);
    ends.push(0);
    if (selfClosing) {
      ends[elements.length - 1] = elements.length;
      bindings = outer;
    } else {
      open = elements.length - 1;
      outerBindings.push(outer);
      current = element;
    }
    i = k;
  }
  if (root === undefined || current !== null) return undefined;
  root.memo(DOCUMENT_ORDER, () => ({ elements, parents, ends }));
  return root;
}

/**
 * Text as written with its entity and character references replaced (in an attribute value, tabs and line
 * feeds as written become spaces); undefined for a reference the plain reading does not know.
 */
function decodeReferences(written: string, attribute: boolean): string | undefined {
  let out = '';
  let from = 0;
  for (let at = written.indexOf('&'); at !== -1; at = written.indexOf('&', from)) {
    const semicolon = written.indexOf(';', at + 1);
    if (semicolon === -1) return undefined;
    const replacement = referenceText(written.slice(at + 1, semicolon));
    if (replacement === undefined) return undefined;
    out += (attribute ? spacesOf(written.slice(from, at)) : written.slice(from, at)) + replacement;
    from = semicolon + 1;
  }
  return out + (attribute ? spacesOf(written.slice(from)) : written.slice(from));
}

const TAB_OR_NEWLINE = /[\t\n]/g;

/** Tabs and line feeds of an attribute value as written become spaces (attribute-value normalisation). */
function spacesOf(text: string): string {
  return text.indexOf('\t') === -1 && text.indexOf('\n') === -1 ? text : text.replace(TAB_OR_NEWLINE, ' ');
}

/** An attribute value from `start` to `end` (the closing quote), as saxes reads it; undefined when it has `<`. */
function attributeValue(text: string, start: number, end: number): string | undefined {
  let references = false;
  let spaces = false;
  for (let k = start; k < end; k++) {
    const c = text.charCodeAt(k);
    if (c === 60 /* < */) return undefined;
    if (c === 38 /* & */) references = true;
    else if (c === 9 || c === 10) spaces = true;
  }
  const value = text.slice(start, end);
  if (references) return decodeReferences(value, true);
  return spaces ? value.replace(TAB_OR_NEWLINE, ' ') : value;
}

/**
 * The elements of a document in document order, the root first, with the position of each one's parent (-1
 * for the root) and the position after its last descendant (its children are at `i + 1`, then each next one
 * at the end of the one before, up to `ends[i]`). Noted while parsing; one index that every reader of the
 * document shares.
 */
export interface DocumentOrder {
  readonly elements: readonly XmlTreeElement[];
  readonly parents: readonly number[];
  readonly ends: readonly number[];
}

const DOCUMENT_ORDER = {};
const BY_LOCAL_NAME = {};

/** The document order of the tree under `root` (as parsed, or walked once for an element that is no root). */
export function documentOrder(root: XmlTreeElement): DocumentOrder {
  return root.memo(DOCUMENT_ORDER, () => {
    const order = { elements: [] as XmlTreeElement[], parents: [] as number[], ends: [] as number[] };
    const visit = (el: XmlTreeElement, parent: number) => {
      const i = order.elements.length;
      order.elements.push(el);
      order.parents.push(parent);
      order.ends.push(0);
      for (const child of el.childNodes) if (child.nodeType === 1) visit(child, i);
      order.ends[i] = order.elements.length;
    };
    visit(root, -1);
    return order;
  });
}

const NONE: readonly XmlTreeElement[] = [];

/** Every element under `root` (itself included) with this local name, in any namespace, in document order. */
export function elementsNamed(root: XmlTreeElement, localName: string): readonly XmlTreeElement[] {
  const byName = root.memo(BY_LOCAL_NAME, () => {
    const index = new Map<string, XmlTreeElement[]>();
    for (const el of documentOrder(root).elements) {
      const named = index.get(el.localName);
      if (named === undefined) index.set(el.localName, [el]);
      else named.push(el);
    }
    return index;
  });
  return byName.get(localName) ?? NONE;
}

/** The element children of `el` with this namespace and local name, in document order. */
export function childrenNamed(el: XmlTreeElement, namespace: string, local: string): XmlTreeElement[] {
  const found: XmlTreeElement[] = [];
  for (const node of el.childNodes)
    if (node.nodeType === 1 && node.localName === local && node.namespaceURI === namespace) found.push(node);
  return found;
}

/** The first element child of `el` with this namespace and local name. */
export function childNamed(el: XmlTreeElement, namespace: string, local: string): XmlTreeElement | undefined {
  for (const node of el.childNodes)
    if (node.nodeType === 1 && node.localName === local && node.namespaceURI === namespace) return node;
  return undefined;
}

/** XML white space, as XPath's `normalize-space` knows it (space, tab, carriage return, line feed). */
const XML_SPACE = /[ \t\r\n]+/g;
const HAS_XML_SPACE = /[ \t\r\n]/;

/** XPath's `normalize-space`: runs of XML white space become one space, none at either end. */
export function normalizeSpace(text: string): string {
  if (!HAS_XML_SPACE.test(text)) return text;
  const collapsed = text.replace(XML_SPACE, ' ');
  const start = collapsed.startsWith(' ') ? 1 : 0;
  const end = collapsed.endsWith(' ') ? collapsed.length - 1 : collapsed.length;
  return start >= end ? '' : collapsed.slice(start, end);
}
