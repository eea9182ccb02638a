import type { HeldInvoice, InvoiceRule, RuleSeverity } from '../rule';

/**
 * Code-list rules on the canonical invoice, as data: where a coded term is (a JSON Pointer pattern with `*`
 * for every item of a list), and which codes it takes. One small walker finds the values; a rule reports
 * each value that is not one of the codes, with the value in its message.
 */

/** A compiled place: the pointer's segments, `*` standing for every item of a list. */
type Place = readonly string[];

/**
 * A pattern split into its segments (`/payment/meansCode` → `['payment', 'meansCode']`; a `*` segment stands
 * for every item of a list), once when the rules are built.
 */
export function place(pattern: string): Place {
  if (!pattern.startsWith('/')) throw new TypeError(`A place is a JSON Pointer pattern: ${pattern}`);
  return pattern.slice(1).split('/');
}

type Step = (
  value: unknown,
  indexes: number[],
  accepts: (text: string) => boolean,
  reject: (pointer: string, value: string) => void,
) => void;

/**
 * The walk along a place, as one small function per step (each with the member name it reads, so that the
 * engine can keep its property lookups fast), compiled once per place.
 */
function compileWalk(at: Place): Step {
  let next: Step = (value, indexes, accepts, reject) => {
    if (typeof value === 'string' && !accepts(value)) reject(pointerOf(at, indexes), value);
  };
  for (let step = at.length - 1; step >= 0; step--) {
    const key = at[step]!;
    const then = next;
    next =
      key === '*'
        ? (value, indexes, accepts, reject) => {
            if (!Array.isArray(value)) return;
            for (let i = 0; i < value.length; i++) {
              indexes.push(i);
              then(value[i], indexes, accepts, reject);
              indexes.pop();
            }
          }
        : (value, indexes, accepts, reject) => {
            if (value !== null && typeof value === 'object' && !Array.isArray(value))
              then((value as Record<string, unknown>)[key], indexes, accepts, reject);
          };
  }
  return next;
}

const walks = new WeakMap<Place, Step>();

/**
 * Calls `reject` with the JSON Pointer of every text value at `at` that `accepts` does not take. Members that
 * are absent, or not text (the schema reports those), are passed over.
 */
export function eachRejected(
  document: HeldInvoice,
  at: Place,
  accepts: (text: string) => boolean,
  reject: (pointer: string, value: string) => void,
): void {
  walkOf(at)(document, [], accepts, reject);
}

/** The compiled walk along a place, made the first time it is asked for. */
function walkOf(at: Place): Step {
  let walk = walks.get(at);
  if (!walk) {
    walk = compileWalk(at);
    walks.set(at, walk);
  }
  return walk;
}

/** The pointer of a place with the list indexes of one value in it: `/lines/2/unitCode`. */
function pointerOf(at: Place, indexes: readonly number[]): string {
  let pointer = '';
  let i = 0;
  for (const key of at) pointer += `/${key === '*' ? indexes[i++] : key}`;
  return pointer;
}

/** Where a rule finds its codes, and what it takes there. */
export interface CodePlace {
  /** A JSON Pointer (`/payment/meansCode`) whose `*` segments stand for every item of a list. */
  readonly at: string;
  /** Whether the text is one of the codes. */
  readonly accepts: (text: string) => boolean;
  /** What the code should have been, for the message (`one of "3", "35", "432"`); `one` by default. */
  readonly expected?: () => string;
}

export interface CodeRuleSpec {
  readonly id: string;
  readonly severity?: RuleSeverity;
  readonly terms: readonly string[];
  readonly message: string;
  readonly places: readonly CodePlace[];
}

/**
 * The code rules of a module, judged together: one walk of the document along all their places finds which of
 * them reject a value (`Rule.reporting`), and only those are checked, each along its own places, to report.
 */
export function codeRules(specs: readonly CodeRuleSpec[]): InvoiceRule[] {
  const root = newNode();
  for (const spec of specs)
    for (const p of spec.places) {
      let node = root;
      for (const key of place(p.at)) {
        if (key === '*') node = node.items ??= newNode();
        else {
          const at = node.keys.indexOf(key);
          if (at >= 0) node = node.children[at]!;
          else {
            const child = newNode();
            node.keys.push(key);
            node.children.push(child);
            node = child;
          }
        }
      }
      node.codes.push({ id: spec.id, accepts: p.accepts });
    }
  const reporting = (document: HeldInvoice) => rejectingIn(document, root, undefined) ?? NONE;
  return specs.map((spec) => ({ ...codeRule(spec), reporting }));
}

/** The places of several rules as one tree: the members to read, the items of a list, the codes taken here. */
interface PlaceNode {
  readonly keys: string[];
  readonly children: PlaceNode[];
  items?: PlaceNode;
  readonly codes: Array<{ readonly id: string; readonly accepts: (text: string) => boolean }>;
}

const newNode = (): PlaceNode => ({ keys: [], children: [], codes: [] });

const NONE: ReadonlySet<string> = new Set();

/** The ids of the rules whose places in `value` (at `node`) hold a value they do not take; as the walks do. */
function rejectingIn(
  value: unknown,
  node: PlaceNode,
  found: Set<string> | undefined,
): Set<string> | undefined {
  if (typeof value === 'string') {
    for (const { id, accepts } of node.codes) if (!accepts(value)) (found ??= new Set()).add(id);
    return found;
  }
  if (value === null || typeof value !== 'object') return found;
  if (Array.isArray(value)) {
    const items = node.items;
    if (items) for (let i = 0; i < value.length; i++) found = rejectingIn(value[i], items, found);
    return found;
  }
  const { keys, children } = node;
  for (let k = 0; k < keys.length; k++) {
    const member = (value as Record<string, unknown>)[keys[k]!];
    if (member !== undefined) found = rejectingIn(member, children[k]!, found);
  }
  return found;
}

/** A rule that reports every value at its places that its code list does not have. */
export function codeRule(spec: CodeRuleSpec): InvoiceRule {
  // The report of the check under way, so that each place's walk and rejection are made once, not per check.
  let report: (pointer: string, detail: string) => void = () => undefined;
  const places = spec.places.map((p) => {
    const at = place(p.at);
    return {
      walk: walkOf(at),
      accepts: p.accepts,
      reject: (pointer: string, value: string) =>
        report(pointer, `${spec.message} ${JSON.stringify(value)} is not ${p.expected?.() ?? 'one'}.`),
    };
  });
  return {
    id: spec.id,
    ...(spec.severity ? { severity: spec.severity } : {}),
    terms: spec.terms,
    message: spec.message,
    check(document, to) {
      report = to;
      for (const { walk, accepts, reject } of places) walk(document, [], accepts, reject);
    },
  };
}
