import type { CanonicalInvoice } from '../model/invoice';
import type { XmlTreeElement } from '../xml/xml-tree';

/**
 * A member of the canonical model as a document may hold it: absent, or of its type. Enumerated codes may
 * be any text (a code-list rule judges them); decimals are text or numbers as the model has them.
 */
export type Held<T> = T extends string
  ? string
  : T extends number | boolean
    ? T
    : T extends ReadonlyArray<infer U>
      ? Array<Held<U>>
      : T extends object
        ? { [K in keyof T]?: Held<T[K]> }
        : T;

/**
 * The canonical invoice as the rules see it: whatever the document holds. A partial document (a vendor's
 * invoice lacking terms, a rule unit test's fragment) is checked like a complete one; a missing term is the
 * finding of the rule that requires it (BR-01 … BR-65), not a refusal that hides every other finding.
 * Members of the wrong type (a number where text is expected) have been left out and reported by the schema.
 */
export type HeldInvoice = Held<CanonicalInvoice>;

/** As the official artefacts grade them: `fatal` makes a document invalid, `warning` does not. */
export type RuleSeverity = 'fatal' | 'warning';

/**
 * Reports one breach of a rule: where (a JSON Pointer into the canonical document, e.g. `/lines/2/price`;
 * for a syntax rule the XML element), and optionally a message of its own for this breach (with the values
 * involved), instead of the rule's.
 */
export type Report<Where> = (where: Where, detail?: string) => void;

/**
 * What a rule on the canonical invoice may know of the document as received, where the official artefacts
 * check a rule differently per syntax: the syntax it was read from, and for UBL whether its root is an
 * `Invoice` or a `CreditNote`. Empty for canonical JSON (the rules then read as UBL's artefact does).
 */
export interface RuleContext {
  readonly syntax?: 'ubl' | 'cii';
  readonly root?: string;
  /** The XML as received, for the few conditions an artefact decides on what the model does not keep. */
  readonly document?: XmlTreeElement;
}

/** One business rule: its official identity, and a small predicate that reports where it is broken. */
export interface Rule<Document, Where> {
  /** The official rule id (`BR-CO-10`, `PEPPOL-EN16931-R120`, `DK-R-013`, `UBL-SR-04`). */
  readonly id: string;
  /** As the official artefact flags it; `fatal` when omitted. */
  readonly severity?: RuleSeverity;
  /** The business terms and groups it concerns (`BT-106`, `BG-25`). */
  readonly terms: readonly string[];
  /** What the rule requires, in the service's words for the official rule's text. */
  readonly message: string;
  /** Reports every place where the document breaks the rule; reports nothing when it holds. */
  check(document: Document, report: Report<Where>, context: RuleContext): void;
  /**
   * For rules that one walk of the document judges together (the syntax rules of a pattern), the same function
   * for each of them: the ids of those that found something in the document, from that walk. Whoever runs the
   * rules may check only those; `check` of any other would report nothing.
   */
  readonly reporting?: (document: Document) => { has(id: string): boolean };
}

/** A rule on the canonical invoice (any syntax, and canonical JSON sent by an ERP). */
export type InvoiceRule = Rule<HeldInvoice, string>;

/** A rule on the XML of one syntax (UBL-SR-*, CII-SR-*, …): it sees the document as received. */
export type SyntaxRule = Rule<XmlTreeElement, XmlTreeElement>;

/** The official artefact a module agrees with. */
export interface RuleSource {
  /** `EN 16931 validation artefacts`, `PEPPOL BIS Billing 3`, `XRechnung schematron`. */
  readonly artefact: string;
  /** The release the rules and their unit tests were taken from (`1.3.16`, `3.0.19`). */
  readonly version: string;
  readonly url: string;
}

/** The rule sets that modules belong to; which apply to a document is decided by `appliedRuleSets`. */
export type RuleSetId = 'en16931' | 'peppol' | 'xrechnung' | 'peppol-de';

interface ModuleBase {
  /** Unique among modules: `en16931-core`, `en16931-vat`, `peppol-dk`. */
  readonly id: string;
  readonly set: RuleSetId;
  readonly title: string;
  readonly source: RuleSource;
}

/**
 * Rules on the canonical invoice. `appliesTo`: the official condition of a national module (seller country),
 * which may differ per syntax as the artefacts define it.
 */
export interface InvoiceRuleModule extends ModuleBase {
  readonly reads: 'canonical';
  readonly appliesTo?: (invoice: HeldInvoice, context: RuleContext) => boolean;
  readonly rules: readonly InvoiceRule[];
}

/** Rules on one syntax's XML; they run when the document was read from that syntax. */
export interface SyntaxRuleModule extends ModuleBase {
  readonly reads: 'ubl' | 'cii';
  readonly appliesTo?: (root: XmlTreeElement) => boolean;
  readonly rules: readonly SyntaxRule[];
}

export type RuleModule = InvoiceRuleModule | SyntaxRuleModule;
