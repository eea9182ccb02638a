import { SaxesParser, type SaxesAttributeNS } from 'saxes';
import { invalidInput, isEInvoiceError } from '../errors';
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
      (attributes as Map<string, string>).set(attribute.name, attribute.value);
    }
    const element = new XmlTreeElement(
      tag.name,
      tag.local ?? tag.name,
      tag.uri ? tag.uri : null,
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
