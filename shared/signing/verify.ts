import { createHash, createPublicKey, verify as verifyRaw, X509Certificate, type KeyLike } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import type { ProblemDetail } from '../errors';
import { canonicalizeLocating, escapeAttribute, escapeText, exclusiveCanonicalize } from './exc-c14n';
import { checkXmlSafety, parseDom } from '../xml/safe-xml';
import type { EInvoiceError } from '../errors';
import { ENVELOPED, XADES_NS, XML_CANONICALIZATIONS, XML_SIGNATURE_ALGORITHMS, XMLDSIG_NS } from './xmldsig';

const SIGNED_PROPERTIES_TYPE = 'http://uri.etsi.org/01903#SignedProperties';
/** XPath Filter 2.0 (https://www.w3.org/TR/xmldsig-filter2/), as SDI signs its notifications. */
const XPATH_FILTER2 = 'http://www.w3.org/2002/06/xmldsig-filter2';
const ECDSA_SHA256 = XML_SIGNATURE_ALGORITHMS['ecdsa-sha256'].uri;

/** ECDSA-SHA256 for xml-crypto's verifier (RFC 4051: the signature value is r || s). */
class EcdsaSha256 {
  getAlgorithmName = () => ECDSA_SHA256;
  getSignature = (): string => {
    throw new Error('signing is done elsewhere');
  };
  verifySignature = (material: string, key: KeyLike, signatureValue: string): boolean =>
    verifyRaw(
      'sha256',
      Buffer.from(material),
      {
        key: typeof key === 'string' || Buffer.isBuffer(key) ? createPublicKey(key) : key,
        dsaEncoding: 'ieee-p1363',
      },
      Buffer.from(signatureValue, 'base64'),
    );
}

const SIGNATURE_METHODS: ReadonlyArray<{ uri: string; digest: string; hash: string; ec: boolean }> =
  Object.values(XML_SIGNATURE_ALGORITHMS);
const SHA1 = XML_SIGNATURE_ALGORITHMS['rsa-sha1'];
/** What verification accepts: the signer's algorithms (SHA-1 only when allowed) and canonicalizations. */
const ALGORITHMS = {
  signature: new Set<string>(SIGNATURE_METHODS.filter((a) => a !== SHA1).map((a) => a.uri)),
  digest: new Set<string>(SIGNATURE_METHODS.filter((a) => a !== SHA1).map((a) => a.digest)),
  canonicalization: new Set<string>(Object.values(XML_CANONICALIZATIONS)),
  transform: new Set<string>([ENVELOPED]),
};
/** Signature method URI → Node hash and key type; digest method URI → Node hash. */
const HASHES: Record<string, { hash: string; ec: boolean }> = Object.fromEntries(
  SIGNATURE_METHODS.map((a) => [a.uri, { hash: a.hash, ec: a.ec }]),
);
const DIGESTS: Record<string, string> = Object.fromEntries(SIGNATURE_METHODS.map((a) => [a.digest, a.hash]));

export interface VerifyOptions {
  /** PEM certificate to verify with; otherwise the one in KeyInfo. */
  certificate?: string;
  /** Trust anchors (PEM): when given, the signing certificate must be one of them or issued by one. */
  trusted?: X509Certificate[];
  /** RSA-SHA1 and SHA-1 digests are refused unless a flow allows them explicitly. */
  allowSha1?: boolean;
  /**
   * The signature must cover the whole document (one reference, to "" or to the root's Id; references to
   * elements of the signature itself, such as KeyInfo or XAdES SignedProperties, are checked too but cover
   * nothing of the document): what is processed is what is signed. Default true; false accepts references
   * to elements, each resolved to exactly one element (the caller must then use only those elements).
   */
  requireWholeDocument?: boolean;
  now?: Date;
}

export interface VerifyResult {
  valid: boolean;
  /**
   * `direct`: digest and signature checked on the one-pass canonical forms; `general`: through xml-crypto;
   * `dom`: on canonical forms of the parsed document (signatures with an XPath Filter 2.0 transform).
   */
  method?: 'direct' | 'general' | 'dom';
  problems: ProblemDetail[];
  certificate?: {
    subject: string;
    issuer: string;
    validFrom: string;
    validTo: string;
    fingerprint256: string;
  };
  references: string[];
}

type XmlElement = {
  getAttribute(name: string): string | null;
  getElementsByTagNameNS(ns: string, name: string): ArrayLike<XmlElement>;
  textContent: string | null;
  parentNode: unknown;
  attributes?: ArrayLike<{ localName?: string; name: string; value: string }>;
};

function isInside(element: XmlElement, ancestor: XmlElement): boolean {
  for (
    let node = element.parentNode as XmlElement | null;
    node;
    node = node.parentNode as XmlElement | null
  ) {
    if (node === ancestor) return true;
  }
  return false;
}

const DIGEST_MISMATCH: ProblemDetail = {
  code: 'verify.digest-mismatch',
  path: 'Reference',
  message: 'The signed content was changed (digest mismatch)',
};
const EXC_C14N = XML_CANONICALIZATIONS.exclusive;

/** The canonical forms a signature in the common shape is checked on, computed from the text alone. */
interface DirectForms {
  signature: XmlElement;
  /** The document without the signature (the enveloped-signature transform), canonical. */
  document: string;
  /** SignedInfo canonicalized on its own. */
  signedInfo: string;
  digestHash: string;
}

