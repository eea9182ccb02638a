import { DOMParser } from '@xmldom/xmldom';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExclusiveCanonicalization, ExclusiveCanonicalizationWithComments } from 'xml-crypto';
import { renderPeppolUbl } from '../shared/formats/peppol-ubl';
import type { CanonicalInvoice } from '../shared/model/invoice';
import { canonicalizeLocating, exclusiveCanonicalize } from '../shared/signing/exc-c14n';
import { fullInvoice } from './support/full-invoice';

/** The reference: xml-crypto's exclusive canonicalization of the parsed document. */
function reference(xml: string, comments = false): string {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const c14n = comments ? new ExclusiveCanonicalizationWithComments() : new ExclusiveCanonicalization();
  return c14n.process(doc.documentElement, {}).toString();
}

describe("exclusive canonicalization of the service's own XML", () => {
  const samples = join(__dirname, '..', 'samples');
  const documents: Array<[string, string]> = readdirSync(samples)
    .filter((f) => f.endsWith('.json'))
    .map((f) => [
      f,
      renderPeppolUbl(
        (JSON.parse(readFileSync(join(samples, f), 'utf8')) as { document: CanonicalInvoice }).document,
      ),
    ]);
  documents.push(['every business term (invoice)', renderPeppolUbl(fullInvoice('380'))]);
  documents.push(['every business term (credit note)', renderPeppolUbl(fullInvoice('381'))]);

  it.each(documents)('%s: byte-identical to the reference canonicalizer', (_name, xml) => {
    expect(exclusiveCanonicalize(xml)).toBe(reference(xml));
  });

  it.each<[string, string]>([
    [
      'special characters in text and attributes',
      '<a:r xmlns:a="urn:a" x="1 &amp; &lt; &gt; &quot; &#9; &#10; &#13;"> &amp; &lt; &gt; " \' &#13; </a:r>',
    ],
    ['literal whitespace in an attribute value', '<r x="a\tb\nc"/>'],
    [
      'attribute order by namespace URI, then local name',
      '<r xmlns:z="urn:a" xmlns:b="urn:z" b:k="1" z:k="2" c="3" a="4"/>',
    ],
    [
      'prefixes declared only where used',
      '<r xmlns="urn:d" xmlns:p="urn:p" xmlns:q="urn:q"><p:x><p:y q:a="1">t</p:y></p:x><z/></r>',
    ],
    ['default namespace undeclared below', '<r xmlns="urn:d"><c xmlns=""><d/></c></r>'],
    ['a prefix rebound to another URI', '<p:r xmlns:p="urn:1"><p:c xmlns:p="urn:2"><p:d/></p:c></p:r>'],
    ['self-closing elements', '<?xml version="1.0" encoding="UTF-8"?>\n<r><e/><f a="1" /></r>'],
    ['non-ASCII text and numeric references', '<r>Stra&#223;e &#x20AC; Grüße</r>'],
    [
      'the same start tag in contexts that render it differently',
      '<r xmlns:p="urn:p"><a><p:x/></a><p:y><p:x/><p:x/></p:y><b xmlns:p="urn:q"><p:x/></b><a><p:x/></a></r>',
    ],
  ])('%s', (_name, xml) => {
    expect(exclusiveCanonicalize(xml)).toBe(reference(xml));
  });

  it.each<[string, string]>([['a comment in an element', '<r>a<!-- c -->b<s><!---->t</s></r>']])(
    'comments (%s): left out, or kept WithComments',
    (_name, xml) => {
      expect(exclusiveCanonicalize(xml)).toBe(reference(xml));
      expect(exclusiveCanonicalize(xml, { comments: true })).toBe(reference(xml, true));
    },
  );

  it('keeps markup-like text in a comment as it is (a comment node renders its string value)', () => {
    // xml-crypto escapes it; the c14n recommendation (section 2.3, comment nodes) does not.
    expect(exclusiveCanonicalize('<r><!-- <x a="1"> & --></r>', { comments: true })).toBe(
      '<r><!-- <x a="1"> & --></r>',
    );
  });

  it('comments outside the root element: set apart by a line feed, WithComments', () => {
    // xml-crypto canonicalizes from the root element, so the expectation is written out (c14n section 2.1).
    const xml = '<?xml version="1.0"?>\n<!-- before -->\n<r/>\n<!-- after -->\n';
    expect(exclusiveCanonicalize(xml)).toBe('<r></r>');
    expect(exclusiveCanonicalize(xml, { comments: true })).toBe('<!-- before -->\n<r></r>\n<!-- after -->');
  });

  it('an element located in a document is rendered as the apex of its own node set', () => {
    const xml = '<p:r xmlns:p="urn:p" xmlns:q="urn:q"><p:a q:x="1"><p:b/></p:a><p:a><q:c/></p:a><p:z/></p:r>';
    const located = canonicalizeLocating(xml, 'urn:p', 'a')!;
    const doc = new DOMParser().parseFromString(xml, 'text/xml');
    const elements = doc.getElementsByTagNameNS('urn:p', 'a');
    expect(located.elements).toEqual(
      [0, 1].map((i) => new ExclusiveCanonicalization().process(elements.item(i)!, {}).toString()),
    );
    expect(located.between.join('')).toBe('<p:r xmlns:p="urn:p"><p:z></p:z></p:r>');
  });

  it.each<[string, string]>([
    ['a DTD', '<!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>'],
    ['a comment with a double hyphen', '<r><!-- a -- b --></r>'],
    ['CDATA', '<r><![CDATA[x]]></r>'],
    ['a processing instruction', '<r><?pi x?></r>'],
    ['an undeclared prefix', '<p:r/>'],
    ['an unknown entity', '<r>&nbsp;</r>'],
    ['mismatched tags', '<r><a></b></r>'],
    ['two root elements', '<r/><s/>'],
    ['a raw carriage return', '<r>a\r\nb</r>'],
    ['a raw carriage return in an attribute value', '<r a="x\ry"/>'],
    ['a > inside an attribute value', '<r a="x>y"/>'],
  ])('leaves documents with %s to the general canonicalizer', (_name, xml) => {
    expect(exclusiveCanonicalize(xml)).toBeUndefined();
  });
});
