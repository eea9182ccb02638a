import { DOMParser } from '@xmldom/xmldom';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExclusiveCanonicalization } from 'xml-crypto';
import { renderPeppolUbl } from '../shared/formats/peppol-ubl';
import type { CanonicalInvoice } from '../shared/model/invoice';
import { sampleInvoice } from '../shared/model/sample-invoice';
import {
  canonicalizeLocating,
  exclusiveCanonicalize,
  exclusiveCanonicalizeToUtf8,
  exclusiveCanonicalizeUtf8,
} from '../shared/signing/exc-c14n';
import { verifyXmlSignature } from '../shared/signing/verify';
import { signEnveloped, signEnvelopedUtf8, XMLDSIG_NS, type XmlSigningKey } from '../shared/signing/xmldsig';
import { fullInvoice } from './support/full-invoice';
import { testSigner } from './support/signer';

/** The reference: xml-crypto's exclusive canonicalization of the parsed document. */
function reference(xml: string): string {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  return new ExclusiveCanonicalization().process(doc.documentElement, {}).toString();
}

/** A text's UTF-8 bytes, one character each. */
const bytesOf = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

const samples = join(__dirname, '..', 'samples');
const documents: Array<[string, string]> = [
  ...readdirSync(samples)
    .filter((f) => f.endsWith('.json'))
    .map((f): [string, string] => [
      f,
      renderPeppolUbl(
        (JSON.parse(readFileSync(join(samples, f), 'utf8')) as { document: CanonicalInvoice }).document,
      ),
    ]),
  ['every business term (invoice)', renderPeppolUbl(fullInvoice('380'))],
  ['twenty lines', renderPeppolUbl(sampleInvoice(20))],
  [
    'non-ASCII text and references',
    '<r xmlns:p="urn:ü">Straße &#x20AC; &#x1F600; 😀<p:a p:x="é&#233;"/></r>',
  ],
  [
    'non-ASCII namespace URIs sorting attributes',
    '<r xmlns:a="urn:\uFF01" xmlns:b="urn:\u{10000}" b:x="1" a:x="2"/>',
  ],
  ['a byte order mark and a declaration', '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<r>\u00A0</r>\n'],
  ['white space outside the root element', '<r/>\u00A0\n'],
  ['an end tag with white space', '<r><a>x</a \n></r>'],
];

describe('exclusive canonicalization written as UTF-8 bytes', () => {
  it.each(documents)('%s: the UTF-8 of the text form, from bytes and from text', (_name, xml) => {
    const text = exclusiveCanonicalize(xml);
    const expected = text === undefined ? undefined : bytesOf(text);
    expect(exclusiveCanonicalizeUtf8(bytesOf(xml))).toBe(expected);
    expect(exclusiveCanonicalizeToUtf8(xml)).toBe(expected);
    // twice: the second time from the tags and gaps the first one left
    expect(exclusiveCanonicalizeUtf8(bytesOf(xml))).toBe(expected);
    expect(exclusiveCanonicalizeToUtf8(xml)).toBe(expected);
  });

  it('our own UBL: byte-identical to the reference canonicalizer', () => {
    const xml = renderPeppolUbl(sampleInvoice(20));
    expect(exclusiveCanonicalizeUtf8(bytesOf(xml))).toBe(bytesOf(reference(xml)));
  });

  it('a reference to a surrogate code point: left to the text form (null)', () => {
    const xml = '<r>&#xD83D;<!-- c -->&#xDE00;</r>';
    expect(exclusiveCanonicalizeUtf8(bytesOf(xml))).toBeNull();
    expect(exclusiveCanonicalizeToUtf8(xml)).toBeNull();
    // the text form joins the two halves into one character, as the DOM does
    expect(exclusiveCanonicalize(xml)).toBe('<r>😀</r>');
  });

  it('a lone surrogate: encoded as the whole text encodes it (U+FFFD)', () => {
    const xml = '<r>a\uD83Db<x y="\uDE00"/></r>';
    expect(exclusiveCanonicalizeToUtf8(xml)).toBe(bytesOf(exclusiveCanonicalize(xml)!));
  });

  it('halves of a character either side of a comment left out: left to the text form (null)', () => {
    for (const xml of ['<r>\uD83D<!-- c -->\uDE00</r>', '<r>\uD83D<!--a--><!--b-->\uDE00</r>']) {
      expect(exclusiveCanonicalizeToUtf8(xml)).toBeNull();
      // joined in the canonical form, one character once encoded
      expect(bytesOf(exclusiveCanonicalize(xml)!)).toBe(bytesOf('<r>😀</r>'));
    }
    // kept comments stand between them
    const kept = '<r>\uD83D<!-- c -->\uDE00</r>';
    expect(exclusiveCanonicalizeToUtf8(kept, { comments: true })).toBe(
      bytesOf(exclusiveCanonicalize(kept, { comments: true })!),
    );
  });

  it.each<[string, string]>([
    ['white space (U+00A0) between attributes', '<r a="1"\u00A0b="2"/>'],
    ['white space (U+3000) around an equals sign', '<r a\u3000=\u3000"1"/>'],
    ['white space (U+2028) before the root element', '\u2028<r/>'],
  ])('%s: as the text form decides', (_name, xml) => {
    const text = exclusiveCanonicalize(xml);
    expect(exclusiveCanonicalizeUtf8(bytesOf(xml))).toBe(text === undefined ? undefined : bytesOf(text));
  });
});