/**
 * The fast path, for the common shape: one signature, one reference to the whole document, enveloped +
 * exclusive c14n, SignedInfo canonicalized exclusively, everything in the one-pass canonicalizer's profile.
 * The document is canonicalized once, split around the signature (namespace-aware, so a signature under
 * another prefix is found too); only the signature's own few kilobytes are parsed into a DOM. Returns
 * undefined for any other shape, which the caller then parses and checks in full.
 */
function directForms(xml: string): DirectForms | undefined {
  const located = canonicalizeLocating(xml, XMLDSIG_NS, 'Signature');
  if (!located || located.elements.length !== 1) return undefined;
  const text = located.elements[0]!;
  const parsed = parseDom(text);
  if (!parsed.doc?.documentElement) return undefined;
  const signature = parsed.doc.documentElement as unknown as XmlElement & { prefix?: string | null };
  const references = signature.getElementsByTagNameNS(XMLDSIG_NS, 'Reference');
  if (references.length !== 1 || (references[0]!.getAttribute('URI') ?? '') !== '') return undefined;
  const transforms = Array.from(references[0]!.getElementsByTagNameNS(XMLDSIG_NS, 'Transform'));
  if (
    transforms.length !== 2 ||
    transforms[0]!.getAttribute('Algorithm') !== ENVELOPED ||
    transforms[1]!.getAttribute('Algorithm') !== EXC_C14N
  )
    return undefined;
  const c14n = signature.getElementsByTagNameNS(XMLDSIG_NS, 'CanonicalizationMethod');
  if (c14n.length !== 1 || c14n[0]!.getAttribute('Algorithm') !== EXC_C14N) return undefined;
  const digestHash =
    DIGESTS[
      references[0]!.getElementsByTagNameNS(XMLDSIG_NS, 'DigestMethod')[0]?.getAttribute('Algorithm') ?? ''
    ];
  if (!digestHash) return undefined;
  const documentPrefixes = prefixList(transforms[1]!);
  const signedInfoPrefixes = prefixList(c14n[0]!);
  if (documentPrefixes === null || signedInfoPrefixes === null) return undefined;
  let document = located.between.join('');
  if (documentPrefixes.length > 0) {
    const withList = canonicalizeLocating(xml, XMLDSIG_NS, 'Signature', {
      inclusivePrefixes: documentPrefixes,
    });
    if (!withList) return undefined;
    document = withList.between.join('');
  }
  let signedInfo: string | undefined;
  if (signedInfoPrefixes.length > 0) {
    // Listed prefixes may come from anywhere above SignedInfo: canonicalize it where it stands.
    const within = canonicalizeLocating(xml, XMLDSIG_NS, 'SignedInfo', {
      inclusivePrefixes: signedInfoPrefixes,
    });
    if (within?.elements.length !== 1) return undefined;
    signedInfo = within.elements[0];
  } else {
    // SignedInfo's text within the canonical signature; on its own it must declare the dsig namespace,
    // which in the document its parent rendered.
    const ds = signature.prefix ? `${signature.prefix}:` : '';
    const signedInfoStart = text.indexOf(`<${ds}SignedInfo>`);
    const signedInfoClose = `</${ds}SignedInfo>`;
    const signedInfoEnd = text.indexOf(signedInfoClose);
    if (signedInfoStart < 0 || signedInfoEnd < 0 || text.indexOf(signedInfoClose, signedInfoEnd + 1) >= 0)
      return undefined;
    const declaration = signature.prefix ? `xmlns:${signature.prefix}` : 'xmlns';
    const at = signedInfoStart + ds.length + 'SignedInfo'.length + 1;
    signedInfo = exclusiveCanonicalize(
      `${text.slice(signedInfoStart, at)} ${declaration}="${XMLDSIG_NS}"${text.slice(at, signedInfoEnd + signedInfoClose.length)}`,
    );
  }
  if (signedInfo === undefined) return undefined;
  return { signature, document, signedInfo, digestHash };
}

/** The InclusiveNamespaces PrefixList of a c14n element ([] when none); null when it has more than one. */
function prefixList(element: XmlElement): string[] | null {
  const lists = element.getElementsByTagNameNS(EXC_C14N, 'InclusiveNamespaces');
  if (lists.length === 0) return [];
  if (lists.length > 1) return null;
  return (lists[0]!.getAttribute('PrefixList') ?? '').split(/\s+/).filter(Boolean);
}

/** Checks the digest and the signature value on the canonical forms: null when both hold, else the problem. */
function checkDirect(forms: DirectForms, certificate: X509Certificate): ProblemDetail | null {
  const { signature } = forms;
  const method =
    HASHES[
      signature.getElementsByTagNameNS(XMLDSIG_NS, 'SignatureMethod')[0]?.getAttribute('Algorithm') ?? ''
    ];
  if (!method) return { code: 'verify.algorithm', path: 'SignatureMethod', message: 'Unknown algorithm' };
  const expectedDigest = (
    signature.getElementsByTagNameNS(XMLDSIG_NS, 'DigestValue')[0]?.textContent ?? ''
  ).replace(/\s+/g, '');
  if (createHash(forms.digestHash).update(forms.document).digest('base64') !== expectedDigest)
    return DIGEST_MISMATCH;
  return checkSignatureValue(signature, forms.signedInfo, certificate);
}

