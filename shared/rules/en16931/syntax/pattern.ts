import { documentOrder, type XmlTreeElement } from '../../../xml/xml-tree';
import type { RuleSeverity, SyntaxRule } from '../../rule';
import {
  compilePaths,
  inNamespace,
  NameNumbers,
  normalizeSpace,
  type ElementTest,
  type Path,
  type PathSyntax,
  type Step,
} from './paths';

/**
 * The syntax rules of one syntax as data: an ordered list of contexts (the elements a group of rules is
 * about) and, for each, its assertions. As in the official schematron pattern, an element belongs to the
 * FIRST context that matches it and is judged by that context's assertions only. Most assertions are of a
 * few kinds (an element or attribute that should not be there, or that may occur at most N times); the rest
 * test their context element with a small function.
 */

interface AssertionBase {
  /** The official rule id. */
  readonly id: string;
  /** As the official artefact flags it. */
  readonly severity: RuleSeverity;
  /** The business terms concerned; none for elements outside EN 16931. */
  readonly terms?: readonly string[];
  /** The rule's message; when omitted, one is made from the kind and the path. */
  readonly message?: string;
}

/** What each assertion requires of the context element, by kind. */
export type Assertion = AssertionBase &
  (
    | {
        /** The path reaches nothing, unless the guard holds for the context element. */
        readonly absent: string;
        readonly unless?: ElementTest;
      }
    /** The path reaches at most N elements (attributes). */
    | { readonly atMost: readonly [string, number] }
    /** The path reaches exactly one element. */
    | { readonly exactlyOne: string }
    /** Each path reaches at least one element. */
    | { readonly present: readonly string[] }
    /** The elements the path reaches all have the same text (normalize-space'd when `normalize`). */
    | { readonly oneValue: string; readonly normalize?: boolean }
    /** A test of the context element that is not one of the kinds above. */
    | { readonly holds: ElementTest }
  );

export interface ContextRow {
  /** The official context, in the path notation of `paths.ts`. */
  readonly context: string;
  /** How messages name the context (`cac:InvoiceLine`); none for the document itself. */
  readonly label?: string;
  readonly asserts: readonly Assertion[];
}

/** One place of a finding, and a message of its own when it says more than the rule's. */
interface Finding {
  readonly el: XmlTreeElement;
  readonly detail?: string;
}

interface Edge {
  readonly step: Step;
  /** The steps after this one, by the number of their name. */
  readonly next: Map<number, Edge[]>;
  /** Targets that end at this element, and those that end at an attribute of it. */
  readonly ends: number[];
  readonly attributes: Array<readonly [string, number]>;
}

const ABSENT = 0;
const AT_MOST = 1;
const EXACTLY_ONE = 2;
const PRESENT = 3;
const ONE_VALUE = 4;
const HOLDS = 5;

/** An assertion compiled: its kind, and the targets (numbered paths) whose elements it judges. */
interface Check {
  readonly kind: number;
  readonly id: string;
  readonly message: string;
  readonly targets: readonly number[];
  /** For `atMost`. */
  readonly limit: number;
  /** For `oneValue`. */
  readonly normalize: boolean;
  /** The guard of `absent`, the test of `holds`. */
  readonly test: ElementTest | undefined;
}

interface CompiledContext {
  /** The relative paths of its assertions as a tree of steps from the context element, walked once. */
  readonly tree: Map<number, Edge[]>;
  /** Targets that are attributes of the context element itself. */
  readonly ownAttributes: Array<readonly [string, number]>;
  /** The `absent` assertions by their relative target; those whose target is a document path. */
  readonly absentAt: Map<number, Check>;
  readonly absentInDocument: Check[];
  /** The assertions of the other kinds, judged for every element of the context. */
  readonly checks: Check[];
}

interface DocumentTarget {
  readonly target: number;
  readonly path: Path;
}

/** A syntax's contexts and assertions, compiled for one walk over a document. */
export interface CompiledPattern {
  readonly names: NameNumbers;
  readonly contexts: readonly CompiledContext[];
  /** Context paths whose last step is a name, by its number, in context order; those ending in a wildcard. */
  readonly contextsByName: ReadonlyArray<ReadonlyArray<readonly [number, Path]> | undefined>;
  readonly wildcardContexts: ReadonlyArray<readonly [number, Path]>;
  /** By name number: the wildcard contexts whose last step the name fits (their predicates aside). */
  readonly wildcardContextsByName: ReadonlyArray<ReadonlyArray<readonly [number, Path]>>;
  /**
   * Assertion paths from the document (`//…`, `/…`): by the number of the name of their last step, those
   * ending in a wildcard, and the attributes looked for on every element (`//@name`).
   */
  readonly documentTargetsByName: ReadonlyArray<readonly DocumentTarget[] | undefined>;
  readonly documentTargetsAny: readonly DocumentTarget[];
  readonly attributesAnywhere: { readonly names: readonly string[]; readonly targets: readonly number[] };
  readonly targetCount: number;
  readonly rules: ReadonlyArray<{
    id: string;
    severity: RuleSeverity;
    terms: readonly string[];
    message: string;
  }>;
}

