import { DOMParser } from '@xmldom/xmldom';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  C14nCanonicalization,
  ExclusiveCanonicalization,
  ExclusiveCanonicalizationWithComments,
  findAncestorNs,
} from 'xml-crypto';
import { canonicalizeLocating } from '../shared/signing/exc-c14n';
import { XMLDSIG_NS } from '../shared/signing/xmldsig';
import { describeWithCorpus } from './support/corpus';

/*
 * The W3C / merlin interop vectors in ../shared/corpus/santuario-xmlsec: each signature file comes with the
 * intermediate c14n output of its references and of its SignedInfo. The service has two canonicalizers:
 *
 * - the one-pass canonicalizer (shared/signing/exc-c14n.ts): exclusive c14n, with or without comments and
 *   an InclusiveNamespaces prefix list, of a whole document or of elements within it;
 * - the general path: a DOM and xml-crypto's exclusive and inclusive (c14n 1.0) canonicalizations, for
 *   documents outside the one-pass profile and for inclusive c14n.
 *
 * References the service resolves are same-document ones: "" (the document) and "#id" (an element).
 * Vectors whose references go through XPath or XPath Filter 2 transforms, XSLT, manifests, base64 or
 * external URIs (Y2..Y5, merlin-xmldsig-sixteen, -twenty-three's large signature, -filter2-one), and
 * Canonical XML 1.1 (c14n11), are outside what it claims, and not used.
 */

type Algorithm = 'exclusive' | 'exclusive-with-comments' | 'inclusive';

interface Vector {
  name: string;
  /** The signature file and the expected output, relative to the vector folder. */
  source: string;
  expected: string;
  /** The element the reference selects (dsig namespace, by local name; unique in these files). */
  element: string;
  algorithm: Algorithm;
  prefixList?: string[];
}

const MERLIN = 'santuario-xmlsec/src/test/resources/ie/baltimore/merlin-examples';
const Y1 = 'santuario-xmlsec/src/test/resources/interop/c14n/Y1';

const EXC_ONE: Vector[] = [Y1, `${MERLIN}/merlin-exc-c14n-one`].flatMap((dir) => [
  // #xpointer(id('to-be-signed')) through exclusive c14n, then with the prefix list "bar #default",
  // then the same two WithComments; last, SignedInfo.
  {
    name: `${dir} c14n-0`,
    source: `${dir}/exc-signature.xml`,
    expected: `${dir}/c14n-0.txt`,
    element: 'Object',
    algorithm: 'exclusive',
  },
  {
    name: `${dir} c14n-1`,
    source: `${dir}/exc-signature.xml`,
    expected: `${dir}/c14n-1.txt`,
    element: 'Object',
    algorithm: 'exclusive',
    prefixList: ['bar', '#default'],
  },
  {
    name: `${dir} c14n-2`,
    source: `${dir}/exc-signature.xml`,
    expected: `${dir}/c14n-2.txt`,
    element: 'Object',
    algorithm: 'exclusive-with-comments',
  },
  {
    name: `${dir} c14n-3`,
    source: `${dir}/exc-signature.xml`,
    expected: `${dir}/c14n-3.txt`,
    element: 'Object',
    algorithm: 'exclusive-with-comments',
    prefixList: ['bar', '#default'],
  },
  {
    name: `${dir} c14n-4`,
    source: `${dir}/exc-signature.xml`,
    expected: `${dir}/c14n-4.txt`,
    element: 'SignedInfo',
    algorithm: 'exclusive',
  },
]);

