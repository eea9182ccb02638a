/**
 * Exclusive XML canonicalization (https://www.w3.org/TR/xml-exc-c14n/, with or without comments, with or
 * without an InclusiveNamespaces prefix list) of a whole document or of elements within it, computed in one pass over
 * the text, for the XML profile this service writes itself and most documents share: elements, attributes,
 * text, comments, and the predefined and numeric character references; no DTD, processing instructions
 * (other than the XML declaration) or CDATA. Anything outside that profile returns `undefined`, and the
 * caller uses a general canonicalizer.
 *
 * For a digest, the canonical form is also written as its UTF-8 bytes (one character each, as Buffer's
 * `latin1` reads and writes them), from the document's text or from its bytes: no text twice the
 * document's size is encoded after the fact. Documents of one kind share their markup: rendered start tags,
 * and the markup between two texts (a gap), are remembered, and a document is mostly copied in slices.
 */

const NAME = '[A-Za-z_][\\w.-]*(?::[A-Za-z_][\\w.-]*)?';
/**
 * What `\s` matches (and `trim` removes), written for UTF-8 bytes one character each: the ASCII spaces, then
 * the encodings of U+00A0, U+1680, U+2000 to U+200A, U+2028, U+2029, U+202F, U+205F, U+3000 and U+FEFF.
 */
export const UTF8_SPACE =
  '(?:[\\t\\n\\v\\f\\r ]|\\xC2\\xA0|\\xE1\\x9A\\x80|\\xE2\\x80[\\x80-\\x8A\\xA8\\xA9\\xAF]|\\xE2\\x81\\x9F|\\xE3\\x80\\x80|\\xEF\\xBB\\xBF)';
