import { DOMParser } from '@xmldom/xmldom';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExclusiveCanonicalization } from 'xml-crypto';
import { renderPeppolUbl } from '../shared/formats/peppol-ubl';
import type { CanonicalInvoice } from '../shared/model/invoice';
import { exclusiveCanonicalize } from '../shared/signing/exc-c14n';
import { fullInvoice } from './support/full-invoice';

/** The reference: xml-crypto's exclusive canonicalization of the parsed document. */
function reference(xml: string): string {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  return new ExclusiveCanonicalization().process(doc.documentElement, {}).toString();
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

  it.each<[string, string]>([
    ['a DTD', '<!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>'],
    ['a comment', '<r><!-- c --></r>'],
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