const FIFTEEN = `${MERLIN}/merlin-xmldsig-fifteen`;
// Enveloping signatures over "#object" with inclusive c14n: the Object, then SignedInfo.
const INCLUSIVE: Vector[] = [
  'signature-enveloping-rsa',
  'signature-enveloping-hmac-sha1',
  'signature-enveloping-hmac-sha1-40',
  'signature-enveloping-dsa',
].flatMap((name) => [
  {
    name: `${name} c14n-0`,
    source: `${FIFTEEN}/${name}.xml`,
    expected: `${FIFTEEN}/${name}-c14n-0.txt`,
    element: 'Object',
    algorithm: 'inclusive' as const,
  },
  ...(name === 'signature-enveloping-dsa'
    ? [] // its SignedInfo output is damaged in this copy (see the last test)
    : [
        {
          name: `${name} c14n-1`,
          source: `${FIFTEEN}/${name}.xml`,
          expected: `${FIFTEEN}/${name}-c14n-1.txt`,
          element: 'SignedInfo',
          algorithm: 'inclusive' as const,
        },
      ]),
]);

function parse(xml: string): Document {
  return new DOMParser().parseFromString(xml, 'text/xml');
}

/** The general path: xml-crypto's canonicalization of the element in its document. */
function general(xml: string, vector: Vector): string {
  const doc = parse(xml);
  const element = doc.getElementsByTagNameNS(XMLDSIG_NS, vector.element).item(0)!;
  const ancestorNamespaces = findAncestorNs(doc, `//*[local-name()='${vector.element}']`);
  const c14n =
    vector.algorithm === 'inclusive'
      ? new C14nCanonicalization()
      : vector.algorithm === 'exclusive'
        ? new ExclusiveCanonicalization()
        : new ExclusiveCanonicalizationWithComments();
  return c14n
    .process(element, {
      ancestorNamespaces,
      ...(vector.prefixList ? { inclusiveNamespacesPrefixList: vector.prefixList } : {}),
    })
    .toString();
}

describeWithCorpus(
  'canonicalization interop vectors (santuario / merlin)',
  ['santuario-xmlsec'],
  (corpus) => {
    const read = (path: string) => readFileSync(join(corpus, path), 'utf8');

    describe('one-pass exclusive canonicalizer', () => {
      it.each(EXC_ONE.map((v) => [v.name, v] as const))('%s', (_name, vector) => {
        const located = canonicalizeLocating(read(vector.source), XMLDSIG_NS, vector.element, {
          comments: vector.algorithm === 'exclusive-with-comments',
          ...(vector.prefixList ? { inclusivePrefixes: vector.prefixList } : {}),
        });
        expect(located?.elements).toEqual([read(vector.expected)]);
      });
    });

    describe('general canonicalizers (DOM + xml-crypto)', () => {
      const defaultInList = (v: Vector) => v.prefixList?.includes('#default') === true;
      it.each([...EXC_ONE, ...INCLUSIVE].filter((v) => !defaultInList(v)).map((v) => [v.name, v] as const))(
        '%s',
        (_name, vector) => {
          expect(general(read(vector.source), vector)).toBe(read(vector.expected));
        },
      );
      // A known gap of xml-crypto 6.3: with "#default" in the prefix list, a default namespace declared on an
      // ancestor is not rendered. Verification therefore canonicalizes prefix lists in one pass (above) and
      // uses this path only for documents outside that profile. Fails loudly once xml-crypto is fixed.
      it.failing.each(EXC_ONE.filter(defaultInList).map((v) => [v.name, v] as const))(
        '%s (xml-crypto: #default from an ancestor)',
        (_name, vector) => {
          expect(general(read(vector.source), vector)).toBe(read(vector.expected));
        },
      );
    });

    it('leaves out damaged vectors: outputs in this copy that are not well-formed XML', () => {
      // If a later copy repairs them, this fails, and they belong in the lists above.
      for (const name of [
        'signature-enveloped-dsa-c14n-0.txt',
        'signature-enveloped-dsa-c14n-1.txt',
        'signature-enveloping-dsa-c14n-1.txt',
      ]) {
        const errors: string[] = [];
        new DOMParser({
          errorHandler: { error: (m: string) => errors.push(m), fatalError: (m: string) => errors.push(m) },
        }).parseFromString(read(`${FIFTEEN}/${name}`), 'text/xml');
        expect({ name, wellFormed: errors.length === 0 }).toEqual({ name, wellFormed: false });
      }
    });
  },
);
