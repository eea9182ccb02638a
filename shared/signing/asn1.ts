/**
 * A small BER reader and DER writer for CMS (RFC 5652) envelopes: definite and indefinite lengths,
 * constructed strings, high tag numbers. Every element keeps its offset in the input, so that a broken
 * file can be reported where it breaks.
 */

/** Tag classes (the top two bits of the identifier octet). */
export const UNIVERSAL = 0;
export const CONTEXT = 2;

/** Universal tag numbers used here. */
export const TAG = {
  boolean: 1,
  integer: 2,
  bitString: 3,
  octetString: 4,
  null: 5,
  oid: 6,
  utf8String: 12,
  sequence: 16,
  set: 17,
  utcTime: 23,
  generalizedTime: 24,
} as const;

/** A BER element as read, with its position in the input. */
export interface Asn1 {
  /** 0 universal, 1 application, 2 context-specific, 3 private. */
  cls: number;
  constructed: boolean;
  tag: number;
  /** Offset of the identifier octet in the input. */
  offset: number;
  /** Offset of the first content octet in the input. */
  contentOffset: number;
  indefinite: boolean;
  /** The whole element as read: identifier, length, content and (indefinite length) end-of-contents. */
  raw: Buffer;
  /** The content octets: a primitive's value, or a constructed element's encoded children. */
  content: Buffer;
  /** The children of a constructed element; empty for a primitive one. */
  children: Asn1[];
}

/** The input is not valid BER; `offset` is the byte where reading failed. */
export class Asn1Error extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'Asn1Error';
  }
}

const MAX_DEPTH = 64;
/** Longer lengths cannot describe anything held in one Buffer here. */
const MAX_LENGTH = 0xffffffff;

/** Reads the element that starts at `offset`; what follows it in `input` is left to the caller. */
export function readAsn1(input: Buffer, offset = 0): Asn1 {
  return readElement(input, offset, input.length, 0);
}

function readElement(input: Buffer, start: number, end: number, depth: number): Asn1 {
  if (depth > MAX_DEPTH) throw new Asn1Error(`nesting deeper than ${MAX_DEPTH} levels`, start);
  if (start >= end) throw new Asn1Error('expected an element, found the end of the data', start);
  let at = start;
  const identifier = input[at++]!;
  const cls = identifier >> 6;
  const constructed = (identifier & 0x20) !== 0;
  let tag = identifier & 0x1f;
  if (tag === 0x1f) {
    tag = 0;
    for (let count = 0; ; count++) {
      if (at >= end) throw new Asn1Error('the data ends inside a tag number', at);
      const octet = input[at++]!;
      if (count === 0 && octet === 0x80) throw new Asn1Error('a tag number with a leading zero', at - 1);
      if (count === 3) throw new Asn1Error('a tag number longer than 28 bits', at - 1);
      tag = tag * 128 + (octet & 0x7f);
      if ((octet & 0x80) === 0) break;
    }
  }
  if (cls === UNIVERSAL && tag === 0)
    throw new Asn1Error('an end-of-contents marker where an element was expected', start);
  if (at >= end) throw new Asn1Error('the data ends before the length', at);
  const first = input[at++]!;
  if (first === 0x80) {
    if (!constructed) throw new Asn1Error('an indefinite length on a primitive element', start);
    const contentOffset = at;
    const children: Asn1[] = [];
    for (;;) {
      if (at + 2 > end) throw new Asn1Error('the data ends before the end-of-contents octets', at);
      if (input[at] === 0 && input[at + 1] === 0) break;
      const child = readElement(input, at, end, depth + 1);
      children.push(child);
      at += child.raw.length;
    }
    return {
      cls,
      constructed,
      tag,
      offset: start,
      contentOffset,
      indefinite: true,
      raw: input.subarray(start, at + 2),
      content: input.subarray(contentOffset, at),
      children,
    };
  }
  let length = first;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (first === 0xff) throw new Asn1Error('a reserved length octet (0xff)', at - 1);
    if (at + count > end) throw new Asn1Error('the data ends inside a length', at);
    length = 0;
    for (let i = 0; i < count; i++) {
      length = length * 256 + input[at++]!;
      if (length > MAX_LENGTH) throw new Asn1Error('a length beyond 4 GiB', start);
    }
  }
  const contentOffset = at;
  if (contentOffset + length > end) {
    throw new Asn1Error(
      `the element declares ${length} content bytes, only ${Math.max(0, end - contentOffset)} remain`,
      start,
    );
  }
  const contentEnd = contentOffset + length;
  const children: Asn1[] = [];
  if (constructed) {
    while (at < contentEnd) {
      const child = readElement(input, at, contentEnd, depth + 1);
      children.push(child);
      at += child.raw.length;
    }
  }
  return {
    cls,
    constructed,
    tag,
    offset: start,
    contentOffset,
    indefinite: false,
    raw: input.subarray(start, contentEnd),
    content: input.subarray(contentOffset, contentEnd),
    children,
  };
}

