import { exact, type ExactDecimal } from '../model/exact-decimal';

/**
 * Small readers for rule predicates, with the meaning the official schematron gives its tests: a term is
 * `given` when it has text other than white space (`normalize-space(.) != ''`), `present` when it is there
 * at all (`exists(.)`); a decimal that is not one reads as absent (a failed cast that the rules ignore).
 */

/** There at all, even empty (`exists(.)`). */
export function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** Text other than white space, or a number or boolean (`normalize-space(.) != ''`). */
export function given(value: unknown): boolean {
  if (typeof value === 'string') return value.trim() !== '';
  return typeof value === 'number' || typeof value === 'boolean';
}

/** The text of a term, white space normalised as `normalize-space` does; undefined when absent. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') return undefined;
  return isNormal(value) ? value : value.replace(/\s+/g, ' ').trim();
}

/**
 * Whether text is as `text` would return it, decided without a regex for the usual case: printable ASCII,
 * single spaces between words, none at either end. Anything else (other white space, non-ASCII) is left to
 * the regex.
 */
function isNormal(value: string): boolean {
  const length = value.length;
  if (length === 0) return true;
  if (value.charCodeAt(0) === 32 || value.charCodeAt(length - 1) === 32) return false;
  let space = false;
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    if (code === 32) {
      if (space) return false;
      space = true;
    } else if (code > 32 && code < 127) space = false;
    else return false;
  }
  return true;
}

/** The exact value of a decimal term; undefined when absent or not a decimal. */
export function decimal(value: unknown): ExactDecimal | undefined {
  return typeof value === 'string' || typeof value === 'number' ? exact(value) : undefined;
}

/** The list a term holds, or an empty one. */
export function list<T>(value: readonly T[] | undefined): readonly T[] {
  return value ?? [];
}
