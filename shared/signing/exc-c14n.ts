/**
 * Exclusive XML canonicalization (https://www.w3.org/TR/xml-exc-c14n/, with or without comments, with or
 * without an InclusiveNamespaces prefix list) of a whole document or of elements within it, computed in one pass over
 * the text, for the XML profile this service writes itself and most documents share: elements, attributes,
 * text, comments, and the predefined and numeric character references; no DTD, processing instructions
 * (other than the XML declaration) or CDATA. Anything outside that profile returns `undefined`, and the
 * caller uses a general canonicalizer.
 */

const NAME = '[A-Za-z_][\\w.-]*(?::[A-Za-z_][\\w.-]*)?';
// A tag; its attributes are matched, completely, separately. A '>' inside an attribute value ends the tag
// early, its attributes then do not match completely, and the general path takes over.
const TAG = /<(\/?)([A-Za-z_][\w.:-]*)([^>]*?)(\/?)>/y;
const ATTRIBUTE = new RegExp(`(${NAME})\\s*=\\s*(?:"([^"<]*)"|'([^'<]*)')`, 'g');
const ENTITY = /&(?:#x([0-9A-Fa-f]+)|#([0-9]+)|(amp|lt|gt|quot|apos));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string): string | undefined {
  if (!text.includes('&')) return text;
  if (/&(?!(?:#x[0-9A-Fa-f]+|#[0-9]+|amp|lt|gt|quot|apos);)/.test(text)) return undefined; // other entities
  return text.replace(
    ENTITY,
    (_, hex: string | undefined, dec: string | undefined, name: string | undefined) =>
      name ? NAMED[name]! : String.fromCodePoint(parseInt(hex ?? dec!, hex ? 16 : 10)),
  );
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
}

interface StartTag {
  name: string;
  /** The element's namespace URI ('' for none) and local name. */
  namespace: string;
  local: string;
  /** The canonical start tag, and with it the end tag for an empty-element tag. */
  open: string;
  close: string;
  selfClosing: boolean;
  /** The context of the element's children. */
  inner: Context;
}

interface Frame {
  name: string;
  close: string;
  context: Context;
  /** An element `canonicalizeLocating` looks for. */
  located: boolean;
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
}

function modeOf(options: CanonicalizeOptions): Mode {
  return {
    comments: options.comments === true,
    inclusive: (options.inclusivePrefixes ?? []).map((p) => (p === '#default' ? '' : p)),
  };
}

export function exclusiveCanonicalize(xml: string, options: CanonicalizeOptions = {}): string | undefined {
  return canonicalize(xml, modeOf(options), undefined);
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
  if (canonical === undefined) return undefined;
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
 * Rendered start tags are kept across documents (the service writes the same tags in the same contexts
 * again and again), up to a bound: past it, everything is forgotten and built anew.
 */
const MAX_REMEMBERED_TAGS = 20_000;
const tops = new Map<string, Context>();
let remembered = 0;

function topContext(inclusive: readonly string[]): Context {
  if (remembered > MAX_REMEMBERED_TAGS) {
    tops.clear();
    remembered = 0;
  }
  const key = inclusive.join(' ');
  let top = tops.get(key);
  if (!top) {
    top = { scope: ROOT_SCOPE, rendered: undefined, tags: new Map() };
    tops.set(key, top);
  }
  return top;
}

function canonicalize(
  xml: string,
  mode: Mode,
  locate: { namespace: string; local: string; cuts: number[] } | undefined,
): string | undefined {
  let position = 0;
  let locatedDepth = 0;
  const declaration = /^\uFEFF?<\?xml[^?]*\?>/.exec(xml);
  if (declaration) position = declaration[0].length;
  // Appending to a string builds a rope that is flattened once; cheaper than joining thousands of parts.
  let out = '';
  const stack: Frame[] = [];
  const top = topContext(mode.inclusive);
  let rootClosed = false;
  while (position < xml.length) {
    const next = xml.indexOf('<', position);
    const text = xml.slice(position, next === -1 ? xml.length : next);
    if (stack.length > 0) {
      if (text !== '') {
        if (text.includes('\r')) return undefined; // a parser would turn it into a line feed: general path
        const decoded = decode(text);
        if (decoded === undefined) return undefined;
        out += escapeText(decoded);
      }
    } else if (text.trim() !== '') {
      return undefined; // text outside the root element
    }
    if (next === -1) break;
    if (xml.startsWith('<!--', next)) {
      const end = xml.indexOf('-->', next + 4);
      if (end === -1) return undefined;
      const comment = xml.slice(next + 4, end);
      if (comment.includes('--') || comment.endsWith('-') || comment.includes('\r')) return undefined;
      if (mode.comments) {
        // Outside the root element, a comment is set apart from it by a line feed.
        if (stack.length > 0) out += `<!--${comment}-->`;
        else if (rootClosed) out += `\n<!--${comment}-->`;
        else out += `<!--${comment}-->\n`;
      }
      position = end + 3;
      continue;
    }
    if (xml.charCodeAt(next + 1) === 47 /* '/' */) {
      // A closing tag: the name must be exactly the open element's (which also validates it).
      const frame = stack.pop();
      if (!frame) return undefined;
      let end = next + 2 + frame.name.length;
      if (!xml.startsWith(frame.name, next + 2) || xml.charCodeAt(end) !== 62 /* '>' */) {
        end = xml.indexOf('>', next);
        if (end === -1 || xml.slice(next + 2, end).trimEnd() !== frame.name) return undefined;
      }
      out += frame.close;
      if (frame.located && --locatedDepth === 0) locate!.cuts.push(out.length);
      if (stack.length === 0) rootClosed = true;
      position = end + 1;
      continue;
    }
    const gt = xml.indexOf('>', next);
    if (gt === -1 || rootClosed) return undefined; // an unfinished tag; a second root element
    position = gt + 1;
    const context = stack.length > 0 ? stack[stack.length - 1]!.context : top;
    const raw = xml.slice(next, position);
    let tag = tagIn(context, raw, xml, next, mode.inclusive);
    if (!tag) return undefined;
    const located = locate !== undefined && tag.local === locate.local && tag.namespace === locate.namespace;
    if (located && locatedDepth++ === 0) {
      locate.cuts.push(out.length);
      if (context.rendered !== undefined) {
        context.apex ??= { scope: context.scope, rendered: undefined, tags: new Map() };
        tag = tagIn(context.apex, raw, xml, next, mode.inclusive)!;
      }
    }
    out += tag.open;
    if (tag.selfClosing) {
      out += tag.close;
      if (located && --locatedDepth === 0) locate.cuts.push(out.length);
      if (stack.length === 0) rootClosed = true;
    } else {
      stack.push({ name: tag.name, close: tag.close, context: tag.inner, located });
    }
  }
  if (stack.length > 0 || !rootClosed) return undefined;
  return out;
}

/** The start tag `raw` (at `at` in `xml`) in `context`, rendered once per context; undefined outside the profile. */
function tagIn(
  context: Context,
  raw: string,
  xml: string,
  at: number,
  inclusive: readonly string[],
): StartTag | undefined {
  let tag = context.tags.get(raw);
  if (!tag) {
    TAG.lastIndex = at;
    const match = TAG.exec(xml); // also refuses `<!` (DTD, CDATA) and `<?` (processing instruction)
    if (!match || TAG.lastIndex !== at + raw.length) return undefined;
    tag = startTag(match, context, inclusive);
    if (!tag) return undefined;
    context.tags.set(raw, tag);
    remembered++;
  }
  return tag;
}

/** Renders a start tag in `context`; undefined when it is outside the profile. */
function startTag(
  match: RegExpExecArray,
  context: Context,
  inclusive: readonly string[],
): StartTag | undefined {
  const [, closing, name, attributeText, selfClosing] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  if (closing || match[0].includes('\r')) return undefined; // a malformed end tag; a raw CR: general path
  let scope = context.scope;
  if (attributeText && attributeText.replace(ATTRIBUTE, '').trim() !== '') return undefined; // not only attributes
  const attributes: Array<{ prefix: string; local: string; qname: string; value: string }> = [];
  for (const attribute of attributeText ? attributeText.matchAll(ATTRIBUTE) : []) {
    const qname = attribute[1]!;
    const raw = attribute[2] ?? attribute[3] ?? '';
    // Attribute-value normalization: literal whitespace becomes a space; references keep their character.
    const value = decode(raw.replace(/[\t\n]/g, ' '));
    if (value === undefined) return undefined;
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
  for (const p of inclusive) {
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
      return compare(nsA, nsB) || compare(a.local, b.local);
    });
  }
  let open = `<${name}`;
  for (const [p, uri] of declarations ?? [])
    open += p ? ` xmlns:${p}="${escapeAttribute(uri)}"` : ` xmlns="${escapeAttribute(uri)}"`;
  for (const attribute of attributes) open += ` ${attribute.qname}="${escapeAttribute(attribute.value)}"`;
  return {
    name,
    namespace: lookup(scope, prefix) ?? '',
    local: name.slice(colon + 1),
    open: `${open}>`,
    close: `</${name}>`,
    selfClosing: selfClosing !== '',
    inner: { scope, rendered, tags: new Map() },
  };
}