/** Whether an element is the universal type `tag`. */
export function isUniversal(element: Asn1 | undefined, tag: number): element is Asn1 {
  return element !== undefined && element.cls === UNIVERSAL && element.tag === tag;
}

/** Whether an element is context-specific `[tag]`. */
export function isContext(element: Asn1 | undefined, tag: number): element is Asn1 {
  return element !== undefined && element.cls === CONTEXT && element.tag === tag;
}

/** Universal string types whose constructed (BER) form is the concatenation of its segments. */
const STRING_TAGS = new Set([4, 12, 18, 19, 20, 21, 22, 25, 26, 27, 28, 30]);

/**
 * The value of a string element, primitive or constructed (BER segments, each a primitive or constructed
 * OCTET STRING, concatenated).
 */
export function stringValue(element: Asn1): Buffer {
  if (!element.constructed) return element.content;
  return Buffer.concat(
    element.children.map((child) => {
      if (child.cls !== UNIVERSAL || !STRING_TAGS.has(child.tag))
        throw new Asn1Error('a segment of a constructed string is not a string', child.offset);
      return stringValue(child);
    }),
  );
}

/** The dotted form of an OBJECT IDENTIFIER element. */
export function oidValue(element: Asn1): string {
  if (!isUniversal(element, TAG.oid) || element.constructed || element.content.length === 0)
    throw new Asn1Error('expected an OBJECT IDENTIFIER', element.offset);
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < element.content.length; i++) {
    const octet = element.content[i]!;
    if (value === 0 && octet === 0x80) throw new Asn1Error('an OID arc with a leading zero', element.offset);
    value = value * 128 + (octet & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER) throw new Asn1Error('an OID arc too large', element.offset);
    if ((octet & 0x80) === 0) {
      if (arcs.length === 0)
        arcs.push(value < 40 ? 0 : value < 80 ? 1 : 2, value < 80 ? value % 40 : value - 80);
      else arcs.push(value);
      value = 0;
    } else if (i === element.content.length - 1) {
      throw new Asn1Error('an OBJECT IDENTIFIER ends inside an arc', element.offset);
    }
  }
  return arcs.join('.');
}

/** The DER encoding of an element read from BER: definite lengths, primitive strings, sorted SETs. */
export function toDer(element: Asn1): Buffer {
  if (!element.constructed) return encode(element.cls, false, element.tag, element.content);
  if (element.cls === UNIVERSAL && STRING_TAGS.has(element.tag))
    return encode(UNIVERSAL, false, element.tag, stringValue(element));
  const children = element.children.map(toDer);
  if (element.cls === UNIVERSAL && element.tag === TAG.set) children.sort((a, b) => Buffer.compare(a, b));
  return encode(element.cls, true, element.tag, Buffer.concat(children));
}

/** DER `SET OF` of elements read from BER (signed attributes are signed in this form). */
export function derSetOf(elements: Asn1[]): Buffer {
  return set(...elements.map(toDer));
}

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return Buffer.from([0x80 | octets.length, ...octets]);
}

