import { sharedName, type XmlTreeElement } from '../../../xml/xml-tree';

/**
 * The small part of XPath that the syntax rules of EN 16931 are written in, compiled once: element steps
 * by namespace and local name (`cac:Item`), a local-name suffix (`ram:*ID`, `*Amount`: the official
 * `ends-with(name(), …)`), a named predicate (`cac:PartyTaxScheme[vat]`) whose meaning is a function of
 * the syntax's table, a union of steps (`(cac:InvoiceLine|cac:CreditNoteLine)/cbc:Note`) or of whole paths
 * (`//cac:PostalAddress | //cac:Address`), and a final attribute (`cbc:ID/@schemeID`, `//@languageID`).
 */

/** A condition on an element beyond its name: a predicate of a step, or the guard of a rule. */
export type ElementTest = (el: XmlTreeElement) => boolean;

export interface Step {
  /** The number of the name (namespace and local name) among a table's names; -1 for a wildcard. */
  readonly id: number;
  /** The namespace URI; undefined for `*` (any namespace). */
  readonly uri: string | undefined;
  /** The exact local name; undefined for a wildcard. */
  readonly local: string | undefined;
  /** For `prefix:*Suffix`: the local name ends with it. */
  readonly suffix: string | undefined;
  /** The last character of the suffix, tested first. */
  readonly suffixEnd: number;
  readonly test: ElementTest | undefined;
}

export interface Path {
  /**
   * `root`: the first step is the document's root element (`/a/b`); `anywhere`: the steps at any depth
   * (`//a/b`); `relative`: from the element a rule is about (`a/b`). A rule's context written `a/b` is
   * matched anywhere, as schematron matches it.
   */
  readonly anchor: 'root' | 'anywhere' | 'relative';
  readonly steps: readonly Step[];
  /** An attribute of the element the steps reach (of any element for `//@name`). */
  readonly attribute: string | undefined;
}

/** How one syntax writes its paths: its namespace prefixes and the predicates its tables name. */
export interface PathSyntax {
  readonly namespaces: Readonly<Record<string, string>>;
  readonly tests: Readonly<Record<string, ElementTest>>;
}

/** Numbers the names (namespace URI and local name) of a table's steps, the same name the same number. */
export class NameNumbers {
  /** By local name: the namespaces it is numbered in. */
  readonly byLocal = new Map<string, Array<{ readonly uri: string; readonly id: number }>>();
  count = 0;

  number(uri: string, local: string): number {
    let list = this.byLocal.get(local);
    // as a parsed document names its elements: looked up without hashing the name again
    if (!list) this.byLocal.set(sharedName(local), (list = []));
    const known = list.find((n) => n.uri === uri);
    if (known) return known.id;
    const id = this.count++;
    list.push({ uri, id });
    return id;
  }

  /** The number of an element's name; -1 for a name no step has. */
  of(el: XmlTreeElement): number {
    const list = this.byLocal.get(el.localName);
    if (list === undefined) return -1;
    for (let i = 0; i < list.length; i++) if (inNamespace(el, list[i]!.uri)) return list[i]!.id;
    return -1;
  }
}

/** Splits at `separator` outside brackets and parentheses. */
function splitTop(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0 && text.startsWith(separator, i)) {
      parts.push(text.slice(start, i));
      start = i + separator.length;
      i += separator.length - 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

const STEP = /^(?:([A-Za-z][\w.-]*):)?([A-Za-z_][\w.-]*|\*[\w.-]*)(?:\[([A-Za-z][\w-]*)\])?$/;

function compileStep(text: string, syntax: PathSyntax, names: NameNumbers, path: string): Step {
  const match = STEP.exec(text);
  if (!match) throw new TypeError(`Syntax rule path ${path}: cannot read the step ${text}`);
  const [, prefix, name, testName] = match;
  let uri: string | undefined;
  if (prefix !== undefined) {
    uri = syntax.namespaces[prefix];
    if (uri === undefined) throw new TypeError(`Syntax rule path ${path}: unknown prefix ${prefix}`);
  } else if (!name!.startsWith('*')) {
    throw new TypeError(`Syntax rule path ${path}: the step ${text} needs a namespace prefix`);
  }
  let test: ElementTest | undefined;
  if (testName !== undefined) {
    test = syntax.tests[testName];
    if (test === undefined) throw new TypeError(`Syntax rule path ${path}: unknown predicate ${testName}`);
  }
  const wildcard = name!.startsWith('*');
  // every step of one shape, for fast property access
  const suffix = wildcard && name!.length > 1 ? name!.slice(1) : undefined;
  return {
    id: wildcard ? -1 : names.number(uri!, name!),
    uri,
    local: wildcard ? undefined : name,
    suffix,
    suffixEnd: suffix === undefined ? -1 : suffix.charCodeAt(suffix.length - 1),
    test,
  };
}

/** Every path a text stands for: its alternatives (`a | b`), with unions of steps (`(a|b)/c`) spelled out. */
export function compilePaths(text: string, syntax: PathSyntax, names: NameNumbers): Path[] {
  const paths: Path[] = [];
  for (const alternative of splitTop(text, '|')) {
    let rest = alternative.trim();
    let anchor: Path['anchor'] = 'relative';
    if (rest.startsWith('//')) {
      anchor = 'anywhere';
      rest = rest.slice(2);
    } else if (rest.startsWith('/')) {
      anchor = 'root';
      rest = rest.slice(1);
    }
    const parts = splitTop(rest, '/').map((p) => p.trim());
    let attribute: string | undefined;
    if (parts[parts.length - 1]?.startsWith('@')) attribute = parts.pop()!.slice(1);
    if (parts.length === 1 && parts[0] === '') parts.pop();
    // each step as its alternatives, then every combination of them
    let combinations: Step[][] = [[]];
    for (const part of parts) {
      const choices =
        part.startsWith('(') && part.endsWith(')')
          ? splitTop(part.slice(1, -1), '|').map((c) => compileStep(c.trim(), syntax, names, text))
          : [compileStep(part, syntax, names, text)];
      combinations = combinations.flatMap((steps) => choices.map((choice) => [...steps, choice]));
    }
    for (const steps of combinations) paths.push({ anchor, steps, attribute });
  }
  return paths;
}

/**
 * Whether the element is in the namespace. The parser gives the namespaces of the syntaxes as the constants
 * the tables are written with (`knownNamespace`), so that this compares a string with itself.
 */
export function inNamespace(el: XmlTreeElement, uri: string): boolean {
  return el.namespaceURI === uri;
}

export { childrenNamed, normalizeSpace } from '../../../xml/xml-tree';
