import type { RuleSeverity, SyntaxRule } from '../rule';
import { CII_NS, UBL_NS } from '../../xml/namespaces';
import { childNamed, elementsNamed, type XmlTreeElement } from '../../xml/xml-tree';

/**
 * Code-list rules on the XML as received, for what the canonical invoice does not hold: a code the reader
 * leaves out (the attribute of an element without text, `<cbc:ID schemeID="9901"/>`), a code at a place that
 * is no business term (an identifier of the tax representative, a line of the wrong kind), a code that has
 * no term at all (the `currencyID` of every amount), or a code whose list depends on the syntax (UBL's
 * invoice and credit note type codes). Each rule takes the official context; an element whose code the
 * canonical rule of the same id judges already (read at a business term's place) is left to that rule, so
 * that a breach is reported once.
 */

/** The prefixes the contexts of the code-list rules use. */
export const UBL_NAMESPACES: Readonly<Record<string, string>> = { cac: UBL_NS.cac, cbc: UBL_NS.cbc };

export const CII_NAMESPACES: Readonly<Record<string, string>> = {
  rsm: CII_NS.rsm,
  ram: CII_NS.ram,
  udt: CII_NS.udt,
};

/** The paths of CII's header groups, as the contexts of the code-list rules name them. */
export const CII_CONTEXTS = {
  TRANSACTION: '/*/rsm:SupplyChainTradeTransaction',
  AGREEMENT: '/*/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement',
  SETTLEMENT: '/*/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement',
} as const;

/** The UBL elements of an amount, each with its `currencyID` (BR-CL-03, PEPPOL-EN16931-CL007). */
export const UBL_AMOUNTS: readonly string[] = [
  'Amount',
  'BaseAmount',
  'PriceAmount',
  'TaxAmount',
  'TaxableAmount',
  'LineExtensionAmount',
  'TaxExclusiveAmount',
  'TaxInclusiveAmount',
  'AllowanceTotalAmount',
  'ChargeTotalAmount',
  'PrepaidAmount',
  'PayableRoundingAmount',
  'PayableAmount',
].map((name) => `cbc:${name}`);

/** One step of a path of elements: a name (any namespace when it has no prefix, any name for `*`). */
interface Step {
  readonly namespace?: string;
  readonly local?: string;
  /** `[1]`: the first child of that name of its parent. */
  readonly first: boolean;
}

function compileSteps(path: string, namespaces: Readonly<Record<string, string>>): Step[] {
  return path.split('/').map((text) => {
    const first = text.endsWith('[1]');
    const name = first ? text.slice(0, -3) : text;
    if (name === '*') return { first };
    const colon = name.indexOf(':');
    if (colon === -1) return { local: name, first };
    const namespace = namespaces[name.slice(0, colon)];
    if (namespace === undefined) throw new TypeError(`Unknown prefix in ${path}`);
    return { namespace, local: name.slice(colon + 1), first };
  });
}

function fits(el: XmlTreeElement, step: Step): boolean {
  if (step.local !== undefined && el.localName !== step.local) return false;
  if (step.namespace !== undefined && el.namespaceURI !== step.namespace) return false;
  if (!step.first) return true;
  const parent = el.parentNode;
  if (!parent) return true;
  for (const sibling of parent.childNodes)
    if (
      sibling.nodeType === 1 &&
      sibling.localName === el.localName &&
      sibling.namespaceURI === el.namespaceURI
    )
      return sibling === el;
  return false;
}

/** Whether `el` and its ancestors fit `steps` (the last step `el`); `anchored`: the first step is the root. */
function matches(el: XmlTreeElement, steps: readonly Step[], anchored: boolean): boolean {
  let node: XmlTreeElement | null = el;
  for (let i = steps.length - 1; i >= 0; i--) {
    if (!node || !fits(node, steps[i]!)) return false;
    node = node.parentNode;
  }
  return !anchored || node === null;
}

/**
 * The name a rule looks elements up by: the local name of the element, with its parent's when the context
 * has one (`PartyIdentification/ID`).
 */
function lookupKey(steps: readonly Step[]): string {
  const local = steps[steps.length - 1]!.local;
  if (local === undefined) throw new TypeError('A context ends with an element name');
  const parent = steps.length > 1 ? steps[steps.length - 2]!.local : undefined;
  return parent === undefined ? local : `${parent}/${local}`;
}

/** The key of a document's elements by lookup name, among the memos of its root. */
const PLACES = {};

