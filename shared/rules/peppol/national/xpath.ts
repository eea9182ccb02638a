/**
 * The few XPath 2.0 conversions PEPPOL's national rules test text with, so that the rules accept exactly what
 * the schematron accepts.
 */

/** A lexical xs:double, white space around it allowed: what `number(.)` does not turn into NaN. */
const DOUBLE = /^[ \t\r\n]*(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?INF)[ \t\r\n]*$/;

/** A lexical xs:integer, white space around it allowed. */
const INTEGER = /^[ \t\r\n]*([+-]?)([0-9]+)[ \t\r\n]*$/;

const ZEROS = /^0+$/;

/** `string(number(value)) != 'NaN'`: the text reads as a number (an absent value does not). */
export function isNumber(value: string | undefined): boolean {
  return value !== undefined && DOUBLE.test(value);
}

/** `xs:integer(value) >= 0`: the text is an integer that is not negative (false when it is no integer). */
export function isNonNegativeInteger(value: string | undefined): boolean {
  const match = value === undefined ? null : INTEGER.exec(value);
  return match !== null && (match[1] !== '-' || ZEROS.test(match[2]!));
}

/** `string-length(.)`: the number of characters (not UTF-16 units); 0 when absent. */
export function length(value: string | undefined): number {
  if (value === undefined) return 0;
  let count = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    // the second half of a surrogate pair is the same character as the first
    if (code < 0xdc00 || code > 0xdfff) count++;
  }
  return count;
}