// A tag; its attributes are matched, completely, separately. A '>' inside an attribute value ends the tag
// early, its attributes then do not match completely, and the general path takes over.
const TAG = /<(\/?)([A-Za-z_][\w.:-]*)([^>]*?)(\/?)>/y;
const ATTRIBUTE = new RegExp(`(${NAME})\\s*=\\s*(?:"([^"<]*)"|'([^'<]*)')`, 'g');
const ATTRIBUTE_UTF8 = new RegExp(`(${NAME})${UTF8_SPACE}*=${UTF8_SPACE}*(?:"([^"<]*)"|'([^'<]*)')`, 'g');
const DECLARATION = /^\uFEFF?<\?xml[^?]*\?>/;
const DECLARATION_UTF8 = /^(?:\xEF\xBB\xBF)?<\?xml[^?]*\?>/;
const ENTITY = /&(?:#x([0-9A-Fa-f]+)|#([0-9]+)|(amp|lt|gt|quot|apos));/g;
const OTHER_ENTITY = /&(?!(?:#x[0-9A-Fa-f]+|#[0-9]+|amp|lt|gt|quot|apos);)/;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const NON_ASCII = /[\u0080-\uffff]/;

/** Text as the UTF-8 bytes that encode it, one character each (a "binary" string). */
export function utf8Bytes(text: string): string {
  return NON_ASCII.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
}

/** The text that UTF-8 bytes, one character each, encode. */
function textOfBytes(bytes: string): string {
  return NON_ASCII.test(bytes) ? Buffer.from(bytes, 'latin1').toString('utf8') : bytes;
}

/**
 * Character references and the predefined entities replaced by their characters (as UTF-8 bytes, with
 * `bytes`); undefined for other entities; null (with `pieces`: the canonical form is encoded piece by piece)
 * for a reference to a surrogate code point, which only the whole text joins with its neighbour.
 */
function decode(text: string, bytes: boolean, pieces: boolean): string | undefined | null {
  if (!text.includes('&')) return text;
  if (OTHER_ENTITY.test(text)) return undefined; // other entities
  let surrogate = false;
  const decoded = text.replace(
    ENTITY,
    (_, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
      if (name) return NAMED[name]!;
      const code = parseInt(hex ?? dec!, hex ? 16 : 10);
      const character = String.fromCodePoint(code);
      if (pieces && code >= 0xd800 && code <= 0xdfff) surrogate = true;
      return bytes && code >= 0x80 ? utf8Bytes(character) : character;
    },
  );
  return surrogate ? null : decoded;
}

/** `text.trim()`, of the text the bytes encode with `bytes`. */
function trimmed(text: string, bytes: boolean): string {
  return (bytes ? textOfBytes(text) : text).trim();
}

/** Escapes character data as canonical XML writes it. */
export function escapeText(text: string): string {
  if (!/[&<>\r]/.test(text)) return text;
  return text.replace(/[&<>\r]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#xD;',
  );
}

/** An attribute value as canonical XML writes it. */
export function escapeAttribute(value: string): string {
  if (!/[&<"\t\n\r]/.test(value)) return value;
  return value.replace(/[&<"\t\n\r]/g, (c) =>
    c === '&'
      ? '&amp;'
      : c === '<'
        ? '&lt;'
        : c === '"'
          ? '&quot;'
          : c === '\t'
            ? '&#x9;'
            : c === '\n'
              ? '&#xA;'
              : '&#xD;',
  );
}

/** Namespace bindings as a chain shared with the ancestors: an element adds links, never copies. */
interface Binding {
  prefix: string;
  uri: string;
  next: Binding | undefined;
}

function lookup(chain: Binding | undefined, prefix: string): string | undefined {
  for (let binding = chain; binding; binding = binding.next)
    if (binding.prefix === prefix) return binding.uri;
  return undefined;
}

const ROOT_SCOPE: Binding = { prefix: 'xml', uri: 'http://www.w3.org/XML/1998/namespace', next: undefined };

/**
 * Where an element stands: the namespaces in scope and those its output ancestors rendered. Contexts are
 * reached through the start tags that lead to them, so that repeated structures (invoice lines) share
 * them, and a start tag met again in the same context is rendered from `tags` without a second look.
 */
interface Context {
  scope: Binding;
  rendered: Binding | undefined;
  tags: Map<string, StartTag>;
  /** The same scope with nothing rendered: where a located element starts, as the apex of its subset. */
  apex?: Context;
  /** Of a document's top context: the start tag its root element had, and its first gap, last time. */
  first?: StartTag;
  firstGap?: Gap;
}

interface StartTag {
  /** The tag as written, and the context it is rendered in. */
  raw: string;
  context: Context;
  /**
   * The start tag that followed it in the document last time: documents of one kind repeat their structure
   * (and an invoice its lines), so that the next tag is most often this one again, found without a lookup.
   */
  successor?: StartTag;
  name: string;
  /** The element's namespace URI ('' for none) and local name. */
  namespace: string;
  local: string;
  /** The canonical start tag, and with it the end tag for an empty-element tag. */
  open: string;
  close: string;
  selfClosing: boolean;
  /** What the canonical form writes for the tag: `open`, and `close` too for an empty-element tag. */
  written: string;
  /** `written` as UTF-8 bytes, one character each, once asked for. */
  writtenUtf8?: string;
  /** The tag as written in the document is its canonical form already (so it is copied with the text around it). */
  verbatim: boolean;
  /** The context of the element's children. */
  inner: Context;
}

/**
 * The markup between two texts of a document, met before: end tags, then start tags, with nothing but white
 * space between them (`</cbc:ID>\n      <cbc:IssueDate>`). Met again after the same open elements, it is
 * the same again: compared whole, and written at once, instead of tag by tag.
 */
interface Gap {
  /** As written: from the `<` of its first tag to the `>` of its last. */
  text: string;
  /** The open elements its end tags close, innermost first. */
  closes: StartTag[];
  /** The open element it then goes on in (the parent of what it opens), undefined before the root element. */
  base: StartTag | undefined;
  /** The elements it opens, outermost first (not those of empty-element tags). */
  opens: StartTag[];
  /** Its last start tag, if any. */
  last: StartTag | undefined;
  /** Its canonical form, and that as UTF-8 bytes, one character each, once asked for. */
  output: string;
  outputUtf8?: string;
  /** It is its own canonical form. */
  verbatim: boolean;
  /** The gap that followed it last time. */
  successor?: Gap;
}

/** A gap being recorded, tag by tag. */
interface Recording {
  start: number;
  end: number;
  closes: StartTag[];
  /** The open element after its end tags. */
  base: StartTag | undefined;
  /** A start tag has joined it (an end tag no longer can). */
  based: boolean;
  opens: StartTag[];
  last: StartTag | undefined;
  output: string;
  /** White space after its last tag, part of it once another tag joins. */
  space: string;
}

/** The canonical document split around the elements with a given name, in document order. */
export interface LocatedCanonicalForm {
  /** The canonical text between (and before and after) the located elements: one more than `elements`. */
  between: string[];
  /**
   * Each located element's canonical form as the apex of its own node set (its start tag renders every
   * namespace it uses, whatever its ancestors rendered): what a reference to the element digests.
   */
  elements: string[];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface CanonicalizeOptions {
  /** Keep comments (`…#WithComments`). Default false: a same-document reference never selects comments. */
  comments?: boolean;
  /**
   * The InclusiveNamespaces PrefixList: these prefixes (`#default` for the default namespace) are rendered
   * as inclusive c14n renders them, wherever they are in scope, used or not.
   */
  inclusivePrefixes?: readonly string[];
}

interface Mode {
  comments: boolean;
  inclusive: readonly string[];
  /** The document is UTF-8 bytes, one character each, and so is its canonical form. */
  bytes: boolean;
  /** The document is text, its canonical form written as UTF-8 bytes, one character each. */
  encode: boolean;
}

function modeOf(options: CanonicalizeOptions, bytes = false, encode = false): Mode {
  return {
    comments: options.comments === true,
    inclusive: (options.inclusivePrefixes ?? []).map((p) => (p === '#default' ? '' : p)),
    bytes,
    encode,
  };
}

export function exclusiveCanonicalize(xml: string, options: CanonicalizeOptions = {}): string | undefined {
  return canonicalize(xml, modeOf(options), undefined) as string | undefined;
}

/**
 * {@link exclusiveCanonicalize} of a document given as its UTF-8 bytes, one character each (a Buffer's
 * `latin1` text; the bytes must be valid UTF-8), the canonical form returned the same way: exactly the UTF-8
 * encoding of what `exclusiveCanonicalize` returns for the decoded text, without decoding the document or
 * encoding its canonical form. Null for the rare document only the text form canonicalizes as a string
 * would (a character reference to a surrogate code point): canonicalize its text instead.
 */
export function exclusiveCanonicalizeUtf8(
  bytes: string,
  options: CanonicalizeOptions = {},
): string | undefined | null {
  return canonicalize(bytes, modeOf(options, true), undefined);
}

/**
 * {@link exclusiveCanonicalize} of a text, the canonical form returned as its UTF-8 bytes, one character each
 * (as a Buffer encodes it: a lone surrogate as U+FFFD): what is digested, encoded piece by piece as it is
 * written (most pieces are ASCII) rather than as a whole afterwards. Null where only the whole text encodes
 * as it should (halves of a character joined in the canonical form): encode `exclusiveCanonicalize`'s.
 */
export function exclusiveCanonicalizeToUtf8(
  xml: string,
  options: CanonicalizeOptions = {},
): string | undefined | null {
  return canonicalize(xml, modeOf(options, false, true), undefined);
}

/**
 * The exclusive canonical form, split around every element named `local` in namespace `namespace` (outermost
 * ones; an element nested in a located one stays part of it). Removing an element's canonical text from the
 * document's is the canonical form of the document without the element, as the enveloped-signature
 * transform wants it: exclusive c14n renders an element from its ancestors alone, never its siblings.
 */
export function canonicalizeLocating(
  xml: string,
  namespace: string,
  local: string,
  options: CanonicalizeOptions = {},
): LocatedCanonicalForm | undefined {
  const cuts: number[] = [];
  const canonical = canonicalize(xml, modeOf(options), { namespace, local, cuts });
  if (canonical == null) return undefined;
  const between: string[] = [];
  const elements: string[] = [];
  let from = 0;
  for (let i = 0; i < cuts.length; i += 2) {
    between.push(canonical.slice(from, cuts[i]));
    elements.push(canonical.slice(cuts[i], cuts[i + 1]));
    from = cuts[i + 1]!;
  }
  between.push(canonical.slice(from));
  return { between, elements };
}

/**
 * A context with nothing of its own yet. (Objects that are read in the hot loop are made with every member
 * from the start: one shape for them all, which the engine reads fastest.)
 */
function newContext(scope: Binding, rendered: Binding | undefined): Context {
  return { scope, rendered, tags: new Map(), apex: undefined, first: undefined, firstGap: undefined };
}

/**
 * Rendered start tags and gaps are kept across documents (the service writes the same tags in the same
 * contexts again and again), up to a bound: past it, everything is forgotten and built anew.
 */
const MAX_REMEMBERED_TAGS = 20_000;
const tops = new Map<string, Context>();
let remembered = 0;

function topContext(mode: Mode): Context {
  if (remembered > MAX_REMEMBERED_TAGS) {
    tops.clear();
    remembered = 0;
  }
  // (tags render differently as bytes when their attributes hold references to non-ASCII characters)
  const key = `${mode.bytes ? 'bytes' : 'text'} ${mode.inclusive.join(' ')}`;
  let top = tops.get(key);
  if (!top) {
    top = newContext(ROOT_SCOPE, undefined);
    tops.set(key, top);
  }
  return top;
}

/**
 * A flat copy of a text: of a slice of a document, which V8 would otherwise keep as a view of the whole
 * document (what is remembered across documents must not keep them alive), or of a text built by
 * concatenation, which V8 keeps as a tree of its parts (what is written again and again is then copied in
 * one piece, not gathered from its parts every time). A property name is such a copy.
 */
function own(text: string): string {
  return text.length < 13 ? text : Object.keys({ [text]: 0 })[0]!;
}

/** The first `c` at or after `from`, or the end of `text` when there is none. */
function find(text: string, c: string, from: number): number {
  const at = text.indexOf(c, from);
  return at === -1 ? text.length : at;
}

/**
 * The document from `from` to `to` as the canonical form writes it: as it is, or, encoding, as UTF-8 bytes
 * when it has a character past ASCII (short pieces, most of them, looked at character by character).
 */
function copy(xml: string, from: number, to: number, encode: boolean): string {
  const text = xml.slice(from, to);
  if (!encode) return text;
  if (to - from > 32) return utf8Bytes(text);
  for (let i = from; i < to; i++) if (xml.charCodeAt(i) > 0x7f) return utf8Bytes(text);
  return text;
}

const SPACE = /^[ \t\n]*$/;

/** A gap to record from `start`, after the elements open in `stack`. */
function recordingAt(start: number, stack: StartTag[]): Recording {
  return {
    start,
    end: start,
    closes: [],
    base: stack.length > 0 ? stack[stack.length - 1] : undefined,
    based: false,
    opens: [],
    last: undefined,
    output: '',
    space: '',
  };
}

/**
 * Ends a recording: a gap when it has a tag, linked after `last` (or as the top context's first); returns
 * the last gap met.
 */
function finish(recording: Recording, xml: string, top: Context, last: Gap | undefined): Gap | undefined {
  if (recording.end === recording.start) return last;
  const text = own(xml.slice(recording.start, recording.end));
  const gap: Gap = {
    text,
    closes: recording.closes,
    base: recording.base,
    opens: recording.opens,
    last: recording.last,
    output: own(recording.output),
    outputUtf8: undefined,
    verbatim: recording.output === text,
    successor: undefined,
  };
  if (last === undefined) top.firstGap = gap;
  else last.successor = gap;
  remembered++;
  return gap;
}

/** Whether the gap is at `at` in `xml`, after the elements open in `stack`. */
function gapFits(gap: Gap, stack: StartTag[], xml: string, at: number): boolean {
  const open = stack.length;
  const closes = gap.closes;
  const k = closes.length;
  if (gap.base === undefined ? open !== 0 : open <= k || stack[open - 1 - k] !== gap.base) return false;
  for (let i = 0; i < k; i++) if (stack[open - 1 - i] !== closes[i]) return false;
  const length = gap.text.length;
  return at + length <= xml.length && xml.slice(at, at + length) === gap.text;
}

/**
 * The canonical form, built from runs of the document copied as they are (text, end tags, and start tags
 * already canonical) and the rendered forms of the other start tags: most of a document is copied, in a
 * few large slices. `run` is where the pending copy starts: the output so far is `out` followed by the
 * document from `run` to `position`. Where the markup between two texts is a gap met before, it is taken
 * whole; elsewhere tag by tag, recording the gaps for the next document.
 */
function canonicalize(
  xml: string,
  mode: Mode,
  locate: { namespace: string; local: string; cuts: number[] } | undefined,
): string | undefined | null {
  const end = xml.length;
  const encode = mode.encode;
  let position = 0;
  const declaration = (mode.bytes ? DECLARATION_UTF8 : DECLARATION).exec(xml);
  if (declaration) position = declaration[0].length;
  // Appending to a string builds a rope that is flattened once; cheaper than joining thousands of parts.
  let out = '';
  let run = position;
  const stack: StartTag[] = [];
  const top = topContext(mode);
  let rootClosed = false;
  /** The depth of the outermost located element open, -1 when none is. */
  let locatedAt = -1;
  /** The last start tag met (in its context, not the apex's of a located element). */
  let previous: StartTag | undefined;
  // Gaps (not while locating elements): the last one met, and the one being recorded.
  const gaps = locate === undefined;
  let lastGap: Gap | undefined;
  let recording: Recording | undefined;
  // The next '&', carriage return and '>' at or after `position` once brought up to date: text with none of
  // them before its next tag is its own canonical form.
  let amp = -1;
  let cr = -1;
  let gt = -1;
  // Where the comments last left out end, and the character before them.
  let droppedTo = -1;
  let droppedBefore = 0;
  while (position < end) {
    const next = find(xml, '<', position);
    if (next > position) {
      if (stack.length > 0) {
        if (amp < position) amp = find(xml, '&', position);
        if (cr < position) cr = find(xml, '\r', position);
        if (gt < position) gt = find(xml, '>', position);
        if (amp < next || cr < next || gt < next) {
          // A parser would turn a carriage return into a line feed: general path.
          if (cr < next) return undefined;
          const decoded = decode(xml.slice(position, next), mode.bytes, mode.bytes || encode);
          if (decoded == null) return decoded;
          if (run < position) {
            out += copy(xml, run, position, encode);
          }
          const escaped = escapeText(decoded);
          out += encode ? utf8Bytes(escaped) : escaped;
          run = next;
          if (recording !== undefined) {
            lastGap = finish(recording, xml, top, lastGap);
            recording = undefined;
          }
        } else if (recording !== undefined) {
          const text = xml.slice(position, next);
          if (SPACE.test(text)) recording.space = text;
          else {
            lastGap = finish(recording, xml, top, lastGap);
            recording = undefined;
          }
        }
      } else {
        if (trimmed(xml.slice(position, next), mode.bytes) !== '') return undefined; // text outside the root element
        if (run < position) {
          out += copy(xml, run, position, encode);
        }
        run = next;
        if (recording !== undefined) {
          lastGap = finish(recording, xml, top, lastGap);
          recording = undefined;
        }
      }
    }
    if (next === end) break;
    const second = xml.charCodeAt(next + 1);
    if (second === 33 /* '!' */ && xml.startsWith('<!--', next)) {
      if (recording !== undefined) {
        lastGap = finish(recording, xml, top, lastGap);
        recording = undefined;
      }
      const close = xml.indexOf('-->', next + 4);
      if (close === -1) return undefined;
      const comment = xml.slice(next + 4, close);
      if (comment.includes('--') || comment.endsWith('-') || comment.includes('\r')) return undefined;
      position = close + 3;
      // Inside the root element, a kept comment is its own canonical form.
      if (!mode.comments || stack.length === 0) {
        if (encode && stack.length > 0) {
          // Encoded piece by piece, the texts on either side of a comment left out must not be the halves of
          // one character (a lone high and a lone low surrogate, which the whole text joins): then the text
          // form decides.
          const before = next === droppedTo ? droppedBefore : xml.charCodeAt(next - 1);
          const after = xml.charCodeAt(position);
          if (before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff) return null;
          droppedBefore = before;
          droppedTo = position;
        }
        if (run < next) {
          out += copy(xml, run, next, encode);
        }
        run = position;
        // Outside the root element, a comment is set apart from it by a line feed.
        if (mode.comments) {
          const written = rootClosed ? `\n<!--${comment}-->` : `<!--${comment}-->\n`;
          out += encode ? utf8Bytes(written) : written;
        }
      }
      continue;
    }
    if (gaps && !rootClosed) {
      if (recording === undefined) {
        const gap = lastGap === undefined ? top.firstGap : lastGap.successor;
        if (gap !== undefined && gapFits(gap, stack, xml, next)) {
          for (let i = gap.closes.length; i > 0; i--) stack.pop();
          const opens = gap.opens;
          for (let i = 0; i < opens.length; i++) stack.push(opens[i]!);
          position = next + gap.text.length;
          if (!gap.verbatim) {
            if (run < next) {
              out += copy(xml, run, next, encode);
            }
            out += encode ? (gap.outputUtf8 ??= utf8Bytes(gap.output)) : gap.output;
            run = position;
          }
          if (gap.last !== undefined) previous = gap.last;
          lastGap = gap;
          continue;
        }
        recording = recordingAt(next, stack);
      }
    }
    if (gt < next) gt = find(xml, '>', next);
    if (second === 47 /* '/' */) {
      // A gap closes elements, then opens others.
      if (recording !== undefined && recording.based) {
        lastGap = finish(recording, xml, top, lastGap);
        recording = recordingAt(next, stack);
      }
      // A closing tag: the name must be exactly the open element's (which also validates it).
      const tag = stack.pop();
      if (!tag) return undefined;
      const name = tag.name;
      // (a slice compared is faster here than startsWith at a position)
      if (gt === end || gt !== next + 2 + name.length || xml.slice(next + 2, gt) !== name) {
        if (gt === end) return undefined; // an unfinished tag
        const written = xml.slice(next + 2, gt);
        if ((mode.bytes ? textOfBytes(written) : written).trimEnd() !== name) return undefined;
        if (run < next) {
          out += copy(xml, run, next, encode);
        }
        out += tag.close;
        run = gt + 1;
      }
      position = gt + 1;
      if (recording !== undefined) {
        if (stack.length === 0) {
          // the root element's end is no part of a gap
          lastGap = finish(recording, xml, top, lastGap);
          recording = undefined;
        } else {
          recording.output += recording.space + tag.close;
          recording.space = '';
          recording.closes.push(tag);
          recording.base = stack[stack.length - 1];
          recording.end = position;
        }
      }
      if (stack.length === locatedAt) {
        if (run < position) out += xml.slice(run, position);
        run = position;
        locate!.cuts.push(out.length);
        locatedAt = -1;
      }
      if (stack.length === 0) rootClosed = true;
      continue;
    }
    if (gt === end || rootClosed) return undefined; // an unfinished tag; a second root element
    position = gt + 1;
    const context = stack.length > 0 ? stack[stack.length - 1]!.inner : top;
    const predicted = previous === undefined ? top.first : previous.successor;
    let tag: StartTag | undefined | null;
    if (
      predicted !== undefined &&
      predicted.context === context &&
      predicted.raw.length === position - next &&
      xml.slice(next, position) === predicted.raw
    ) {
      tag = predicted;
    } else {
      tag = tagIn(context, xml.slice(next, position), xml, next, mode);
      if (!tag) return tag;
      if (previous === undefined) top.first = tag;
      else previous.successor = tag;
    }
    previous = tag;
    if (
      locate !== undefined &&
      locatedAt === -1 &&
      tag.local === locate.local &&
      tag.namespace === locate.namespace
    ) {
      if (run < next) out += xml.slice(run, next);
      run = next;
      locate.cuts.push(out.length);
      locatedAt = stack.length;
      if (context.rendered !== undefined) {
        context.apex ??= newContext(context.scope, undefined);
        tag = tagIn(context.apex, tag.raw, xml, next, mode)!;
      }
    }
    if (recording !== undefined) {
      if (tag.selfClosing && stack.length === 0) {
        // an empty root element: no part of a gap
        lastGap = finish(recording, xml, top, lastGap);
        recording = undefined;
      } else {
        recording.based = true;
        recording.output += recording.space + tag.written;
        recording.space = '';
        if (!tag.selfClosing) recording.opens.push(tag);
        recording.last = tag;
        recording.end = position;
      }
    }
    if (!tag.verbatim) {
      if (run < next) {
        out += copy(xml, run, next, encode);
      }
      out += encode ? (tag.writtenUtf8 ??= utf8Bytes(tag.written)) : tag.written;
      run = position;
    }
    if (!tag.selfClosing) stack.push(tag);
    else {
      if (stack.length === locatedAt) {
        if (run < position) out += xml.slice(run, position);
        run = position;
        locate!.cuts.push(out.length);
        locatedAt = -1;
      }
      if (stack.length === 0) rootClosed = true;
    }
  }
  if (stack.length > 0 || !rootClosed) return undefined;
  if (recording !== undefined) finish(recording, xml, top, lastGap);
  if (run < position) {
    out += copy(xml, run, position, encode);
  }
  return out;
}

/** The start tag `raw` (at `at` in `xml`) in `context`, rendered once per context; undefined outside the profile. */
function tagIn(
  context: Context,
  raw: string,
  xml: string,
  at: number,
  mode: Mode,
): StartTag | undefined | null {
  let tag = context.tags.get(raw);
  if (!tag) {
    TAG.lastIndex = at;
    const match = TAG.exec(xml); // also refuses `<!` (DTD, CDATA) and `<?` (processing instruction)
    if (!match || TAG.lastIndex !== at + raw.length) return undefined;
    const rendered = startTag(match, context, mode);
    if (!rendered) return rendered;
    tag = rendered;
    context.tags.set(raw, tag);
    remembered++;
  }
  return tag;
}

/** Namespace URIs in the order canonical XML sorts attributes by: of the text, also when given as bytes. */
function compareNamespaces(a: string, b: string, bytes: boolean): number {
  return bytes ? compare(textOfBytes(a), textOfBytes(b)) : compare(a, b);
}

/** Renders a start tag in `context`; undefined when it is outside the profile. */
function startTag(match: RegExpExecArray, context: Context, mode: Mode): StartTag | undefined | null {
  const [raw, closing, name, attributeText, selfClosing] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  if (closing || raw.includes('\r')) return undefined; // a malformed end tag; a raw CR: general path
  const bytes = mode.bytes;
  const pattern = bytes ? ATTRIBUTE_UTF8 : ATTRIBUTE;
  let scope = context.scope;
  if (attributeText && trimmed(attributeText.replace(pattern, ''), bytes) !== '') return undefined; // not only attributes
  const attributes: Array<{ prefix: string; local: string; qname: string; value: string }> = [];
  for (const attribute of attributeText ? attributeText.matchAll(pattern) : []) {
    const qname = attribute[1]!;
    const raw = attribute[2] ?? attribute[3] ?? '';
    // Attribute-value normalization: literal whitespace becomes a space; references keep their character.
    const value = decode(raw.replace(/[\t\n]/g, ' '), bytes, bytes || mode.encode);
    if (value == null) return value;
    if (qname === 'xmlns' || qname.startsWith('xmlns:')) {
      scope = { prefix: qname === 'xmlns' ? '' : qname.slice(6), uri: value, next: scope };
    } else {
      const colon = qname.indexOf(':');
      attributes.push({
        prefix: colon === -1 ? '' : qname.slice(0, colon),
        local: qname.slice(colon + 1),
        qname,
        value,
      });
    }
  }
  const colon = name.indexOf(':');
  const prefix = colon === -1 ? '' : name.slice(0, colon);
  if (prefix && lookup(scope, prefix) === undefined) return undefined; // undeclared prefix
  let rendered = context.rendered;
  let declarations: Array<[string, string]> | undefined;
  // Visibly utilized prefixes: the element's own, then its attributes' (exc-c14n renders only those).
  for (let k = -1; k < attributes.length; k++) {
    const p = k === -1 ? prefix : attributes[k]!.prefix;
    if (k >= 0 && (p === '' || p === 'xml')) continue;
    const uri = lookup(scope, p);
    if (k >= 0 && uri === undefined) return undefined; // undeclared attribute prefix
    const shown = lookup(rendered, p);
    if (p === '' && (uri ?? '') === '' && shown === undefined) continue; // no default namespace anywhere
    if (shown === (uri ?? '')) continue;
    rendered = { prefix: p, uri: uri ?? '', next: rendered };
    (declarations ??= []).push([p, uri ?? '']);
  }
  // Prefixes of the InclusiveNamespaces list: rendered wherever in scope and not shown by an output ancestor.
  for (const p of mode.inclusive) {
    const uri = lookup(scope, p);
    if (uri === undefined || p === 'xml') continue;
    const shown = lookup(rendered, p);
    if (p === '' && uri === '' && shown === undefined) continue;
    if (shown === uri) continue;
    rendered = { prefix: p, uri, next: rendered };
    (declarations ??= []).push([p, uri]);
  }
  if (declarations && declarations.length > 1) declarations.sort((a, b) => compare(a[0], b[0]));
  if (attributes.length > 1) {
    attributes.sort((a, b) => {
      const nsA = a.prefix ? lookup(scope, a.prefix)! : '';
      const nsB = b.prefix ? lookup(scope, b.prefix)! : '';
      return compareNamespaces(nsA, nsB, bytes) || compare(a.local, b.local);
    });
  }
  let open = `<${name}`;
  for (const [p, uri] of declarations ?? [])
    open += p ? ` xmlns:${p}="${escapeAttribute(uri)}"` : ` xmlns="${escapeAttribute(uri)}"`;
  for (const attribute of attributes) open += ` ${attribute.qname}="${escapeAttribute(attribute.value)}"`;
  open = own(`${open}>`);
  const close = own(`</${name}>`);
  const empty = selfClosing !== '';
  return {
    raw: own(raw),
    context,
    name: own(name),
    namespace: lookup(scope, prefix) ?? '',
    local: own(name.slice(colon + 1)),
    open,
    close,
    selfClosing: empty,
    written: empty ? own(open + close) : open,
    verbatim: !empty && open === raw,
    inner: newContext(scope, rendered),
    successor: undefined,
    writtenUtf8: undefined,
  };
}
