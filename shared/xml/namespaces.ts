/** The namespaces of the two EN 16931 syntaxes, by the prefixes their specifications use. */

export const UBL_NS = {
  invoice: 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2',
  creditNote: 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2',
  cac: 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2',
  cbc: 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2',
  ext: 'urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2',
} as const;

export const CII_NS = {
  rsm: 'urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100',
  ram: 'urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100',
  udt: 'urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100',
  qdt: 'urn:un:unece:uncefact:data:standard:QualifiedDataType:100',
} as const;

/** The syntax of a document by its root element: UBL's Invoice or CreditNote, or CII. */
export function syntaxOf(root: { namespaceURI: string | null }): 'ubl' | 'cii' | undefined {
  if (root.namespaceURI === UBL_NS.invoice || root.namespaceURI === UBL_NS.creditNote) return 'ubl';
  return root.namespaceURI === CII_NS.rsm ? 'cii' : undefined;
}

/**
 * The namespaces the readers and rules compare elements with, by their text, each as the one string the code
 * holds (the constants above). A namespace URI of a parsed document is given as that string, so that the
 * many comparisons of an element's namespace with these constants compare a string with itself instead of
 * two spellings character by character. Fixed: documents add nothing to it.
 */
const KNOWN_NAMESPACES: ReadonlyMap<string, string> = new Map(
  [...Object.values(UBL_NS), ...Object.values(CII_NS)].map((uri) => [uri, uri]),
);

/** `uri`, or the equal string of {@link KNOWN_NAMESPACES}. */
export function knownNamespace(uri: string): string {
  return KNOWN_NAMESPACES.get(uri) ?? uri;
}
