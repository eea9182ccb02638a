import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { invalidInput, type ProblemDetail } from '../errors';
import type { CanonicalInvoice } from '../model/invoice';
import type { RuleSet } from '../model/rule-sets';
import { packageRoot } from '../util/package-root';
import type { XmlTreeElement } from '../xml/xml-tree';

/** Where in a document as received (XML) a value of the canonical document was read from. */
export type SourceLocation = NonNullable<ProblemDetail['location']>;

/** A document read into the canonical model. */
export interface ReadDocument {
  invoice: CanonicalInvoice;
  /** Locations of the document's elements the format does not read. */
  unread: string[];
  /**
   * Where the value or object at a JSON Pointer of `invoice` (`/lines/0/price/net`, `/seller`) was read from;
   * for one the document does not carry, its nearest ancestor that it does.
   */
  locate?: (path: string) => SourceLocation | undefined;
  /** The XML it was read from, for the rules of its syntax (UBL-SR-*, CII-SR-*, …). */
  source?: { root: XmlTreeElement; syntax: 'ubl' | 'cii' };
}

/**
 * An e-invoice format: turns a valid canonical invoice into the bytes of an e-invoice and, where it can,
 * reads such a document back into the canonical model.
 */
export interface RenderOptions {
  owned?: boolean;
  company?: Readonly<Record<string, string>>;
  /** Values the transform step gives (`with.values`), which a mapping reads as `step.<name>` paths. */
  values?: Readonly<Record<string, string>>;
}

export interface OutputFormat {
  readonly id: string;
  readonly description: string;
  readonly contentType: string;
  /** File extension of the output, without the dot. */
  readonly extension: string;
  /** It reads the document's company parameters (`company.<name>` paths of a mapping). */
  readonly usesCompany?: boolean;
  /** It renders a canonical payment document (payment.schema.json), not an invoice. */
  readonly document?: 'payment';
  /** Rule sets a document must also pass to be valid in this format (PEPPOL's, XRechnung's, …). */
  readonly rules?: readonly RuleSet[];
  /**
   * `owned`: the caller gives the invoice up (it was just parsed), so it may be completed in place.
   * `company`: the document's company parameters, which a mapping reads as `company.<name>` paths.
   */
  render(invoice: CanonicalInvoice, options?: RenderOptions): string;
  /**
   * Reads a document of this format into the canonical model (not yet validated); throws `EInvoiceError`
   * (`xml.*` for unsafe or malformed XML, `convert.unknown-document` for another kind of document).
   */
  parse?(content: string): CanonicalInvoice;
  /**
   * As `parse`, and where the document has elements the format does not read (their locations), and where
   * each canonical value was read from.
   */
  read?(content: string): ReadDocument;
  /**
   * A document of this format that carries several invoices (a FatturaPA lot: one header, several bodies),
   * as one document per invoice, each complete; one that carries one, as it is.
   */
  split?(content: string): string[];
}

/** Formats by id; an unknown or duplicate id is a coded error. */
export class FormatRegistry {
  private readonly formats = new Map<string, OutputFormat>();

  register(format: OutputFormat): this {
    if (this.formats.has(format.id))
      throw invalidInput('format.duplicate', `Format "${format.id}" is registered twice`);
    this.formats.set(format.id, format);
    return this;
  }

  /** A format by id: one of `own` (a feature version's formats) first, else the registry's. */
  get(id: string, own?: readonly OutputFormat[]): OutputFormat {
    const format = own?.find((f) => f.id === id) ?? this.formats.get(id);
    if (!format) {
      throw invalidInput(
        'format.unknown',
        `Unknown format "${id}"; known: ${[...this.formats.keys()].join(', ')}`,
      );
    }
    return format;
  }

  has(id: string): boolean {
    return this.formats.has(id);
  }