const CAC = 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2';

describe('documents met again and documents that differ', () => {
  const lines = (n: number) => renderPeppolUbl(sampleInvoice(n));
  const variants: Array<[string, string]> = [
    ['three lines', lines(3)],
    ['five lines', lines(5)],
    ['one line', lines(1)],
    ['a note added', lines(3).replace('<cbc:Note>', '<cbc:Note>Note 1</cbc:Note>\n  <cbc:Note>')],
    ['an element dropped', lines(3).replace(/<cbc:DueDate>[^<]*<\/cbc:DueDate>\s*/, '')],
    ['white space changed', lines(3).replace(/\n {4}</g, '\n\t<')],
    ['an end tag that does not match', lines(3).replace('</cbc:IssueDate>', '</cbc:IssueDat>')],
    ['a comment between tags', lines(3).replace('<cbc:DueDate>', '<!-- due -->\n  <cbc:DueDate>')],
    ['a second root element', `${lines(1)}<Invoice/>`],
    ['three lines again', lines(3)],
  ];

  it('canonicalizes each as the reference does, in whatever order they come', () => {
    for (let round = 0; round < 3; round++) {
      for (const [name, xml] of round === 1 ? [...variants].reverse() : variants) {
        const text = exclusiveCanonicalize(xml);
        if (name === 'an end tag that does not match' || name === 'a second root element')
          expect({ name, text }).toEqual({ name, text: undefined });
        else expect({ name, text }).toEqual({ name, text: reference(xml) });
        expect(exclusiveCanonicalizeUtf8(bytesOf(xml))).toBe(text === undefined ? undefined : bytesOf(text));
        expect(exclusiveCanonicalizeToUtf8(xml)).toBe(text === undefined ? undefined : bytesOf(text));
        // locating elements in it (tag by tag) agrees with the whole
        const located = canonicalizeLocating(xml, CAC, 'InvoiceLine');
        if (text === undefined) expect(located).toBeUndefined();
        else expect(located!.elements.length).toBe(xml.split('<cac:InvoiceLine>').length - 1);
      }
    }
  });
});

