import type { Condition, Scalar } from './types';

type Context = Readonly<Record<string, unknown>>;

function compare(actual: unknown, expected: Scalar): number | undefined {
  if (typeof actual === 'number' && typeof expected === 'number') return actual - expected;
  if (typeof actual === 'string' && typeof expected === 'string')
    return actual < expected ? -1 : actual > expected ? 1 : 0;
  return undefined;
}

function equals(actual: unknown, expected: Scalar): boolean {
  if (typeof actual === 'string' && typeof expected === 'string')
    return actual.toLowerCase() === expected.toLowerCase();
  return actual === expected;
}

/**
 * Evaluates an applicability condition over context fields. String equality ignores case (country and
 * format codes arrive in either case); ordering compares numbers with numbers and strings with strings,
 * and is false across types. A missing field matches only `ne`.
 */
export function matches(condition: Condition, context: Context): boolean {
  if ('all' in condition) return condition.all.every((c) => matches(c, context));
  if ('any' in condition) return condition.any.some((c) => matches(c, context));
  if ('not' in condition) return !matches(condition.not, context);
  const actual = context[condition.field];
  const { op, value } = condition;
  if (op === 'in') return Array.isArray(value) && value.some((v) => equals(actual, v));
  if (Array.isArray(value)) return false;
  switch (op) {
    case 'eq':
      return equals(actual, value);
    case 'ne':
      return !equals(actual, value);
    case 'contains':
      return (
        typeof actual === 'string' &&
        typeof value === 'string' &&
        actual.toLowerCase().includes(value.toLowerCase())
      );
    case 'startsWith':
      return (
        typeof actual === 'string' &&
        typeof value === 'string' &&
        actual.toLowerCase().startsWith(value.toLowerCase())
      );
    default: {
      const order = compare(actual, value);
      if (order === undefined) return false;
      if (op === 'gt') return order > 0;
      if (op === 'ge') return order >= 0;
      if (op === 'lt') return order < 0;
      return order <= 0;
    }
  }
}