/** The document's elements of a lookup name, in document order; found once per document and name. */
function elementsAt(root: XmlTreeElement, key: string): readonly XmlTreeElement[] {
  const places = root.memo(PLACES, () => new Map<string, readonly XmlTreeElement[]>());
  let found = places.get(key);
  if (found === undefined) {
    const slash = key.indexOf('/');
    if (slash === -1) found = elementsNamed(root, key);
    else {
      const parent = key.slice(0, slash);
      found = elementsNamed(root, key.slice(slash + 1)).filter((el) => el.parentNode?.localName === parent);
    }
    places.set(key, found);
  }
  return found;
}

/** The document element an element belongs to. */
export function rootOf(el: XmlTreeElement): XmlTreeElement {
  let node = el;
  while (node.parentNode) node = node.parentNode;
  return node;
}

/** The first child element of `el` with this local name and namespace. */
export { childNamed };

/** Whether an ancestor of `el` has one of these local names (in `namespace`). */
export function hasAncestor(el: XmlTreeElement, namespace: string, locals: readonly string[]): boolean {
  for (let node = el.parentNode; node; node = node.parentNode)
    if (node.namespaceURI === namespace && locals.includes(node.localName)) return true;
  return false;
}

export interface XmlCodeSpec {
  readonly id: string;
  readonly severity?: RuleSeverity;
  readonly terms: readonly string[];
  readonly message: string;
  /**
   * The official context: paths of element names ending with the element that holds the code
   * (`cac:PartyIdentification/cbc:ID`), matched anywhere in the document.
   */
  readonly context: readonly string[];
  /** The rest of the official context (a predicate on the element or its parent). */
  readonly when?: (el: XmlTreeElement) => boolean;
  /** The code is this attribute of the element; otherwise the element's text. */
  readonly attribute?: string;
  /** Only elements that have the attribute are in the context (`cbc:ID[@schemeID]`); default true. */
  readonly needsAttribute?: boolean;
  /** Whether the code (as written) is one of the list's, for this element. */
  readonly accepts: (code: string, el: XmlTreeElement) => boolean;
  /** What the code should have been, for the message (`one of "3", "35", "432"`); `one` by default. */
  readonly expected?: () => string;
  /**
   * Where the canonical reader reads the code into the business term a canonical rule of the same id
   * judges: paths of element names from the document element (`/*` for it). Empty: no canonical rule has it.
   */
  readonly readAt?: readonly string[];
  /** A further condition for the reader to read it there (the type code of the reference it belongs to). */
  readonly readIf?: (el: XmlTreeElement) => boolean;
  /** Whether that canonical rule reports the code as read (trimmed); by default when `accepts` does not take it. */
  readonly canonicalReports?: (code: string, el: XmlTreeElement) => boolean;
}

/**
 * A syntax rule from a spec: every element in the official context whose code is not accepted, unless the
 * canonical rule of the same id reports it already (it is read at a business term's place, with text).
 */
export function xmlCodeRule(spec: XmlCodeSpec, namespaces: Readonly<Record<string, string>>): SyntaxRule {
  const contexts = spec.context.map((c) => compileSteps(c, namespaces));
  const keys = [...new Set(contexts.map(lookupKey))];
  const readAt = (spec.readAt ?? []).map((path) => {
    if (!path.startsWith('/')) throw new TypeError(`A place read is a path from the root: ${path}`);
    return compileSteps(path.slice(1), namespaces);
  });
  const needsAttribute = spec.needsAttribute ?? true;
  const canonicalReports = spec.canonicalReports ?? ((code, el) => !spec.accepts(code, el));
  const attribute = spec.attribute;
  return {
    id: spec.id,
    ...(spec.severity ? { severity: spec.severity } : {}),
    terms: spec.terms,
    message: spec.message,
    check(root, report) {
      for (const key of keys)
        for (const el of elementsAt(root, key)) {
          if (!contexts.some((steps) => matches(el, steps, false))) continue;
          if (spec.when && !spec.when(el)) continue;
          const written = attribute === undefined ? el.textContent : el.getAttribute(attribute);
          if (written === null && needsAttribute) continue;
          const code = written ?? '';
          if (spec.accepts(code, el)) continue;
          const read =
            written !== null &&
            el.textContent.trim() !== '' &&
            readAt.some((steps) => matches(el, steps, true)) &&
            (spec.readIf === undefined || spec.readIf(el));
          if (read && canonicalReports(code.trim(), el)) continue;
          report(el, `${spec.message} ${JSON.stringify(code)} is not ${spec.expected?.() ?? 'one'}.`);
        }
    },
  };
}