const pathText = (text: string) => text.replace(/\s+/g, ' ').trim();

function defaultMessage(assertion: Assertion, label: string | undefined): string {
  const where = (path: string) => {
    const text = pathText(path);
    if (text.startsWith('@')) return `the attribute ${text.slice(1)}${label ? ` of ${label}` : ''}`;
    return label ? `${text} in ${label}` : text;
  };
  // a sentence begins with a capital, unless it begins with a name (`cbc:UUID`)
  const sentence = (text: string) => (text.startsWith('the ') ? `The ${text.slice(4)}` : text);
  if ('absent' in assertion)
    return sentence(
      assertion.severity === 'warning'
        ? `${where(assertion.absent)} is not used by EN 16931 and should be left out`
        : `${where(assertion.absent)} must not be present`,
    );
  if ('atMost' in assertion) {
    const [path, n] = assertion.atMost;
    return sentence(`${where(path)} may occur at most ${n === 1 ? 'once' : `${n} times`}`);
  }
  if ('exactlyOne' in assertion) return sentence(`${where(assertion.exactlyOne)} must occur exactly once`);
  if ('present' in assertion)
    return sentence(`${assertion.present.map(where).join(' and ')} must be present`);
  if ('oneValue' in assertion) return `Every ${pathText(assertion.oneValue)} must have the same value`;
  throw new TypeError(`Syntax rule ${assertion.id} needs a message`);
}

function addToTree(tree: Map<number, Edge[]>, path: Path, target: number, id: string): void {
  let level = tree;
  let edge: Edge | undefined;
  for (const step of path.steps) {
    if (step.id < 0) throw new TypeError(`Syntax rule ${id}: a relative path needs named steps`);
    let edges = level.get(step.id);
    if (!edges) level.set(step.id, (edges = []));
    edge = edges.find((e) => e.step.test === step.test);
    if (!edge) {
      edge = { step, next: new Map(), ends: [], attributes: [] };
      edges.push(edge);
    }
    level = edge.next;
  }
  if (path.attribute !== undefined) edge!.attributes.push([path.attribute, target]);
  else edge!.ends.push(target);
}

/** The kind of an assertion and the paths it judges. */
function kindOf(assertion: Assertion): [number, readonly string[]] {
  if ('absent' in assertion) return [ABSENT, [assertion.absent]];
  if ('atMost' in assertion) return [AT_MOST, [assertion.atMost[0]]];
  if ('exactlyOne' in assertion) return [EXACTLY_ONE, [assertion.exactlyOne]];
  if ('present' in assertion) return [PRESENT, assertion.present];
  if ('oneValue' in assertion) return [ONE_VALUE, [assertion.oneValue]];
  return [HOLDS, []];
}

function addAt<T>(list: Array<T[] | undefined>, index: number, item: T): void {
  const items = list[index];
  if (items) items.push(item);
  else list[index] = [item];
}