  /** Every format: those of `own` (a feature version's), then the registry's others. */
  list(own?: readonly OutputFormat[]): OutputFormat[] {
    if (!own || own.length === 0) return [...this.formats.values()];
    const ids = new Set(own.map((f) => f.id));
    return [...own, ...[...this.formats.values()].filter((f) => !ids.has(f.id))];
  }
}

/** A finding as `einvoice validate --json` and a flow's `validation.json` report it. */
export interface Finding {
  /** The official rule id (`BR-CO-10`, `PEPPOL-EN16931-R120`), or the check's code (`schema.required`). */
  code: string;
  severity: 'fatal' | 'warning' | 'information';
  message: string;
  /** JSON Pointer in the canonical document. */
  path?: string;
  /** In a document read from XML: the element and line `path` was read from. */
  location?: SourceLocation;
  /** The business terms it is about (`BT-106`). */
  terms?: string[];
}

const TERM = /\bB[TG]-\d+\b/g;

interface SchemaNode {
  description?: string;
  $ref?: string;
  allOf?: SchemaNode[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  $defs?: Record<string, SchemaNode>;
}

let invoiceSchema: SchemaNode | undefined;

/** The terms (`BT-131`) the canonical model's schema describes the value at a JSON Pointer as; the nearest ones. */
function termsAt(path: string): string[] {
  invoiceSchema ??= JSON.parse(
    readFileSync(join(packageRoot(), 'shared', 'model', 'schemas', 'invoice.schema.json'), 'utf8'),
  ) as SchemaNode;
  const schema = invoiceSchema;
  const resolve = (node: SchemaNode): SchemaNode[] => {
    const nodes = [node];
    if (node.$ref?.startsWith('#/$defs/')) {
      const target = schema.$defs?.[node.$ref.slice(8)];
      if (target) nodes.push(...resolve(target));
    }
    for (const part of node.allOf ?? []) nodes.push(...resolve(part));
    return nodes;
  };
  let nodes = resolve(schema);
  let terms: string[] = [];
  for (const segment of path.split('/').slice(1)) {
    const next = nodes.flatMap((n) => {
      const child = /^\d+$/.test(segment) ? n.items : n.properties?.[segment];
      return child ? resolve(child) : [];
    });
    if (next.length === 0) break;
    nodes = next;
    const found = nodes.flatMap((n) => n.description?.match(TERM) ?? []);
    if (found.length > 0) terms = found;
  }
  return [...new Set(terms)];
}

/**
 * The business terms of a problem: those it names, else those its message names (`BT-106 …`), else those
 * of the canonical value its path points at.
 */
export function termsOf(problem: ProblemDetail): string[] {
  if (problem.terms) return problem.terms;
  const named = problem.message.match(TERM);
  if (named) return [...new Set(named)];
  return problem.path?.startsWith('/') ? termsAt(problem.path) : [];
}

/**
 * The problems of a document, each with its business terms and, when the document was read from XML
 * (`locate` from {@link OutputFormat.read}), where in it the value its path names was read from.
 */
export function locateProblems(
  problems: readonly ProblemDetail[],
  locate?: ReadDocument['locate'],
): ProblemDetail[] {
  return problems.map((problem) => {
    const location =
      problem.location ?? (locate && problem.path?.startsWith('/') ? locate(problem.path) : undefined);
    const terms = termsOf(problem);
    return {
      ...problem,
      ...(location ? { location } : {}),
      ...(terms.length > 0 ? { terms } : {}),
    };
  });
}

/** A problem in the shape findings are reported in: `severity` `fatal` for an error. */
export function toFinding(problem: ProblemDetail): Finding {
  const terms = problem.terms ?? termsOf(problem);
  return {
    code: problem.code ?? 'invalid',
    severity: problem.severity ?? 'fatal',
    message: problem.message,
    ...(problem.path !== undefined ? { path: problem.path } : {}),
    ...(problem.location ? { location: problem.location } : {}),
    ...(terms.length > 0 ? { terms } : {}),
  };
}