describe('signing a UTF-8 buffer', () => {
  let key: XmlSigningKey;
  beforeAll(async () => {
    ({ key } = await testSigner('utf8'));
  });

  it.each(documents.filter(([, xml]) => xml.includes('<Invoice') || xml.includes('<CreditNote')))(
    '%s: the same bytes as signing its text, on the direct path',
    (_name, xml) => {
      const signed = signEnvelopedUtf8(Buffer.from(xml, 'utf8'), key, 'ubl-extensions');
      const expected = signEnveloped(xml, key, 'ubl-extensions');
      expect(signed.path).toBe('direct');
      expect(signed.xml.equals(Buffer.from(expected.xml, 'utf8'))).toBe(true);
      expect(verifyXmlSignature(signed.xml.toString('utf8')).valid).toBe(true);
    },
  );

  it('digests the canonical form the reference canonicalizer gives', () => {
    const xml = renderPeppolUbl(sampleInvoice(20));
    const signed = signEnvelopedUtf8(Buffer.from(xml, 'utf8'), key, 'root-end').xml.toString('utf8');
    const digest = /<ds:DigestValue>([^<]+)<\/ds:DigestValue>/.exec(signed)![1];
    expect(digest).toBe(createHash('sha256').update(reference(xml), 'utf8').digest('base64'));
  });

  it.each<[string, Buffer, Parameters<typeof signEnveloped>[2], Parameters<typeof signEnveloped>[3]]>([
    ['not UTF-8', Buffer.from([...Buffer.from('<r>'), 0xff, ...Buffer.from('</r>')]), 'root-end', {}],
    ['inclusive c14n', Buffer.from('<r><a Id="x">é</a></r>'), 'root-end', { canonicalization: 'inclusive' }],
    ['a reference Id', Buffer.from('<r><a Id="x">é</a></r>'), 'reference-parent', { referenceId: 'x' }],
    ['outside the direct profile (CDATA)', Buffer.from('<r><![CDATA[é]]></r>'), 'root-end', {}],
    ['a parent element', Buffer.from('<r><a>é</a><b/></r>'), { parent: 'a' }, { prefix: '' }],
  ])('%s: as signing its text', (_name, buffer, placement, options) => {
    const signed = signEnvelopedUtf8(buffer, key, placement, options);
    const expected = signEnveloped(buffer.toString('utf8'), key, placement, options);
    expect(signed.path).toBe(expected.path);
    expect(signed.xml.equals(Buffer.from(expected.xml, 'utf8'))).toBe(true);
  });

  it.each<[string, string, Parameters<typeof signEnveloped>[2]]>([
    [
      'UBL extensions already there',
      '<Invoice><ext:UBLExtensions xmlns:ext="urn:x"/></Invoice>',
      'ubl-extensions',
    ],
    ['no place for the signature', '<r/>', { parent: 'a' }],
    ['no root element', 'text', 'ubl-extensions'],
  ])('refuses as signing its text does: %s', (_name, xml, placement) => {
    const thrown = (sign: () => unknown) => {
      try {
        sign();
      } catch (error) {
        return (error as { code?: string }).code;
      }
      return undefined;
    };
    const code = thrown(() => signEnveloped(xml, key, placement));
    expect(code).toMatch(/^sign\./);
    expect(thrown(() => signEnvelopedUtf8(Buffer.from(xml), key, placement))).toBe(code);
  });

  it('XAdES-BES: verifiable, with the signature where the text form puts it', () => {
    const xml = renderPeppolUbl(sampleInvoice(2));
    const signingTime = new Date('2026-01-02T03:04:05Z');
    const signed = signEnvelopedUtf8(Buffer.from(xml), key, 'ubl-extensions', {
      profile: 'xades-bes',
      signingTime,
    }).xml.toString('utf8');
    const text = signEnveloped(xml, key, 'ubl-extensions', { profile: 'xades-bes', signingTime }).xml;
    // the Ids are random: the same document apart from them
    const withoutIds = (s: string) =>
      s
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'id')
        .replace(/<ds:(DigestValue|SignatureValue)>[^<]*</g, '<ds:$1><');
    expect(withoutIds(signed)).toBe(withoutIds(text));
    expect(verifyXmlSignature(signed).valid).toBe(true);
    expect(signed.indexOf(`<ds:Signature xmlns:ds="${XMLDSIG_NS}"`)).toBeGreaterThan(0);
  });
});