/** Compiles a syntax's table; throws a TypeError on a path it cannot read (at start-up, never per document). */
export function compilePattern(rows: readonly ContextRow[], syntax: PathSyntax): CompiledPattern {
  const names = new NameNumbers();
  const contexts: CompiledContext[] = [];
  const contextsByName: Array<Array<readonly [number, Path]> | undefined> = [];
  const wildcardContexts: Array<readonly [number, Path]> = [];
  const documentTargetsByName: Array<DocumentTarget[] | undefined> = [];
  const documentTargetsAny: DocumentTarget[] = [];
  const attributesAnywhere = { names: [] as string[], targets: [] as number[] };
  const rules: Array<CompiledPattern['rules'][number]> = [];
  let targetCount = 0;

  rows.forEach((row, index) => {
    for (const path of compilePaths(row.context, syntax, names)) {
      const last = path.steps[path.steps.length - 1];
      if (!last) throw new TypeError(`Syntax rule context ${row.context} has no step`);
      if (last.id < 0) wildcardContexts.push([index, path]);
      else addAt(contextsByName, last.id, [index, path] as const);
    }
    const context: CompiledContext = {
      tree: new Map(),
      ownAttributes: [],
      absentAt: new Map(),
      absentInDocument: [],
      checks: [],
    };
    /** Numbers a path; says whether it has relative alternatives and document ones. */
    const target = (text: string, id: string) => {
      const t = targetCount++;
      let relative = false;
      let inDocument = false;
      for (const path of compilePaths(text, syntax, names)) {
        if (path.anchor !== 'relative') {
          inDocument = true;
          const last = path.steps[path.steps.length - 1];
          if (last === undefined) {
            attributesAnywhere.names.push(path.attribute!);
            attributesAnywhere.targets.push(t);
          } else if (last.id >= 0) addAt(documentTargetsByName, last.id, { target: t, path });
          else documentTargetsAny.push({ target: t, path });
        } else {
          relative = true;
          if (path.steps.length > 0) addToTree(context.tree, path, t, id);
          else if (path.attribute !== undefined) context.ownAttributes.push([path.attribute, t]);
          else throw new TypeError(`Syntax rule ${id}: empty path`);
        }
      }
      return { t, relative, inDocument };
    };
    for (const assertion of row.asserts) {
      const [kind, paths] = kindOf(assertion);
      const targets = paths.map((p) => target(p, assertion.id));
      const message = assertion.message ?? defaultMessage(assertion, row.label);
      const check: Check = {
        kind,
        id: assertion.id,
        message,
        targets: targets.map((t) => t.t),
        limit: 'atMost' in assertion ? assertion.atMost[1] : 0,
        normalize: 'oneValue' in assertion && assertion.normalize === true,
        test: 'absent' in assertion ? assertion.unless : 'holds' in assertion ? assertion.holds : undefined,
      };
      if (kind === ABSENT) {
        if (targets[0]!.relative) context.absentAt.set(targets[0]!.t, check);
        if (targets[0]!.inDocument) context.absentInDocument.push(check);
      } else context.checks.push(check);
      rules.push({ id: assertion.id, severity: assertion.severity, terms: assertion.terms ?? [], message });
    }
    contexts.push(context);
  });
  const ids = new Set<string>();
  for (const rule of rules) {
    if (ids.has(rule.id)) throw new TypeError(`Syntax rule ${rule.id} is in the table twice`);
    ids.add(rule.id);
  }
  // which wildcard contexts each name of the table can be the last step of, decided once
  const wildcardContextsByName: Array<ReadonlyArray<readonly [number, Path]>> = [];
  for (const [local, numbered] of names.byLocal)
    for (const { uri, id } of numbered)
      wildcardContextsByName[id] = wildcardContexts.filter(([, path]) => {
        const last = path.steps[path.steps.length - 1]!;
        return (
          (last.uri === undefined || last.uri === uri) &&
          (last.suffix === undefined || local.endsWith(last.suffix))
        );
      });
  return {
    names,
    contexts,
    contextsByName,
    wildcardContexts,
    wildcardContextsByName,
    documentTargetsByName,
    documentTargetsAny,
    attributesAnywhere,
    targetCount,
    rules,
  };
}

/**
 * The document as the evaluation reads it: its elements in document order, each with the number of its name
 * (-1 for a name no rule has), its parent and the end of its subtree (its children are `i + 1`, then each
 * next one at the end of the one before, up to `end[i]`). Names are compared once per element.
 */
interface Flat {
  readonly els: readonly XmlTreeElement[];
  readonly name: readonly number[];
  readonly parent: readonly number[];
  readonly end: readonly number[];
}

const attributeIndexes = new WeakMap<CompiledPattern, ReadonlyMap<string, readonly number[]>>();

/** The targets of the attribute names a document path reaches anywhere, by name (built once per pattern). */
function attributeIndexOf(pattern: CompiledPattern): ReadonlyMap<string, readonly number[]> {
  let index = attributeIndexes.get(pattern);
  if (!index) {
    const byName = new Map<string, number[]>();
    const { names, targets } = pattern.attributesAnywhere;
    names.forEach((name, k) => byName.set(name, [...(byName.get(name) ?? []), targets[k]!]));
    attributeIndexes.set(pattern, (index = byName));
  }
  return index;
}