/** Checks the signature value over the canonical SignedInfo: null when it holds, else the problem. */
function checkSignatureValue(
  signature: XmlElement,
  signedInfo: string,
  certificate: X509Certificate,
): ProblemDetail | null {
  const method =
    HASHES[
      signature.getElementsByTagNameNS(XMLDSIG_NS, 'SignatureMethod')[0]?.getAttribute('Algorithm') ?? ''
    ];
  if (!method) return { code: 'verify.algorithm', path: 'SignatureMethod', message: 'Unknown algorithm' };
  const value = (
    signature.getElementsByTagNameNS(XMLDSIG_NS, 'SignatureValue')[0]?.textContent ?? ''
  ).replace(/\s+/g, '');
  const ok = verifyRaw(
    method.hash,
    Buffer.from(signedInfo, 'utf8'),
    method.ec ? { key: certificate.publicKey, dsaEncoding: 'ieee-p1363' } : certificate.publicKey,
    Buffer.from(value, 'base64'),
  );
  return ok
    ? null
    : {
        code: 'verify.signature-invalid',
        path: 'SignatureValue',
        message: 'The signature value does not verify',
      };
}

/** Further certificates the signer sent in KeyInfo (X509Data), as chain candidates. */
function intermediates(signature: XmlElement): X509Certificate[] {
  const found: X509Certificate[] = [];
  for (const element of Array.from(signature.getElementsByTagNameNS(XMLDSIG_NS, 'X509Certificate')).slice(
    1,
  )) {
    try {
      found.push(new X509Certificate(Buffer.from((element.textContent ?? '').replace(/\s+/g, ''), 'base64')));
    } catch {
      // not a certificate: it cannot help to build the chain
    }
  }
  return found;
}

/**
 * True when `certificate` is a trust anchor or chains to one through the given intermediates: each link
 * issued and signed by the next, each within its validity period, at most five links.
 */
function chainsToAnchor(
  certificate: X509Certificate,
  candidates: X509Certificate[],
  anchors: X509Certificate[],
  now: Date,
): boolean {
  let current = certificate;
  for (let depth = 0; depth < 5; depth++) {
    if (anchors.some((a) => a.fingerprint256 === current.fingerprint256)) return true;
    if (anchors.some((a) => current.checkIssued(a) && current.verify(a.publicKey))) return true;
    const issuer = candidates.find(
      (c) =>
        c.fingerprint256 !== current.fingerprint256 && current.checkIssued(c) && current.verify(c.publicKey),
    );
    if (!issuer || now > new Date(issuer.validTo) || now < new Date(issuer.validFrom)) return false;
    current = issuer;
  }
  return false;
}

/** The element's Id: an attribute named Id, ID or id, in no namespace or any (wsu:Id, for instance). */
function idOf(element: XmlElement): string | null {
  const attributes = element.attributes;
  for (let i = 0; i < (attributes?.length ?? 0); i++) {
    const attribute = attributes![i]!;
    const local = attribute.localName ?? attribute.name;
    if ((local === 'Id' || local === 'ID' || local === 'id') && attribute.value) return attribute.value;
  }
  return null;
}

/** A node of the parsed document, as the canonicalizer below reads it (xmldom's). */
interface DomNode {
  nodeType: number;
  nodeName: string;
  parentNode: DomNode | null;
  /** Null for text and other leaves. */
  childNodes: ArrayLike<DomNode> | null;
  namespaceURI?: string | null;
  localName?: string | null;
  prefix?: string | null;
  attributes?: ArrayLike<DomAttribute>;
  data?: string;
}

interface DomAttribute {
  name: string;
  value: string;
}

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;
const PROCESSING_INSTRUCTION_NODE = 7;
const COMMENT_NODE = 8;
const DOCUMENT_NODE = 9;
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** What a signature holds: XMLDSig 1.0 and 1.1, XAdES, and the parameters of the transforms accepted. */
const SIGNATURE_NAMESPACES = new Set<string>([
  XMLDSIG_NS,
  'http://www.w3.org/2009/xmldsig11#',
  XADES_NS,
  'http://uri.etsi.org/01903/v1.4.1#',
  XPATH_FILTER2,
  EXC_C14N,
]);

interface C14nMode {
  exclusive: boolean;
  comments: boolean;
  /** Exclusive c14n's InclusiveNamespaces PrefixList ('' for #default). */
  prefixes: readonly string[];
}

const C14N_MODES: Record<string, { exclusive: boolean; comments: boolean }> = {
  [XML_CANONICALIZATIONS.exclusive]: { exclusive: true, comments: false },
  [XML_CANONICALIZATIONS['exclusive-with-comments']]: { exclusive: true, comments: true },
  [XML_CANONICALIZATIONS.inclusive]: { exclusive: false, comments: false },
  [XML_CANONICALIZATIONS['inclusive-with-comments']]: { exclusive: false, comments: true },
};

function children(node: DomNode): DomNode[] {
  return Array.from(node.childNodes ?? []);
}

function childElements(parent: DomNode | undefined, namespace: string, local: string): DomNode[] {
  return (parent ? children(parent) : []).filter(
    (n) => n.nodeType === ELEMENT_NODE && n.namespaceURI === namespace && n.localName === local,
  );
}

function attributeOf(element: DomNode, name: string): string | undefined {
  return Array.from(element.attributes ?? []).find((a) => a.name === name)?.value;
}

