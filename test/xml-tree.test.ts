import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EInvoiceError } from '../shared/errors';
import { shippedFormats } from '../shared/formats/mapping';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { checkXmlSafety, parseDom } from '../shared/xml/safe-xml';
import {
  documentOrder,
  elementsNamed,
  parseXmlTree,
  type XmlTreeElement,
  parsePlainXml,
  parseWithSaxes,
} from '../shared/xml/xml-tree';
import { corpusDir } from './support/corpus';

/** The element tree as plain data: names, namespaces, attributes, direct text, children. */
function shape(el: {
  nodeName: string;
  localName: string | null;
  namespaceURI: string | null;
  childNodes: ArrayLike<{ nodeType: number }>;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
}): unknown {
  const children: unknown[] = [];
  let text = '';
  for (let i = 0; i < el.childNodes.length; i++) {
    const node = el.childNodes[i]! as { nodeType: number; data?: string };
    if (node.nodeType === 1) children.push(shape(node as unknown as XmlTreeElement));
    else if (node.nodeType === 3 || node.nodeType === 4) text += node.data ?? '';
  }
  return {
    name: el.nodeName,
    local: el.localName,
    // no namespace: null in the tree (as the DOM standard says), undefined in xmldom's DOM
    ns: el.namespaceURI ?? null,
    ids: ['schemeID', 'currencyID', 'unitCode', 'listID'].map((a) =>
      el.hasAttribute(a) ? el.getAttribute(a) : null,
    ),
    text: text.trim(),
    children,
  };
}

function malformed(text: string): { path?: string; message: string } {
  try {
    parseXmlTree(text);
  } catch (error) {
    expect(error).toBeInstanceOf(EInvoiceError);
    expect((error as EInvoiceError).code).toBe('xml.malformed');
    return (error as EInvoiceError).details[0]!;
  }
  throw new Error('accepted');
}