export function flatten(names: NameNumbers, root: XmlTreeElement): Flat {
  const { elements, parents, ends } = documentOrder(root);
  const name = new Array<number>(elements.length);
  for (let i = 0; i < elements.length; i++) name[i] = names.of(elements[i]!);
  return { els: elements, name, parent: parents, end: ends };
}

function stepAt(step: Step, flat: Flat, i: number): boolean {
  if (step.id >= 0) {
    if (flat.name[i] !== step.id) return false;
  } else {
    const el = flat.els[i]!;
    const local = el.localName;
    if (
      step.suffix !== undefined &&
      (local.charCodeAt(local.length - 1) !== step.suffixEnd || !local.endsWith(step.suffix))
    )
      return false;
    if (step.uri !== undefined && !inNamespace(el, step.uri)) return false;
  }
  return step.test === undefined || step.test(flat.els[i]!);
}

/**
 * Whether the element `i` is one the steps of a root or anywhere path reach (its attribute aside): the last
 * step matches it, each step before matches the parent of the element the next one matched.
 */
function reaches(path: Path, flat: Flat, i: number): boolean {
  let at = i;
  for (let s = path.steps.length - 1; s >= 0; s--) {
    if (at < 0 || !stepAt(path.steps[s]!, flat, at)) return false;
    if (s > 0) at = flat.parent[at]!;
  }
  return path.anchor !== 'root' || (at >= 0 && flat.parent[at] === -1);
}

/** The first context (in table order) that matches the element `i`, or -1. */
function contextOf(pattern: CompiledPattern, flat: Flat, i: number): number {
  let found = -1;
  const id = flat.name[i]!;
  const named = id >= 0 ? pattern.contextsByName[id] : undefined;
  if (named !== undefined)
    for (let k = 0; k < named.length; k++)
      if (reaches(named[k]![1], flat, i)) {
        found = named[k]![0];
        break;
      }
  const wildcards = id >= 0 ? pattern.wildcardContextsByName[id]! : pattern.wildcardContexts;
  for (let k = 0; k < wildcards.length; k++) {
    const [index, path] = wildcards[k]!;
    if (found !== -1 && index >= found) break;
    if (reaches(path, flat, i)) return index;
  }
  return found;
}

/** What each target reaches, by target number, and the targets that reached something. */
interface Hits {
  readonly at: Array<XmlTreeElement[] | undefined>;
  readonly touched: number[];
}

function record(hits: Hits, target: number, el: XmlTreeElement): void {
  const list = hits.at[target];
  if (list) list.push(el);
  else {
    hits.at[target] = [el];
    hits.touched.push(target);
  }
}

/** Walks the children of element `i` along the tree of steps, recording what each target reaches. */
function walkTree(flat: Flat, i: number, tree: ReadonlyMap<number, Edge[]>, hits: Hits): void {
  const end = flat.end[i]!;
  for (let c = i + 1; c < end; c = flat.end[c]!) {
    const id = flat.name[c]!;
    if (id < 0) continue;
    const edges = tree.get(id);
    if (edges === undefined) continue;
    const child = flat.els[c]!;
    for (let e = 0; e < edges.length; e++) {
      const edge = edges[e]!;
      if (edge.step.test !== undefined && !edge.step.test(child)) continue;
      for (let k = 0; k < edge.ends.length; k++) record(hits, edge.ends[k]!, child);
      for (let k = 0; k < edge.attributes.length; k++)
        if (child.hasAttribute(edge.attributes[k]![0])) record(hits, edge.attributes[k]![1], child);
      if (edge.next.size > 0) walkTree(flat, c, edge.next, hits);
    }
  }
}

function noteDocumentTargets(targets: readonly DocumentTarget[], flat: Flat, i: number, hits: Hits): void {
  const el = flat.els[i]!;
  for (let k = 0; k < targets.length; k++) {
    const { target, path } = targets[k]!;
    if ((path.attribute === undefined || el.hasAttribute(path.attribute)) && reaches(path, flat, i))
      record(hits, target, el);
  }
}

const occurrences = (n: number) => (n === 1 ? 'once' : `${n} times`);
const NONE: readonly XmlTreeElement[] = [];

/** Every finding of the pattern's rules in one document, by rule id. */
export function evaluate(pattern: CompiledPattern, root: XmlTreeElement): Map<string, Finding[]> {
  return findingsOf(pattern, flatten(pattern.names, root));
}