/** The bindings `element` declares, added to those of its parent (prefix '' for the default namespace). */
function withDeclarations(element: DomNode, scope: ReadonlyMap<string, string>): ReadonlyMap<string, string> {
  let own: Map<string, string> | undefined;
  for (const attribute of Array.from(element.attributes ?? [])) {
    if (attribute.name === 'xmlns') (own ??= new Map(scope)).set('', attribute.value);
    else if (attribute.name.startsWith('xmlns:'))
      (own ??= new Map(scope)).set(attribute.name.slice(6), attribute.value);
  }
  return own ?? scope;
}

/** The namespaces in scope at `node` (an element, or the document: none). */
function scopeAt(node: DomNode | null): ReadonlyMap<string, string> {
  const chain: DomNode[] = [];
  for (let n = node; n && n.nodeType === ELEMENT_NODE; n = n.parentNode) chain.unshift(n);
  return chain.reduce<ReadonlyMap<string, string>>((scope, e) => withDeclarations(e, scope), new Map());
}

const prefixOfName = (name: string): string => (name.includes(':') ? name.slice(0, name.indexOf(':')) : '');
const localOfName = (name: string): string => name.slice(name.indexOf(':') + 1);
const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Canonical XML (https://www.w3.org/TR/xml-c14n/) or exclusive canonical XML of the node-set made of `apex`
 * (the document, or an element: its ancestors' namespaces in scope, none of them output) and everything
 * under it, less the subtrees of `excluded`. The parser has already normalized line ends and attribute values.
 */
function canonicalNodeSet(apex: DomNode, mode: C14nMode, excluded: ReadonlySet<DomNode>): string {
  let out = '';
  const rendered: ReadonlyMap<string, string> = new Map();
  const element = (
    e: DomNode,
    parentScope: ReadonlyMap<string, string>,
    shown: ReadonlyMap<string, string>,
    inherited: readonly DomAttribute[],
  ): void => {
    if (excluded.has(e)) return;
    const scope = withDeclarations(e, parentScope);
    const attributes = Array.from(e.attributes ?? []).filter(
      (a) => a.name !== 'xmlns' && !a.name.startsWith('xmlns:'),
    );
    for (const a of inherited) if (!attributes.some((b) => b.name === a.name)) attributes.push(a);
    const used = [prefixOfName(e.nodeName), ...attributes.map((a) => prefixOfName(a.name))];
    for (const prefix of used)
      if (prefix !== '' && prefix !== 'xml' && !scope.has(prefix))
        throw new Error(`The prefix ${prefix} is not declared`);
    const candidates = mode.exclusive
      ? [used[0]!, ...used.slice(1).filter((p) => p !== ''), ...mode.prefixes]
      : [...scope.keys()];
    const declarations: Array<[string, string]> = [];
    let inner = shown;
    for (const prefix of new Set(candidates)) {
      if (prefix === 'xml') continue;
      const uri = scope.get(prefix);
      if (
        prefix === '' ? (uri ?? '') === (shown.get('') ?? '') : uri === undefined || shown.get(prefix) === uri
      )
        continue;
      declarations.push([prefix, uri ?? '']);
      inner = new Map(inner).set(prefix, uri ?? '');
    }
    declarations.sort((a, b) => byCodeUnits(a[0], b[0]));
    const namespaceOf = (a: DomAttribute): string => {
      const prefix = prefixOfName(a.name);
      return prefix === '' ? '' : prefix === 'xml' ? XML_NS : scope.get(prefix)!;
    };
    attributes.sort(
      (a, b) =>
        byCodeUnits(namespaceOf(a), namespaceOf(b)) || byCodeUnits(localOfName(a.name), localOfName(b.name)),
    );
    out += `<${e.nodeName}`;
    for (const [prefix, uri] of declarations)
      out += `${prefix ? ` xmlns:${prefix}` : ' xmlns'}="${escapeAttribute(uri)}"`;
    for (const a of attributes) out += ` ${a.name}="${escapeAttribute(a.value)}"`;
    out += '>';
    for (const child of children(e)) content(child, scope, inner);
    out += `</${e.nodeName}>`;
  };
  const content = (
    node: DomNode,
    scope: ReadonlyMap<string, string>,
    shown: ReadonlyMap<string, string>,
  ): void => {
    switch (node.nodeType) {
      case ELEMENT_NODE:
        return element(node, scope, shown, []);
      case TEXT_NODE:
      case CDATA_SECTION_NODE:
        out += escapeText(node.data ?? '');
        return;
      case COMMENT_NODE:
      case PROCESSING_INSTRUCTION_NODE:
        out += commentOrInstruction(node);
        return;
      default:
        throw new Error(`Cannot canonicalize a node of type ${node.nodeType}`);
    }
  };
  const commentOrInstruction = (node: DomNode): string =>
    node.nodeType === COMMENT_NODE
      ? mode.comments
        ? `<!--${node.data ?? ''}-->`
        : ''
      : `<?${node.nodeName}${node.data ? ` ${node.data}` : ''}?>`;
  if (apex.nodeType === DOCUMENT_NODE) {
    // Outside the document element, a comment or processing instruction is set apart from it by a line feed.
    let afterRoot = false;
    for (const child of children(apex)) {
      if (child.nodeType === ELEMENT_NODE) {
        element(child, rendered, rendered, []);
        afterRoot = true;
      } else if (
        (child.nodeType === PROCESSING_INSTRUCTION_NODE && child.nodeName.toLowerCase() !== 'xml') ||
        (child.nodeType === COMMENT_NODE && mode.comments)
      ) {
        out += afterRoot ? `\n${commentOrInstruction(child)}` : `${commentOrInstruction(child)}\n`;
      }
    }
    return out;
  }
  // Inclusive c14n gives the apex the xml:* attributes of its ancestors (the nearest of each name).
  const inherited: DomAttribute[] = [];
  if (!mode.exclusive) {
    for (let n = apex.parentNode; n && n.nodeType === ELEMENT_NODE; n = n.parentNode)
      for (const a of Array.from(n.attributes ?? []))
        if (a.name.startsWith('xml:') && !inherited.some((b) => b.name === a.name)) inherited.push(a);
  }
  element(apex, scopeAt(apex.parentNode), rendered, inherited);
  return out;
}

/** The canonicalization a c14n Transform or CanonicalizationMethod element asks for; undefined when unknown. */
function c14nModeOf(element: DomNode): C14nMode | undefined {
  const known = C14N_MODES[attributeOf(element, 'Algorithm') ?? ''];
  if (!known) return undefined;
  const prefixes = known.exclusive ? prefixList(element as unknown as XmlElement) : [];
  if (prefixes === null) return undefined;
  return { ...known, prefixes: prefixes.map((p) => (p === '#default' ? '' : p)) };
}

/** Removes whitespace outside string literals: XPath allows it between any two tokens. */
function compactXPath(expression: string): string {
  let out = '';
  let quote = '';
  for (const c of expression) {
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (/\s/.test(c)) continue;
    out += c;
  }
  return out;
}

const SIGNATURE_CONDITIONS = new Set<string>();
for (const argument of ['', '.'])
  for (const quote of ["'", '"']) {
    SIGNATURE_CONDITIONS.add(`local-name(${argument})=${quote}Signature${quote}`);
    SIGNATURE_CONDITIONS.add(`namespace-uri(${argument})=${quote}${XMLDSIG_NS}${quote}`);
  }

/**
 * The XPath expressions accepted in a subtract filter, all of which select XMLDSig Signature elements:
 * every one in the document (`/descendant::ds:Signature`, `//ds:Signature`, or with `*[local-name()=…
 * and namespace-uri()=…]`), or the one holding the filter (`here()/ancestor::ds:Signature[1]`). Returns
 * which, or the reason the expression is refused.
 */
function signatureSelection(
  expression: string,
  filter: DomNode,
): { selects: 'every' | 'enclosing' } | { refused: string } {
  const compact = compactXPath(expression);
  let rest: string | undefined;
  let selection: 'every' | 'enclosing' = 'every';
  for (const start of [
    '//descendant-or-self::',
    '//descendant::',
    '/descendant-or-self::',
    '/descendant::',
    '//',
  ])
    if (compact.startsWith(start)) {
      rest = compact.slice(start.length);
      break;
    }
  if (rest === undefined && compact.startsWith('here()/ancestor::') && compact.endsWith('[1]')) {
    rest = compact.slice('here()/ancestor::'.length, -'[1]'.length);
    selection = 'enclosing';
  }
  const refused = `The XPath expression ${JSON.stringify(expression.trim())} is not one that selects the signature (such as /descendant::ds:Signature)`;
  if (rest === undefined) return { refused };
  const named = /^([A-Za-z_][\w.-]*):Signature$/.exec(rest);
  if (named) {
    const prefix = named[1]!;
    const namespace = scopeAt(filter).get(prefix);
    if (namespace !== XMLDSIG_NS)
      return {
        refused: `The prefix ${prefix} of the XPath expression is ${namespace === undefined ? 'not declared on the XPath element' : `bound to ${namespace}, not to XMLDSig`}`,
      };
    return { selects: selection };
  }
  const predicates = /^\*((?:\[[^[\]]*\])+)$/.exec(rest);
  if (!predicates) return { refused };
  const conditions = predicates[1]!
    .slice(1, -1)
    .split('][')
    .flatMap((p) => p.split(/(?<=['"])and(?=[a-z])/));
  const localName = conditions.filter((c) => c.startsWith('local-name('));
  if (
    conditions.length !== 2 ||
    localName.length !== 1 ||
    !conditions.every((c) => SIGNATURE_CONDITIONS.has(c))
  )
    return { refused };
  return { selects: selection };
}

/** Problems with an XPath Filter 2.0 transform: it must subtract exactly the signature being verified. */
function xpathFilterProblems(transform: DomNode, signature: DomNode, root: DomNode | undefined): string[] {
  const content = children(transform).filter(
    (n) => n.nodeType !== COMMENT_NODE && !(n.nodeType === TEXT_NODE && (n.data ?? '').trim() === ''),
  );
  const filters = content.filter(
    (n) => n.nodeType === ELEMENT_NODE && n.namespaceURI === XPATH_FILTER2 && n.localName === 'XPath',
  );
  if (filters.length !== 1 || content.length !== 1)
    return [
      `The XPath Filter 2.0 transform must hold exactly one XPath filter, found ${filters.length}${content.length > filters.length ? ' and other content' : ''}`,
    ];
  const filter = filters[0]!;
  const kind = attributeOf(filter, 'Filter');
  if (kind !== 'subtract')
    return [`Only the XPath Filter 2.0 filter "subtract" is accepted, not ${JSON.stringify(kind ?? '')}`];
  if (children(filter).some((n) => n.nodeType !== TEXT_NODE && n.nodeType !== CDATA_SECTION_NODE))
    return ['The XPath filter must hold only the text of its expression'];
  const expression = children(filter)
    .map((n) => n.data ?? '')
    .join('');
  const selection = signatureSelection(expression, filter);
  if ('refused' in selection) return [selection.refused];
  let selected: DomNode[] = [];
  if (selection.selects === 'enclosing') {
    for (let n = filter.parentNode; n; n = n.parentNode)
      if (n.nodeType === ELEMENT_NODE && n.namespaceURI === XMLDSIG_NS && n.localName === 'Signature') {
        selected = [n];
        break;
      }
  } else {
    let document: DomNode = filter;
    while (document.parentNode) document = document.parentNode;
    const walk = (n: DomNode): void => {
      if (n.nodeType === ELEMENT_NODE && n.namespaceURI === XMLDSIG_NS && n.localName === 'Signature')
        selected.push(n);
      for (const child of children(n)) walk(child);
    };
    walk(document);
  }
  if (selected.length !== 1 || selected[0] !== signature)
    return ['The XPath filter must select exactly the signature being verified'];
  if (signature === root)
    return ['The signature is the document element: subtracting it would leave nothing signed'];
  const foreign: string[] = [];
  const inspect = (n: DomNode): void => {
    if (n.nodeType === ELEMENT_NODE && !SIGNATURE_NAMESPACES.has(n.namespaceURI ?? ''))
      foreign.push(n.nodeName);
    else for (const child of children(n)) inspect(child);
  };
  inspect(signature);
  if (foreign.length > 0)
    return [
      `The XPath filter would remove content other than the signature: ${foreign.slice(0, 3).join(', ')} inside it`,
    ];
  return [];
}

/**
 * Checks, on canonical forms computed from the parsed document, every reference of SignedInfo and the
 * signature value: for signatures whose document reference uses XPath Filter 2.0, which xml-crypto does not
 * implement. Only the shapes `verifyXmlSignature` accepted reach here: the document ("") or an element by
 * Id, the signature subtracted (filter or enveloped-signature transform), then at most one c14n.
 */
/**
 * Whether the document has processing instructions beside its root element (an `<?xml-stylesheet?>`, as
 * FatturaPA files often carry): a same-document reference covers them, which xml-crypto's verifier leaves out.
 */
function hasOutsideRoot(document: DomNode | undefined): boolean {
  return (
    document !== undefined &&
    children(document).some(
      (node) => node.nodeType === 7 && (node as unknown as { target?: string }).target !== 'xml',
    )
  );
}

function checkDom(
  document: DomNode,
  signature: DomNode,
  ids: ReadonlyMap<string, XmlElement[]>,
  certificate: X509Certificate,
): ProblemDetail | null {
  const signedInfo = childElements(signature, XMLDSIG_NS, 'SignedInfo')[0];
  if (!signedInfo)
    return {
      code: 'verify.structure',
      path: 'SignedInfo',
      message: 'SignedInfo is not a child of the signature',
    };
  const references = childElements(signedInfo, XMLDSIG_NS, 'Reference');
  for (const [index, reference] of references.entries()) {
    const path = `Reference[${index}]`;
    const transforms = childElements(
      childElements(reference, XMLDSIG_NS, 'Transforms')[0],
      XMLDSIG_NS,
      'Transform',
    );
    const last = transforms[transforms.length - 1];
    const c14n = last ? c14nModeOf(last) : undefined;
    const before = (c14n ? transforms.slice(0, -1) : transforms).map(
      (t) => attributeOf(t, 'Algorithm') ?? '',
    );
    if (
      before.some((a) => a !== ENVELOPED && a !== XPATH_FILTER2) ||
      new Set(before).size !== before.length ||
      (last && !c14n && C14N_MODES[attributeOf(last, 'Algorithm') ?? ''])
    )
      return {
        code: 'verify.transform',
        path,
        message: 'Transforms must remove the signature, then canonicalize at most once',
      };
    const uri = attributeOf(reference, 'URI') ?? '';
    const apex = uri === '' ? document : (ids.get(uri.slice(1))?.[0] as unknown as DomNode | undefined);
    if (!apex)
      return { code: 'verify.reference-missing', path, message: `Reference ${uri} resolves to no element` };
    // A same-document reference selects no comments, whatever the canonicalization.
    const mode: C14nMode = { exclusive: false, prefixes: [], ...c14n, comments: false };
    const canonical = canonicalNodeSet(apex, mode, new Set(before.length > 0 ? [signature] : []));
    const digestMethod = childElements(reference, XMLDSIG_NS, 'DigestMethod')[0];
    const hash = DIGESTS[digestMethod ? (attributeOf(digestMethod, 'Algorithm') ?? '') : ''];
    const values = childElements(reference, XMLDSIG_NS, 'DigestValue');
    if (values.length !== 1)
      return { code: 'verify.structure', path, message: 'A reference must hold exactly one DigestValue' };
    const expected = children(values[0]!)
      .map((n) => n.data ?? '')
      .join('')
      .replace(/\s+/g, '');
    if (!hash) return { code: 'verify.algorithm', path, message: 'Unknown digest algorithm' };
    if (createHash(hash).update(canonical).digest('base64') !== expected) return { ...DIGEST_MISMATCH, path };
  }
  const method = childElements(signedInfo, XMLDSIG_NS, 'CanonicalizationMethod')[0];
  const mode = method ? c14nModeOf(method) : undefined;
  if (!mode)
    return { code: 'verify.algorithm', path: 'CanonicalizationMethod', message: 'Unknown canonicalization' };
  return checkSignatureValue(
    signature as unknown as XmlElement,
    canonicalNodeSet(signedInfo, mode, new Set()),
    certificate,
  );
}

/**
 * Verifies an XMLDSig signature, resistant to signature wrapping: exactly one signature, every reference
 * resolving to exactly one element (no duplicate Ids), and by default covering the whole document;
 * algorithms from an allow-list; the certificate within its validity period and, with trust anchors, from
 * a trusted issuer. DTDs are refused before parsing. The signature is taken out of the document by the
 * enveloped-signature transform or by an XPath Filter 2.0 subtract of that signature alone (as SDI signs).
 */
export function verifyXmlSignature(xml: string, options: VerifyOptions = {}): VerifyResult {
  const problems: ProblemDetail[] = [];
  const fail = (code: string, message: string, path = '/'): VerifyResult => {
    problems.push({ code, message, path });
    return { valid: false, problems, references: [] };
  };
  try {
    checkXmlSafety(xml);
  } catch (error) {
    const refused = error as EInvoiceError;
    return fail(refused.code, refused.message, refused.details[0]?.path);
  }
  const direct = directForms(xml);
  let signature: XmlElement;
  // Elements by Id, and the root: needed to resolve references to elements (never on the direct path).
  const ids = new Map<string, XmlElement[]>();
  let root: XmlElement | undefined;
  let document: DomNode | undefined;
  if (direct) signature = direct.signature;
  else {
    const { doc, errors } = parseDom(xml);
    if (errors.length > 0 || !doc?.documentElement)
      return fail('xml.malformed', `The document is not well-formed: ${errors[0] ?? 'no root element'}`);
    root = doc.documentElement;
    document = doc;
    const signatures = doc.getElementsByTagNameNS(XMLDSIG_NS, 'Signature');
    if (signatures.length !== 1) {
      return fail(
        'verify.signature-count',
        `Expected exactly one XMLDSig signature, found ${signatures.length}`,
      );
    }
    signature = signatures[0] as unknown as XmlElement;
    const all = doc.getElementsByTagName('*');
    for (let i = 0; i < all.length; i++) {
      const element = all[i] as unknown as XmlElement;
      const id = idOf(element);
      if (id) ids.set(id, [...(ids.get(id) ?? []), element]);
    }
  }
  const algorithm = (name: string) =>
    signature.getElementsByTagNameNS(XMLDSIG_NS, name)[0]?.getAttribute('Algorithm') ?? '';
  const allowed = (kind: 'signature' | 'digest', uri: string) =>
    ALGORITHMS[kind].has(uri) ||
    (options.allowSha1 === true && uri === (kind === 'signature' ? SHA1.uri : SHA1.digest));
  for (const name of ['SignedInfo', 'SignatureValue']) {
    const count = signature.getElementsByTagNameNS(XMLDSIG_NS, name).length;
    if (count !== 1)
      return fail('verify.structure', `The signature must contain exactly one ${name}, found ${count}`);
  }
  const signatureMethod = algorithm('SignatureMethod');
  if (!allowed('signature', signatureMethod))
    problems.push({
      code: 'verify.algorithm',
      path: 'SignatureMethod',
      message: `Signature algorithm ${signatureMethod} is not allowed`,
    });
  const c14n = algorithm('CanonicalizationMethod');
  if (!ALGORITHMS.canonicalization.has(c14n))
    problems.push({
      code: 'verify.algorithm',
      path: 'CanonicalizationMethod',
      message: `Canonicalization ${c14n} is not allowed`,
    });

  const references = Array.from(signature.getElementsByTagNameNS(XMLDSIG_NS, 'Reference'));
  const uris: string[] = [];
  // References to elements of the signature itself (KeyInfo, SignedProperties): signed, never the document.
  const signatureParts = new Set<XmlElement>();
  let filtered = false;
  references.forEach((reference, index) => {
    const uri = reference.getAttribute('URI') ?? '';
    uris.push(uri);
    const path = `Reference[${index}]`;
    const digest =
      reference.getElementsByTagNameNS(XMLDSIG_NS, 'DigestMethod')[0]?.getAttribute('Algorithm') ?? '';
    if (!allowed('digest', digest))
      problems.push({ code: 'verify.algorithm', path, message: `Digest algorithm ${digest} is not allowed` });
    let sequence = '';
    for (const transform of Array.from(reference.getElementsByTagNameNS(XMLDSIG_NS, 'Transform'))) {
      const uriOf = transform.getAttribute('Algorithm') ?? '';
      if (uriOf === XPATH_FILTER2) {
        filtered = true;
        sequence += 'F';
        for (const message of xpathFilterProblems(
          transform as unknown as DomNode,
          signature as unknown as DomNode,
          root as unknown as DomNode | undefined,
        ))
          problems.push({ code: 'verify.xpath-filter', path, message });
      } else if (!ALGORITHMS.transform.has(uriOf) && !ALGORITHMS.canonicalization.has(uriOf)) {
        problems.push({ code: 'verify.algorithm', path, message: `Transform ${uriOf} is not allowed` });
      } else sequence += uriOf === ENVELOPED ? 'E' : 'C';
    }
    if (sequence.includes('F')) {
      if (uri !== '')
        problems.push({
          code: 'verify.xpath-filter',
          path,
          message:
            'An XPath Filter 2.0 transform is accepted only in the reference to the whole document (URI="")',
        });
      else if (!/^(?:FE?|EF)C?$/.test(sequence))
        problems.push({
          code: 'verify.xpath-filter',
          path,
          message:
            'The XPath Filter 2.0 transform must come first (with at most the enveloped-signature transform), followed by at most one canonicalization',
        });
    }
    if (uri === '') return;
    if (!uri.startsWith('#')) {
      problems.push({
        code: 'verify.reference',
        path,
        message: `Reference ${uri} is not a same-document reference`,
      });
      return;
    }
    const targets = ids.get(uri.slice(1)) ?? [];
    if (targets.length !== 1) {
      problems.push({
        code: targets.length === 0 ? 'verify.reference-missing' : 'verify.duplicate-id',
        path,
        message:
          targets.length === 0
            ? `Reference ${uri} resolves to no element`
            : `Id ${uri.slice(1)} is used by ${targets.length} elements`,
      });
      return;
    }
    if (isInside(targets[0]!, signature)) {
      signatureParts.add(reference);
      return;
    }
    if (reference.getAttribute('Type') === SIGNED_PROPERTIES_TYPE) {
      // XAdES: the signed properties are part of this signature, never of the document.
      problems.push({
        code: 'verify.reference',
        path,
        message: `Signed properties ${uri} are not inside the signature`,
      });
      return;
    }
    if (options.requireWholeDocument !== false && targets[0] !== root) {
      problems.push({
        code: 'verify.reference-not-document',
        path,
        message: `Reference ${uri} covers an element, not the document that is processed`,
      });
    }
  });
  if (references.length === 0)
    problems.push({
      code: 'verify.reference',
      path: 'SignedInfo',
      message: 'The signature has no reference',
    });
  const documentReferences = references.filter(
    (r) => r.getAttribute('Type') !== SIGNED_PROPERTIES_TYPE && !signatureParts.has(r),
  );
  if (options.requireWholeDocument !== false && documentReferences.length !== 1) {
    problems.push({
      code: 'verify.reference',
      path: 'SignedInfo',
      message: 'The signature must have exactly one reference, to the whole document',
    });
  }

  let certificate: X509Certificate | undefined;
  try {
    const pem =
      options.certificate ??
      signature.getElementsByTagNameNS(XMLDSIG_NS, 'X509Certificate')[0]?.textContent ??
      undefined;
    if (pem)
      certificate = new X509Certificate(
        pem.includes('BEGIN')
          ? pem
          : `-----BEGIN CERTIFICATE-----\n${pem.replace(/\s+/g, '')}\n-----END CERTIFICATE-----\n`,
      );
  } catch {
    problems.push({
      code: 'verify.certificate-invalid',
      path: 'KeyInfo',
      message: 'The signing certificate cannot be read',
    });
  }
  if (!certificate) {
    if (!problems.some((p) => p.code === 'verify.certificate-invalid'))
      problems.push({
        code: 'verify.no-certificate',
        path: 'KeyInfo',
        message: 'No certificate to verify the signature with',
      });
    return { valid: false, problems, references: uris };
  }
  const now = options.now ?? new Date();
  if (now < new Date(certificate.validFrom))
    problems.push({
      code: 'verify.certificate-not-yet-valid',
      path: 'KeyInfo',
      message: `The certificate is valid from ${certificate.validFrom}`,
    });
  if (now > new Date(certificate.validTo))
    problems.push({
      code: 'verify.certificate-expired',
      path: 'KeyInfo',
      message: `The certificate expired on ${certificate.validTo}`,
    });
  if (options.trusted && !chainsToAnchor(certificate, intermediates(signature), options.trusted, now)) {
    problems.push({
      code: 'verify.untrusted',
      path: 'KeyInfo',
      message: `The certificate of ${certificate.subject.replace(/\n/g, ', ')} does not chain to a trusted issuer`,
    });
  }
  let method: VerifyResult['method'];
  if (problems.length === 0) {
    if (direct) {
      method = 'direct';
      const problem = checkDirect(direct, certificate);
      if (problem) problems.push(problem);
    } else if ((filtered || hasOutsideRoot(document)) && document) {
      method = 'dom';
      try {
        const problem = checkDom(document, signature as unknown as DomNode, ids, certificate);
        if (problem) problems.push(problem);
      } catch (error) {
        problems.push({
          code: 'verify.signature-invalid',
          path: 'SignedInfo',
          message: `The signed content cannot be canonicalized: ${(error as Error).message}`,
        });
      }
    } else {
      method = 'general';
      const verifier = new SignedXml({ publicCert: certificate.toString() });
      (verifier.SignatureAlgorithms as Record<string, unknown>)[ECDSA_SHA256] = EcdsaSha256;
      verifier.loadSignature(signature as never);
      try {
        if (!verifier.checkSignature(xml)) problems.push(DIGEST_MISMATCH);
      } catch (error) {
        problems.push({
          code: 'verify.signature-invalid',
          path: 'SignatureValue',
          message: (error as Error).message.replace(/value [A-Za-z0-9+/=]{20,}/, 'value'),
        });
      }
    }
  }
  return {
    valid: problems.length === 0,
    ...(method ? { method } : {}),
    problems,
    references: uris,
    certificate: {
      subject: certificate.subject,
      issuer: certificate.issuer,
      validFrom: certificate.validFrom,
      validTo: certificate.validTo,
      fingerprint256: certificate.fingerprint256,
    },
  };
}
