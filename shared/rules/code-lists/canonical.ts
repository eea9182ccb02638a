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
  let walk = walks.get(at);
  if (!walk) {
    walk = compileWalk(at);
    walks.set(at, walk);
  }
  walk(document, [], accepts, reject);
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

/** A rule that reports every value at its places that its code list does not have. */
export function codeRule(spec: CodeRuleSpec): InvoiceRule {
  const places = spec.places.map((p) => ({
    at: place(p.at),
    accepts: p.accepts,
    reject: (report: (pointer: string, detail: string) => void) => (pointer: string, value: string) =>
      report(pointer, `${spec.message} ${JSON.stringify(value)} is not ${p.expected?.() ?? 'one'}.`),
  }));
  return {
    id: spec.id,
    ...(spec.severity ? { severity: spec.severity } : {}),
    terms: spec.terms,
    message: spec.message,
    check(document, report) {
      for (const { at, accepts, reject } of places) eachRejected(document, at, accepts, reject(report));
    },
  };
}