function encodeIdentifier(cls: number, constructed: boolean, tag: number): Buffer {
  const lead = (cls << 6) | (constructed ? 0x20 : 0);
  if (tag < 0x1f) return Buffer.from([lead | tag]);
  const octets = [tag & 0x7f];
  for (let rest = tag >>> 7; rest > 0; rest >>>= 7) octets.unshift(0x80 | (rest & 0x7f));
  return Buffer.from([lead | 0x1f, ...octets]);
}

/** One DER element from its identifier and content. */
export function encode(cls: number, constructed: boolean, tag: number, content: Buffer): Buffer {
  return Buffer.concat([encodeIdentifier(cls, constructed, tag), encodeLength(content.length), content]);
}

export function sequence(...items: Buffer[]): Buffer {
  return encode(UNIVERSAL, true, TAG.sequence, Buffer.concat(items));
}

/** A DER SET (OF): its members sorted by their encodings. */
export function set(...items: Buffer[]): Buffer {
  return encode(UNIVERSAL, true, TAG.set, Buffer.concat([...items].sort((a, b) => Buffer.compare(a, b))));
}

/** `[tag]` EXPLICIT, or the constructed IMPLICIT form when `content` is the encoded members. */
export function contextConstructed(tag: number, ...items: Buffer[]): Buffer {
  return encode(CONTEXT, true, tag, Buffer.concat(items));
}

export function octetString(value: Buffer): Buffer {
  return encode(UNIVERSAL, false, TAG.octetString, value);
}

export function nullValue(): Buffer {
  return encode(UNIVERSAL, false, TAG.null, Buffer.alloc(0));
}

/** A non-negative INTEGER. */
export function integer(value: number): Buffer {
  const octets: number[] = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  if (octets.length === 0 || octets[0]! & 0x80) octets.unshift(0);
  return encode(UNIVERSAL, false, TAG.integer, Buffer.from(octets));
}

export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const values = [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)];
  const octets: number[] = [];
  for (const value of values) {
    const arc = [value % 128];
    for (let rest = Math.floor(value / 128); rest > 0; rest = Math.floor(rest / 128))
      arc.unshift(0x80 | (rest % 128));
    octets.push(...arc);
  }
  return encode(UNIVERSAL, false, TAG.oid, Buffer.from(octets));
}

/** UTCTime for 1950 to 2049, GeneralizedTime otherwise (RFC 5652, 11.3), to the second. */
export function time(date: Date): Buffer {
  const iso = date.toISOString();
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050)
    return encode(UNIVERSAL, false, TAG.utcTime, Buffer.from(`${digits.slice(2)}Z`, 'latin1'));
  return encode(UNIVERSAL, false, TAG.generalizedTime, Buffer.from(`${digits}Z`, 'latin1'));
}

/** The instant of a UTCTime or GeneralizedTime element. */
export function timeValue(element: Asn1): Date {
  const text = stringValue(element).toString('latin1');
  let parts: { year: number; rest: string[]; fraction?: string; zone?: string } | undefined;
  if (isUniversal(element, TAG.utcTime)) {
    const match = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(Z|[+-]\d{4})$/.exec(text);
    if (match) {
      const yy = Number(match[1]);
      parts = { year: yy + (yy < 50 ? 2000 : 1900), rest: match.slice(2, 7), zone: match[7] };
    }
  } else if (isUniversal(element, TAG.generalizedTime)) {
    const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:[.,](\d{1,9}))?(Z|[+-]\d{4})?$/.exec(text);
    if (match)
      parts = { year: Number(match[1]), rest: match.slice(2, 7), fraction: match[7], zone: match[8] };
  }
  if (!parts) throw new Asn1Error(`not a time: "${text.slice(0, 40)}"`, element.offset);
  const [month, day, hour, minute, second] = parts.rest.map((digits) => Number(digits ?? 0));
  const zone = parts.zone;
  const offsetMinutes =
    !zone || zone === 'Z'
      ? 0
      : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
  const ms = parts.fraction ? Math.round(Number(`0.${parts.fraction}`) * 1000) : 0;
  const value = Date.UTC(parts.year, month! - 1, day, hour, minute! - offsetMinutes, second, ms);
  if (Number.isNaN(value)) throw new Asn1Error(`not a time: "${text}"`, element.offset);
  return new Date(value);
}