function findingsOf(pattern: CompiledPattern, flat: Flat): Map<string, Finding[]> {
  const instances: number[][] = pattern.contexts.map(() => []);
  const size = pattern.targetCount;
  const inDocument: Hits = { at: new Array<XmlTreeElement[] | undefined>(size).fill(undefined), touched: [] };
  const { documentTargetsByName, documentTargetsAny } = pattern;
  const attributeTargets = attributeIndexOf(pattern);
  // in document order: the context of each element, and what the document paths reach
  for (let i = 0; i < flat.els.length; i++) {
    const context = contextOf(pattern, flat, i);
    if (context !== -1) instances[context]!.push(i);
    const id = flat.name[i]!;
    const named = id >= 0 ? documentTargetsByName[id] : undefined;
    if (named !== undefined) noteDocumentTargets(named, flat, i, inDocument);
    if (documentTargetsAny.length > 0) noteDocumentTargets(documentTargetsAny, flat, i, inDocument);
    const el = flat.els[i]!;
    // an element's own attributes (few) against the names the rules forbid anywhere (many)
    if (el.attributeCount > 0)
      for (const name of el.attributeNames()) {
        const targets = attributeTargets.get(name);
        if (targets) for (const t of targets) record(inDocument, t, el);
      }
  }

  const findings = new Map<string, Finding[]>();
  const report = (id: string, el: XmlTreeElement, detail?: string) => {
    const list = findings.get(id);
    const finding = detail === undefined ? { el } : { el, detail };
    if (list) list.push(finding);
    else findings.set(id, [finding]);
  };
  const local: Hits = { at: new Array<XmlTreeElement[] | undefined>(size).fill(undefined), touched: [] };
  const reached = (t: number): readonly XmlTreeElement[] => {
    const mine = local.at[t];
    const all = inDocument.at[t];
    return mine && all ? [...mine, ...all] : (mine ?? all ?? NONE);
  };
  pattern.contexts.forEach((context, index) => {
    for (const i of instances[index]!) {
      const el = flat.els[i]!;
      if (context.tree.size > 0) walkTree(flat, i, context.tree, local);
      for (const [name, t] of context.ownAttributes) if (el.hasAttribute(name)) record(local, t, el);
      for (const t of local.touched) {
        const check = context.absentAt.get(t);
        if (check && !(check.test && check.test(el)))
          for (const found of local.at[t]!) report(check.id, found);
      }
      for (const check of context.absentInDocument) {
        const found = inDocument.at[check.targets[0]!];
        if (found && !(check.test && check.test(el))) for (const f of found) report(check.id, f);
      }
      for (const check of context.checks) judge(check, el, reached, report);
      for (const t of local.touched) local.at[t] = undefined;
      local.touched.length = 0;
    }
  });
  return findings;
}

function judge(
  check: Check,
  el: XmlTreeElement,
  reached: (t: number) => readonly XmlTreeElement[],
  report: (id: string, el: XmlTreeElement, detail?: string) => void,
): void {
  const { id, message } = check;
  switch (check.kind) {
    case AT_MOST: {
      const found = reached(check.targets[0]!);
      if (found.length > check.limit) report(id, found[check.limit]!, `${message} (found ${found.length})`);
      return;
    }
    case EXACTLY_ONE: {
      const found = reached(check.targets[0]!);
      if (found.length === 0) report(id, el, `${message} (missing)`);
      else if (found.length > 1) report(id, found[1]!, `${message} (found ${occurrences(found.length)})`);
      return;
    }
    case PRESENT:
      if (check.targets.some((t) => reached(t).length === 0)) report(id, el);
      return;
    case ONE_VALUE: {
      const found = reached(check.targets[0]!);
      if (found.length < 2) return;
      const value = (e: XmlTreeElement) => (check.normalize ? normalizeSpace(e.textContent) : e.textContent);
      const first = value(found[0]!);
      const other = found.find((e) => value(e) !== first);
      if (other) report(id, other, `${message}: '${value(other)}' differs from '${first}'`);
      return;
    }
    default:
      if (!check.test!(el)) report(id, el);
  }
}

/**
 * The rules of a compiled pattern for a syntax module. The document is walked once, by the first rule that
 * checks it; every rule then reports its own findings.
 */
export function patternRules(pattern: CompiledPattern): SyntaxRule[] {
  const findingsIn = (root: XmlTreeElement) => root.memo(pattern, () => evaluate(pattern, root));
  return pattern.rules.map(({ id, severity, terms, message }) => ({
    id,
    severity,
    terms,
    message,
    check(root, report) {
      for (const { el, detail } of findingsIn(root).get(id) ?? []) report(el, detail);
    },
    reporting: findingsIn,
  }));
}