describe('XML tree (the readers’ parser)', () => {
  it('gives the same elements, namespaces, attributes and text as a DOM', () => {
    const documents = shippedFormats()
      .filter((f) => f.read !== undefined)
      .map((f) => f.render(sampleInvoice(5) as never));
    const corpus = corpusDir('peppol-bis-invoice-3/rules/examples', 'en16931/cii/examples');
    if (corpus) {
      for (const file of [
        'peppol-bis-invoice-3/rules/examples/base-example.xml',
        'en16931/cii/examples/CII_example1.xml',
      ])
        documents.push(readFileSync(join(corpus, file), 'utf8'));
    }
    expect(documents.length).toBeGreaterThan(3);
    for (const xml of documents) {
      const dom = parseDom(xml).doc!.documentElement;
      expect(shape(parseXmlTree(xml))).toEqual(shape(dom as never));
    }
  });

  it('keeps text with CDATA and entities, positions and parents', () => {
    const root = parseXmlTree(
      '<?xml version="1.0"?>\n<a xmlns="urn:x" xmlns:p="urn:p">\n  <p:b c="1 &amp; 2">x &lt; y<![CDATA[ & z]]></p:b>\n</a>',
    );
    const b = root.childNodes.find((n): n is XmlTreeElement => n.nodeType === 1)!;
    expect(b).toMatchObject({ nodeName: 'p:b', localName: 'b', namespaceURI: 'urn:p', line: 3, column: 3 });
    expect(b.getAttribute('c')).toBe('1 & 2');
    expect(b.hasAttribute('d')).toBe(false);
    expect(b.textContent).toBe('x < y & z');
    expect(b.parentNode).toBe(root);
    expect(root.namespaceURI).toBe('urn:x');
  });

  it('refuses what is not well-formed, with line and column', () => {
    expect(malformed('<a>\n<b></a>')).toMatchObject({ path: expect.stringMatching(/^line 2, column \d+$/) });
    expect(malformed('<a><p:b/></a>').message).toMatch(/prefix/i);
    expect(malformed('<a></a><b/>').message).toMatch(/text data outside of root node|root/i);
    expect(malformed('').message).toBeTruthy();
  });

  it('refuses a DTD before parsing (no entity is ever expanded)', () => {
    expect(() => parseXmlTree('<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>')).toThrow(
      expect.objectContaining({ code: 'xml.dtd-forbidden' }),
    );
  });

  it('keeps what is made of an element once per key, on that element only', () => {
    const first = parseXmlTree('<a><b/></a>');
    const second = parseXmlTree('<a><b/></a>');
    const key = {};
    let builds = 0;
    const count = (el: XmlTreeElement) => ({ children: el.childNodes.length, build: ++builds });
    const made = first.memo(key, count);
    expect(first.memo(key, count)).toBe(made);
    expect(builds).toBe(1);
    expect(second.memo(key, count)).not.toBe(made);
    expect(first.memo({}, count)).toEqual({ children: 1, build: 3 });
    expect(first.memo(key, () => undefined)).toBe(made);
  });

  it('notes the document order while parsing: parents, subtree ends, elements by local name', () => {
    const root = parseXmlTree('<a xmlns:p="urn:p"><b><c/>text<p:c/></b><c/></a>');
    const { elements, parents, ends } = documentOrder(root);
    expect(elements.map((el) => el.nodeName)).toEqual(['a', 'b', 'c', 'p:c', 'c']);
    expect(parents).toEqual([-1, 0, 1, 1, 0]);
    expect(ends).toEqual([5, 4, 3, 4, 5]);
    expect(elementsNamed(root, 'c').map((el) => [el.nodeName, el.namespaceURI])).toEqual([
      ['c', null],
      ['p:c', 'urn:p'],
      ['c', null],
    ]);
    expect(elementsNamed(root, 'z')).toEqual([]);
    // an element that is no root is walked once, in the same order
    const b = elements[1]!;
    expect(documentOrder(b)).toEqual({
      elements: elements.slice(1, 4),
      parents: [-1, 0, 0],
      ends: [3, 2, 3],
    });
  });

  it('refuses nesting deeper than the limit as it parses, where the safety scan would', () => {
    const refusal = (parse: () => unknown) => {
      try {
        parse();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const deep = `<r>\n${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}</r>`;
    const tricky = `<r>${'<a t="x>/">'.repeat(100)}${'<b/>'.repeat(1000)}${'</a>'.repeat(100)}</r>`;
    for (const [xml, maxDepth] of [
      [deep, undefined],
      [tricky, 100],
    ] as const) {
      const expected = refusal(() => checkXmlSafety(xml, { maxDepth }));
      expect(expected).toMatchObject({ code: 'xml.too-deep' });
      expect(refusal(() => parseXmlTree(xml, { maxDepth }))).toEqual(expected);
    }
    expect(() => parseXmlTree(tricky, { maxDepth: 101 })).not.toThrow();
    // the limit is checked before the rest of the document is: a deep document is refused for its depth
    expect(refusal(() => parseXmlTree(`${'<a>'.repeat(300)}</b>`))).toMatchObject({ code: 'xml.too-deep' });
  });
});

describe('the direct reader and saxes', () => {
  /** Everything a reader sees of a tree: names, namespaces, attributes, text nodes, lines and columns. */
  const dump = (el: XmlTreeElement): unknown => ({
    name: el.nodeName,
    local: el.localName,
    ns: el.namespaceURI,
    at: [el.line, el.column],
    attributes: [...el.attributeNames()].map((n) => [n, el.getAttribute(n)]),
    nodes: el.childNodes.map((n) => (n.nodeType === 1 ? dump(n) : ['text', n.data])),
  });

  it('build the same tree for every document the direct reader takes, and it leaves the rest to saxes', () => {
    const documents = shippedFormats()
      .filter((f) => f.read !== undefined)
      .map((f) => f.render(sampleInvoice(5) as never));
    const corpus = corpusDir('peppol-bis-invoice-3/rules/examples', 'en16931/cii/examples');
    if (corpus)
      for (const file of [
        'peppol-bis-invoice-3/rules/examples/base-example.xml',
        'en16931/cii/examples/CII_example1.xml',
      ])
        documents.push(readFileSync(join(corpus, file), 'utf8'));
    let direct = 0;
    for (const xml of documents) {
      for (const variant of [
        xml,
        xml.replace(/>\n/g, '>\r\n'), // a carriage return: saxes reads it
        xml.replace(/(<\w+:?\w*)/, '$1 note="a &amp; b &#233; &lt;c&gt;"'),
        `<?xml-stylesheet type="text/xsl" href="x.xsl"?>\n${xml.replace(/^<\?xml[^>]*\?>\n?/, '')}`,
      ]) {
        const plain = parsePlainXml(variant, 256);
        if (plain) {
          direct++;
          expect(dump(plain)).toEqual(dump(parseWithSaxes(variant, 256)));
        }
      }
      // not well-formed: the direct reader gives up, saxes refuses with its message
      const broken = xml.replace(/<\/(\w+:?\w*)>\s*$/, '</$1x>');
      expect(parsePlainXml(broken, 256)).toBeUndefined();
      expect(() => parseWithSaxes(broken, 256)).toThrow();
    }
    expect(direct).toBeGreaterThanOrEqual(documents.length * 2);
  });
});
