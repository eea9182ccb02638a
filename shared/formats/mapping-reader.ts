import { invalidInput } from '../errors';
import type { SourceLocation } from './format';
import type { MappingDefinition, MappingNode, MappingValue } from './mapping';
import { pathKeys } from './paths';
import { negatedText } from '../model/exact-decimal';
import { knownNamespace } from '../xml/namespaces';
import { sharedName } from '../xml/xml-tree';

/**
 * The inbound direction of a mapping: the same template, read against a parsed document. Each template
 * element claims the document's elements that fit it — same name and namespace, the constants it writes
 * (a scheme, a type code) present with the same value, a template's pattern matched, and no conflict with
 * a value already read (a currency, say) — most specific templates first, then in template order. What an
 * element carries is written back to the paths the template reads from; `forEach` collects items,
 * `scope` and `bind` write into the object or the names they stand for. Constants, defaults and formats
 * are not written back: the canonical values are the document's own text.
 */

type Obj = Record<string, unknown>;

interface XmlElement {
  namespaceURI: string | null;
  localName: string | null;
  /** Its element children, in document order. */
  readonly children: readonly XmlElement[];
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
  textContent: string | null;
  readonly nodeName: string;
  readonly parentNode: XmlElement | null;
  /** 1-based line of the start tag. */
  readonly line: number;
}

/** Where a value of the canonical document was read from: an element, or an attribute of one. */
type Origin = XmlElement | { readonly el: XmlElement; readonly attr: string };

interface ReadNode {
  /** Constants and patterns it checks: more specific nodes claim first. */
  readonly specificity: number;
  /** The element names (`{namespace}local`) it can take. */
  readonly names: string[];
  /** Writes only constants (a tax scheme `VAT`): nothing to read, but something to recognise. */
  readonly pureConstant: boolean;
  /**
   * Carries a constant of its own (a scheme, a type code) and is not repeated: when siblings of one name
   * must be told apart, an element it takes must have it.
   */
  readonly keyed: boolean;
  /**
   * Called when a sibling template can take elements of the same name: from then on its constants must be
   * present in an element for it to take it (two `PartyTaxScheme`s, one `VAT` and one `FC`).
   */
  discriminate(): void;
  /**
   * Called under a template that is told apart from a sibling (the VAT total in the document currency and the
   * one in the VAT accounting currency): a value it reads into the document's root must agree with the one
   * already read there, or it does not take the element.
   */
  strictly(): void;
  /** Whether this node (or one of its alternatives) takes `el`. */
  accepts(el: XmlElement, scope: Obj, root: Obj): boolean;
  /** Claims what it takes among the unclaimed `siblings`, and reads it into `scope`. */
  claim(siblings: Siblings, scope: Obj, root: Obj, ctx: ReadContext): void;
  /** Reads one element it accepts into `scope` (for items of a `forEach` around a choice). */
  readOne(el: XmlElement, scope: Obj, root: Obj, ctx: ReadContext): void;
}

function elementChildren(el: XmlElement): readonly XmlElement[] {
  return el.children;
}

const NO_POSITIONS: readonly number[] = [];

/**
 * The element children of one element as the templates claim them: which are claimed already, and the
 * positions of those of each local name (listed once, for elements with more than a few children).
 */
class Siblings {
  readonly claimed: boolean[];
  private byLocal: Map<string | null, number[]> | undefined;

  constructor(readonly elements: readonly XmlElement[]) {
    const claimed: boolean[] = [];
    for (let i = 0; i < elements.length; i++) claimed.push(false);
    this.claimed = claimed;
  }

  /** The positions of the children with this local name, in document order. */
  named(local: string): readonly number[] {
    let byLocal = this.byLocal;
    if (byLocal === undefined) {
      byLocal = this.byLocal = new Map();
      const elements = this.elements;
      for (let i = 0; i < elements.length; i++) {
        const name = elements[i]!.localName;
        const positions = byLocal.get(name);
        if (positions === undefined) byLocal.set(name, [i]);
        else positions.push(i);
      }
    }
    return byLocal.get(local) ?? NO_POSITIONS;
  }
}

/** The local names of the elements a template can take (its `names` are `{namespace}local`). */
function localNamesOf(names: readonly string[]): ReadonlySet<string | null> {
  return new Set(names.map((name) => sharedName(name.slice(name.lastIndexOf('}') + 1))));
}

interface SplitPath {
  absolute: boolean;
  keys: string[];
  /** The path of the object that holds the value (`/a` of `/a.b`); undefined for a key of the scope itself. */
  parent?: SplitPath;
}

const splitPaths = new Map<string, SplitPath>();

/** `/a.b` or `a.b`, split once per distinct path (a mapping has a few hundred; each is read many times). */
function splitPath(path: string): SplitPath {
  let split = splitPaths.get(path);
  if (!split) {
    const { absolute, keys } = pathKeys(path);
    split = { absolute, keys };
    if (keys.length > 1) split.parent = splitPath(`${absolute ? '/' : ''}${keys.slice(0, -1).join('.')}`);
    if (splitPaths.size < 10_000) splitPaths.set(path, split);
  }
  return split;
}

function getAt(scope: Obj, root: Obj, path: SplitPath): unknown {
  const { absolute, keys } = path;
  let value: unknown = absolute ? root : scope;
  for (const key of keys) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Obj)[key];
  }
  return value;
}

/** The object at `path`, created (with its parents) when missing. */
function objectAt(scope: Obj, root: Obj, path: SplitPath): Obj {
  const { absolute, keys } = path;
  let target: Obj = absolute ? root : scope;
  for (const key of keys) {
    const next = target[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) target[key] = {};
    target = target[key] as Obj;
  }
  return target;
}

function listAt(scope: Obj, root: Obj, path: SplitPath): unknown[] {
  const { absolute, keys } = path;
  let target: Obj = absolute ? root : scope;
  for (const key of keys.slice(0, -1)) {
    const next = target[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) target[key] = {};
    target = target[key] as Obj;
  }
  const last = keys[keys.length - 1]!;
  if (!Array.isArray(target[last])) target[last] = [];
  return target[last] as unknown[];
}

/** Writes `value` at `path`, and notes where it came from in the read's log (see {@link Provenance}). */
function setAt(
  scope: Obj,
  root: Obj,
  path: string,
  value: string,
  origin: Origin | BoundOrigin,
  ctx: ReadContext,
): void {
  setAtSplit(scope, root, splitPath(path), value, origin, ctx);
}

/** {@link setAt} with the path split already. */
function setAtSplit(
  scope: Obj,
  root: Obj,
  split: SplitPath,
  value: string,
  origin: Origin | BoundOrigin,
  ctx: ReadContext,
): void {
  const { absolute, keys, parent: parentPath } = split;
  const parent = parentPath !== undefined ? objectAt(scope, root, parentPath) : absolute ? root : scope;
  const key = keys[keys.length - 1]!;
  ctx.log.push(parent, key, value, origin, keys.length > 1 ? (absolute ? root : scope) : undefined);
  parent[key] = value;
}

/** Formats whose written form differs from the canonical one, turned back on reading. */
const INVERSES: Partial<Record<NonNullable<MappingValue['format']>, (text: string) => string>> = {
  date102: (text) =>
    /^\d{8}$/.test(text) ? `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6)}` : text,
  // xsd:decimal also allows "64.", ".5" and "+1"; the canonical model writes them 64, 0.5 and 1
  decimal: normalDecimal,
  decimal2: normalDecimal,
  amount: normalDecimal,
};

/** `-?[0-9]+(\.[0-9]+)?`: a decimal already written as the canonical model writes it. */
function isCanonicalDecimal(text: string): boolean {
  const length = text.length;
  let i = text.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  const start = i;
  let c = text.charCodeAt(i);
  while (c >= 48 && c <= 57) c = text.charCodeAt(++i);
  if (i === start) return false;
  if (i === length) return true;
  if (c !== 46 /* . */) return false;
  const fraction = ++i;
  c = text.charCodeAt(i);
  while (c >= 48 && c <= 57) c = text.charCodeAt(++i);
  return i === length && i > fraction;
}

function normalDecimal(text: string): string {
  if (isCanonicalDecimal(text)) return text;
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match || (match[2] === '' && !match[3])) return text;
  const [, sign, whole, fraction] = match;
  return `${sign === '-' ? '-' : ''}${whole || '0'}${fraction ? `.${fraction}` : ''}`;
}

/** Whether two texts of a value are the same value (numerically, for numbers). */
function sameValue(format: MappingValue['format'], a: string, b: string): boolean {
  if (a === b) return true;
  if (format !== 'decimal' && format !== 'amount') return false;
  const x = Number(a);
  const y = Number(b);
  return Number.isFinite(x) && x === y;
}

/** How a text of the template is read back: constant, pattern, or path. */
interface ValueReader {
  format?: MappingValue['format'];
  /** Leading and trailing white space is part of the value. */
  preserveSpace?: boolean;
  constant?: string;
  /** The text as compared with the constant. */
  normal?: (text: string) => string;
  /** Fails (undefined) when the text does not fit the pattern. */
  read(text: string): Array<[string, string]> | undefined;
  paths: string[];
  /** For a value read whole into one path: that path and how its text is turned into the canonical value. */
  single?: { path: string; split: SplitPath; absolute: boolean; value: (text: string) => string };
}

function valueReader(value: MappingValue): ValueReader {
  if (value.value !== undefined && value.matchAny) return { read: () => [], paths: [] };
  // Of alternatives, the first that reads from a path is read back
  if (value.either !== undefined) {
    const read = value.either.find((v) => v.path !== undefined);
    return read ? valueReader(read) : { read: () => [], paths: [] };
  }
  // A position is counted when written; with no path to read it back into, nothing is read
  if (value.position !== undefined && value.path === undefined) return { read: () => [], paths: [] };
  if (value.value !== undefined) {
    // xsd:boolean has two spellings of each value
    const normal = (text: string) =>
      value.format === 'boolean' ? ({ '1': 'true', '0': 'false' }[text] ?? text) : text;
    const constant = normal(value.value);
    return { constant, normal, read: (text) => (normal(text) === constant ? [] : undefined), paths: [] };
  }
  if (value.path !== undefined) {
    const path = value.path;
    const plain = INVERSES[value.format ?? 'text'] ?? ((text: string) => text);
    const unformat = value.negate ? (text: string) => negatedText(plain(text)) : plain;
    const decode = value.codes
      ? new Map(Object.entries(value.codes).map(([canonical, written]) => [written, canonical]))
      : undefined;
    const inverse = decode ? (text: string) => decode.get(text) ?? unformat(text) : unformat;
    return {
      format: value.format,
      ...(value.space === 'preserve' ? { preserveSpace: true } : {}),
      read: (text) => [[path, inverse(text)]],
      paths: [path],
      single: { path, split: splitPath(path), absolute: path.startsWith('/'), value: inverse },
    };
  }
  const parts = value.template!.split(/(\{[^}]+\})/).filter(Boolean);
  const paths: string[] = [];
  let pattern = '^';
  parts.forEach((part, i) => {
    if (part.startsWith('{') && part.endsWith('}')) {
      paths.push(part.slice(1, -1));
      pattern += i === parts.length - 1 ? '([\\s\\S]*)' : '([\\s\\S]*?)';
    } else pattern += part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  const regex = new RegExp(`${pattern}$`);
  return {
    read: (text) => {
      const match = regex.exec(text);
      return match ? paths.map((p, i) => [p, match[i + 1]!] as [string, string]) : undefined;
    },
    paths,
  };
}

/** The scope of a template whose values go to a new object: nothing read there yet. */
const NO_SCOPE: Obj = Object.freeze({});

class ElementReader implements ReadNode {
  readonly specificity: number;
  readonly names: string[];
  readonly pureConstant: boolean;
  readonly keyed: boolean;
  private discriminating = false;
  private strict = false;
  private readonly text?: ValueReader;
  private readonly attributes: Array<[string, ValueReader]>;
  private readonly children: ReadNode[];
  /** `scope` and `forEach` of the template, split. */
  private readonly scopePath: SplitPath | undefined;
  private readonly forEachPath: SplitPath | undefined;

  constructor(
    private readonly node: MappingNode,
    private readonly namespace: string,
    private readonly local: string,
    children: ReadNode[],
    /** `mergeWith` resolved: the child that a further element must have to be read into the same scope. */
    private readonly mergeWith?: { namespace: string; local: string },
  ) {
    this.names = [`{${namespace}}${local}`];
    this.scopePath = node.scope ? splitPath(node.scope) : undefined;
    this.forEachPath = node.forEach ? splitPath(node.forEach) : undefined;
    this.text = node.text ? valueReader(node.text) : undefined;
    this.attributes = Object.entries(node.attributes ?? {})
      .filter(([name]) => name !== 'xmlns' && !name.startsWith('xmlns:'))
      .map(([name, value]) => [name, valueReader(value)]);
    this.children = [...children].sort((a, b) => b.specificity - a.specificity);
    markSiblings(this.children);
    const constants =
      (this.text?.constant !== undefined ? 1 : 0) +
      this.attributes.filter(([, r]) => r.constant !== undefined).length;
    this.specificity =
      constants +
      (this.text && this.text.constant === undefined && this.text.paths.length !== 1 ? 1 : 0) +
      (node.forEach ? 0 : children.reduce((sum, c) => sum + (c.keyed ? c.specificity : 0), 0));
    this.pureConstant =
      !node.forEach &&
      this.attributes.every(([, r]) => r.constant !== undefined) &&
      (this.text
        ? this.text.constant !== undefined
        : children.length > 0 && children.every((c) => c.pureConstant));
    this.keyed = !node.forEach && (this.pureConstant || constants > 0);
    if (node.distinct) this.discriminate();
  }

  discriminate(): void {
    this.discriminating = true;
    for (const child of this.children) if (child.keyed) child.discriminate();
    // Without a constant of its own to be told apart by, the values it reads tell it apart.
    if (!this.keyed && !this.children.some((c) => c.keyed))
      for (const child of this.children) child.strictly();
  }

  strictly(): void {
    // the items of a list within it (the VAT breakdown of a VAT total) are not what tells it apart
    if (this.node.forEach) return;
    this.strict = true;
    for (const child of this.children) child.strictly();
  }

  /** The scope the element's values go to, for the conflict check; undefined when it is a new one. */
  private target(scope: Obj, root: Obj): Obj | undefined {
    if (this.node.forEach || this.node.bind) return undefined;
    if (!this.node.scope) return scope;
    const value = getAt(scope, root, this.scopePath!);
    return value !== null && typeof value === 'object' ? (value as Obj) : undefined;
  }

  accepts(el: XmlElement, scope: Obj, root: Obj): boolean {
    if (el.localName !== this.local || (el.namespaceURI ?? '') !== this.namespace) return false;
    const target = this.target(scope, root);
    for (const [name, reader] of this.attributes) {
      if (!this.fits(reader, el.hasAttribute(name) ? el.getAttribute(name) : null, target, root))
        return false;
    }
    if (this.text && !this.fits(this.text, el.textContent, target, root)) return false;
    if (!this.discriminating) return true;
    // Its constant parts (a type code, a tax scheme) must be there.
    const children = elementChildren(el);
    return this.children.every(
      (child) => !child.keyed || children.some((c) => child.accepts(c, target ?? {}, root)),
    );
  }

  /** Whether a text of the element (or its absence: `null`) fits what the template writes there. */
  private fits(reader: ValueReader, text: string | null, target: Obj | undefined, root: Obj): boolean {
    if (reader.constant !== undefined)
      return !this.discriminating || (text !== null && reader.normal!(text.trim()) === reader.constant);
    if (text === null) return true;
    const single = reader.single;
    if (single !== undefined) {
      // one value, always read: only a contradiction keeps the element from the template
      if (single.absolute ? !this.discriminating && !this.strict : !target) return true;
      const existing = getAt(target ?? NO_SCOPE, root, single.split);
      return typeof existing !== 'string' || sameValue(reader.format, existing, single.value(text.trim()));
    }
    const values = reader.read(text.trim());
    if (!values) return false;
    // A value already read elsewhere must not be contradicted where it tells templates of the same element
    // apart (the VAT total in the document currency from the one in the VAT accounting currency). Else the
    // element is read all the same and the contradicting value left unread (see `readOne`).
    for (const [path, value] of values) {
      const absolute = path.startsWith('/');
      if (absolute ? !this.discriminating && !this.strict : !target) continue;
      const existing = getAt(target ?? NO_SCOPE, root, splitPath(path));
      if (typeof existing === 'string' && !sameValue(reader.format, existing, value)) return false;
    }
    return true;
  }

  claim(siblings: Siblings, scope: Obj, root: Obj, ctx: ReadContext): void {
    const { elements, claimed } = siblings;
    const local = this.local;
    // the name first: most of the siblings are other elements
    if (elements.length <= 8) {
      let read = 0;
      for (let i = 0; i < elements.length; i++) {
        const child = elements[i]!;
        if (claimed[i] || child.localName !== local) continue;
        if (!this.claimOne(child, i, read, claimed, scope, root, ctx)) continue;
        read++;
        if (!this.node.forEach && !this.mergeWith) return;
      }
      return;
    }
    const named = siblings.named(local);
    let read = 0;
    for (let n = 0; n < named.length; n++) {
      const i = named[n]!;
      if (claimed[i] || !this.claimOne(elements[i]!, i, read, claimed, scope, root, ctx)) continue;
      read++;
      if (!this.node.forEach && !this.mergeWith) return;
    }
  }

  /** Claims and reads the sibling `i` of its name if it takes it (the `read`-th so far): whether it did. */
  private claimOne(
    child: XmlElement,
    i: number,
    read: number,
    claimed: boolean[],
    scope: Obj,
    root: Obj,
    ctx: ReadContext,
  ): boolean {
    if (!this.accepts(child, scope, root)) return false;
    if (read > 0 && !this.node.forEach && !this.merges(child)) return false;
    claimed[i] = true;
    this.readOne(child, scope, root, ctx);
    return true;
  }

  /** Whether a further element is read into the same scope: it has the child `mergeWith` names. */
  private merges(el: XmlElement): boolean {
    const wanted = this.mergeWith;
    return (
      wanted !== undefined &&
      elementChildren(el).some(
        (c) => c.localName === wanted.local && (c.namespaceURI ?? '') === wanted.namespace,
      )
    );
  }

  readOne(el: XmlElement, scope: Obj, root: Obj, ctx: ReadContext): void {
    let target: Obj;
    if (this.node.forEach) {
      const item: Obj = {};
      listAt(this.scopePath ? objectAt(scope, root, this.scopePath) : scope, root, this.forEachPath!).push(
        item,
      );
      ctx.containers.set(item, el);
      target = item;
    } else if (this.node.scope) {
      target = objectAt(scope, root, this.scopePath!);
      if (!ctx.containers.has(target)) ctx.containers.set(target, el);
    } else target = this.node.bind ? {} : scope;
    // the group's object: the one made for the element, or for a group without a scope of its own (a credit
    // transfer's account within its payment means) the scope it reads into
    if (this.node.group && !this.node.bind) ctx.groups.add(target);
    // An element with no text is a business term that is absent: its attributes (a scheme, a MIME code, a
    // currency) describe nothing and are not read either (`<ram:URIID schemeID="EM"/>`).
    if (this.text && this.text.constant === undefined && this.text.paths.length > 0) {
      const text = el.textContent ?? '';
      if ((this.text.preserveSpace ? text : text.trim()) === '') return;
    }
    for (const [name, reader] of this.attributes) {
      const text = el.getAttribute(name);
      if (text !== null && el.hasAttribute(name)) {
        const values = reader.read(text.trim());
        if (values && values.length > 0) {
          const origin = { el, attr: name };
          for (const [path, v] of values) {
            // One document currency: an amount in another one keeps its amount, not its currency
            const existing = path.startsWith('/') ? getAt({}, root, splitPath(path)) : undefined;
            if (typeof existing === 'string' && !sameValue(reader.format, existing, v))
              ctx.unread.push(origin);
            else setAt(target, root, path, v, origin, ctx);
          }
        }
      }
    }
    if (this.text) {
      const raw = el.textContent ?? '';
      const text = this.text.preserveSpace ? raw : raw.trim();
      const single = this.text.single;
      if (single !== undefined) setAtSplit(target, root, single.split, single.value(text), el, ctx);
      else for (const [path, v] of this.text.read(text) ?? []) setAt(target, root, path, v, el, ctx);
    } else {
      readChildren(elementChildren(el), this.children, target, root, ctx);
    }
    if (this.node.bind) bindInto(this.node.bind, target, scope, root, ctx);
  }
}

/** Writes the values read into a `bind` scope to the paths they stand for, with their origins. */
function bindInto(bind: Record<string, string>, bound: Obj, scope: Obj, root: Obj, ctx: ReadContext): void {
  for (const [name, path] of Object.entries(bind)) {
    const value = bound[name];
    if (typeof value === 'string') setAt(scope, root, path, value, { bound, name }, ctx);
  }
}

/** Templates that take elements of the same name as a sibling must tell theirs apart by their constants. */
function markSiblings(readers: ReadNode[]): void {
  const counts = new Map<string, number>();
  for (const reader of readers)
    for (const name of new Set(reader.names)) counts.set(name, (counts.get(name) ?? 0) + 1);
  for (const reader of readers) if (reader.names.some((name) => counts.get(name)! > 1)) reader.discriminate();
}

/** A choice between alternatives: each document element goes to the first alternative that takes it. */
class ChoiceReader implements ReadNode {
  readonly specificity: number;
  readonly names: string[];
  readonly pureConstant = false;
  readonly keyed = false;

  private readonly locals: ReadonlySet<string | null>;

  constructor(private readonly alternatives: ReadNode[]) {
    this.specificity = Math.min(...alternatives.map((a) => a.specificity));
    this.names = alternatives.flatMap((a) => a.names);
    this.locals = localNamesOf(this.names);
  }

  strictly(): void {
    for (const alternative of this.alternatives) alternative.strictly();
  }

  discriminate(): void {
    for (const alternative of this.alternatives) alternative.discriminate();
  }

  accepts(el: XmlElement, scope: Obj, root: Obj): boolean {
    return this.alternatives.some((a) => a.accepts(el, scope, root));
  }

  claim(siblings: Siblings, scope: Obj, root: Obj, ctx: ReadContext): void {
    const { elements, claimed } = siblings;
    for (let i = 0; i < elements.length; i++) {
      // no alternative takes an element of another name
      if (claimed[i] || !this.locals.has(elements[i]!.localName)) continue;
      const alternative = this.alternativeFor(elements[i]!, scope, root);
      if (alternative) return alternative.claim(siblings, scope, root, ctx);
    }
  }

  readOne(el: XmlElement, scope: Obj, root: Obj, ctx: ReadContext): void {
    this.alternativeFor(el, scope, root)?.readOne(el, scope, root, ctx);
  }

  /** The first alternative that takes `el`. */
  private alternativeFor(el: XmlElement, scope: Obj, root: Obj): ReadNode | undefined {
    for (const alternative of this.alternatives) if (alternative.accepts(el, scope, root)) return alternative;
    return undefined;
  }
}

/** Inserted nodes (a fragment, a choice) with their own scope, binding or repetition. */
class GroupReader implements ReadNode {
  readonly specificity: number;
  readonly names: string[];
  readonly pureConstant = false;
  readonly keyed = false;

  constructor(
    private readonly node: MappingNode,
    private readonly inner: ReadNode[],
  ) {
    this.specificity = node.forEach ? 0 : Math.max(0, ...inner.map((c) => c.specificity));
    this.names = inner.flatMap((r) => r.names);
    this.locals = localNamesOf(this.names);
    this.scopePath = node.scope ? splitPath(node.scope) : undefined;
    this.forEachPath = node.forEach ? splitPath(node.forEach) : undefined;
    markSiblings(inner);
  }

  private readonly locals: ReadonlySet<string | null>;
  private readonly scopePath: SplitPath | undefined;
  private readonly forEachPath: SplitPath | undefined;

  discriminate(): void {
    for (const reader of this.inner) reader.discriminate();
  }

  strictly(): void {
    if (this.node.forEach) return;
    for (const reader of this.inner) reader.strictly();
  }

  accepts(el: XmlElement, scope: Obj, root: Obj): boolean {
    return this.inner.some((r) => r.accepts(el, scope, root));
  }

  claim(siblings: Siblings, scope: Obj, root: Obj, ctx: ReadContext): void {
    if (this.node.forEach) {
      const list = listAt(
        this.scopePath ? objectAt(scope, root, this.scopePath) : scope,
        root,
        this.forEachPath!,
      );
      const { elements, claimed } = siblings;
      for (let i = 0; i < elements.length; i++) {
        // none of its readers takes an element of another name
        if (claimed[i] || !this.locals.has(elements[i]!.localName)) continue;
        const reader = this.readerFor(elements[i]!, NO_SCOPE, root);
        if (!reader) continue;
        claimed[i] = true;
        const item: Obj = {};
        list.push(item);
        ctx.containers.set(item, elements[i]!);
        reader.readOne(elements[i]!, item, root, ctx);
      }
      return;
    }
    const target = this.scopePath ? objectAt(scope, root, this.scopePath) : this.node.bind ? {} : scope;
    for (const reader of this.inner) reader.claim(siblings, target, root, ctx);
    if (this.node.bind) bindInto(this.node.bind, target, scope, root, ctx);
  }

  readOne(el: XmlElement, scope: Obj, root: Obj, ctx: ReadContext): void {
    this.readerFor(el, scope, root)?.readOne(el, scope, root, ctx);
  }

  /** The first of its readers that takes `el`. */
  private readerFor(el: XmlElement, scope: Obj, root: Obj): ReadNode | undefined {
    for (const reader of this.inner) if (reader.accepts(el, scope, root)) return reader;
    return undefined;
  }
}

/** A value copied by a `bind` from the object it was read into: it came from where that one did. */
interface BoundOrigin {
  readonly bound: Obj;
  readonly name: string;
}

/** What a read leaves behind: elements of the document no template took, and where each value came from. */
interface ReadContext {
  /** Elements no template read, and attributes whose value contradicts one already read. */
  unread: Array<XmlElement | { el: XmlElement; attr: string }>;
  /**
   * Every value written, in order, five entries each: the object (as read, before pruning), the key, the
   * value, its origin, and for a dotted path (`price.net`) the scope it is relative to. Only appended to
   * while reading; turned into lookups when a location is first asked for.
   */
  log: unknown[];
  /** The element an object was made for: an item of a `forEach`, the object of a `scope`. */
  containers: Map<Obj, XmlElement>;
  /** The objects read for elements of a business group (`group`): kept even when empty. */
  groups: Set<Obj>;
}

function readChildren(
  children: readonly XmlElement[],
  readers: ReadNode[],
  scope: Obj,
  root: Obj,
  ctx: ReadContext,
): void {
  const siblings = new Siblings(children);
  for (const reader of readers) reader.claim(siblings, scope, root, ctx);
  const claimed = siblings.claimed;
  for (let i = 0; i < children.length; i++) if (!claimed[i]) ctx.unread.push(children[i]!);
}

interface XmlNode {
  nodeName: string;
  localName: string | null;
  parentNode: XmlNode | null;
}

/**
 * The element whose start tag is on `line`: the first of those named `name` when one is, else the first.
 * Undefined when no element starts there.
 */
export function elementAt<T extends XmlElement>(
  root: T,
  line: number,
  name?: { namespace: string; local: string },
): T | undefined {
  let first: T | undefined;
  const visit = (el: T): T | undefined => {
    if (el.line === line) {
      if (!name || (el.localName === name.local && (el.namespaceURI ?? '') === name.namespace)) return el;
      first ??= el;
    }
    if (el.line > line) return undefined;
    for (const child of elementChildren(el) as T[]) {
      const found = visit(child);
      if (found) return found;
    }
    return undefined;
  };
  return visit(root) ?? first;
}

/** `/Invoice/cac:Delivery[2]/cbc:ActualDeliveryDate`-style location of an element. */
export function locationOf(el: XmlElement): string {
  const steps: string[] = [];
  for (let node = el as unknown as XmlNode | null; node?.localName; node = node.parentNode) {
    const name = node.nodeName;
    const parent = node.parentNode;
    const same = parent?.localName
      ? elementChildren(parent as unknown as XmlElement).filter(
          (c) => (c as unknown as XmlNode).nodeName === name,
        )
      : [node as unknown as XmlElement];
    const index = same.indexOf(node as unknown as XmlElement);
    steps.unshift(same.length > 1 ? `${name}[${index + 1}]` : name);
  }
  return `/${steps.join('/')}`;
}

/**
 * Drops empty strings, and lists and objects left empty: what the document did not carry is absent, not
 * empty. A business group the document has as an element (`group` in the mapping), even an empty one
 * (`<cac:PostalAddress/>`, an empty `<cac:InvoiceLine/>`), is kept as an empty object: the document has it,
 * and the rules that say what it must contain judge it, as the official artefacts do; the items after it
 * keep their positions.
 */
function prune(value: unknown, groups: ReadonlySet<Obj>): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => prune(v, groups)).filter((v) => v !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (value !== null && typeof value === 'object') {
    const out: Obj = {};
    let empty = true;
    for (const key in value as Obj) {
      const kept = prune((value as Obj)[key], groups);
      if (kept !== undefined) {
        out[key] = kept;
        empty = false;
      }
    }
    return !empty || groups.has(value as Obj) ? out : undefined;
  }
  return value === '' ? undefined : value;
}

/**
 * Where the values of a document as read came from, by object and key, and the elements that objects made
 * by dotted paths stand for: built from the read's log when a location is first asked for.
 */
class Provenance {
  /** By object and key: the origin of the value there (the first one, unless a later write changed it). */
  readonly values = new Map<Obj, Map<string, { origin: Origin; value: string }>>();
  /**
   * By object made by dotted paths (`price` of `price.net`): the elements of the template holding its values'
   * elements within the scope's own element (`cac:Price` of `cac:Price/cbc:PriceAmount` in an `InvoiceLine`).
   */
  readonly groups = new Map<Obj, XmlElement[]>();

  constructor(ctx: ReadContext) {
    const log = ctx.log;
    for (let i = 0; i < log.length; i += 5) {
      const parent = log[i] as Obj;
      const key = log[i + 1] as string;
      const value = log[i + 2] as string;
      const written = log[i + 3] as Origin | BoundOrigin;
      const origin = 'bound' in written ? this.origin(written.bound, written.name) : written;
      if (!origin) continue;
      let origins = this.values.get(parent);
      if (!origins) this.values.set(parent, (origins = new Map<string, { origin: Origin; value: string }>()));
      const previous = origins.get(key);
      if (!previous || previous.value !== value) origins.set(key, { origin, value });
      const scope = log[i + 4] as Obj | undefined;
      const owner = scope && ctx.containers.get(scope);
      if (owner) this.group(parent, 'attr' in origin ? origin.el : origin, owner);
    }
  }

  origin(object: Obj, key: string): Origin | undefined {
    return this.values.get(object)?.get(key)?.origin;
  }

  private group(object: Obj, el: XmlElement, owner: XmlElement): void {
    let node = el;
    while (node.parentNode && node.parentNode !== owner) node = node.parentNode;
    if (node.parentNode !== owner) return;
    const group = this.groups.get(object);
    if (!group) this.groups.set(object, [node]);
    else if (!group.includes(node)) group.push(node);
  }
}

/**
 * Whether a value of the document as read is still there once pruned: something that is not empty, or a
 * business group the document has (see {@link prune}).
 */
function hasContent(value: unknown, groups: ReadonlySet<Obj>): boolean {
  if (Array.isArray(value)) return value.some((v) => hasContent(v, groups));
  if (value !== null && typeof value === 'object')
    return groups.has(value as Obj) || Object.values(value).some((v) => hasContent(v, groups));
  return value !== '' && value !== undefined;
}

/**
 * Where the values of a document as read came from, looked up by their JSON Pointer in the canonical
 * document (`/lines/0/price/net`). What the reader noted is kept as it is (the elements, the objects as
 * read before pruning) and turned into locations only when asked: reading costs a few entries per value.
 */
function locator(raw: Obj, rootElement: XmlElement, ctx: ReadContext) {
  let provenance: Provenance | undefined;
  /** By list as read: the index of each item the canonical list kept (it has no empty ones but groups). */
  const kept = new Map<unknown[], number[]>();
  const xpaths = new Map<XmlElement, string>();
  /** As {@link locationOf}, naming the siblings of an element once for every one of them. */
  const xpathOf = (el: XmlElement): string => {
    const known = xpaths.get(el);
    if (known !== undefined) return known;
    const parent = el.parentNode;
    if (!parent?.localName) {
      xpaths.set(el, `/${el.nodeName}`);
      return `/${el.nodeName}`;
    }
    const base = xpathOf(parent);
    const siblings = elementChildren(parent);
    const counts = new Map<string, number>();
    for (const sibling of siblings) counts.set(sibling.nodeName, (counts.get(sibling.nodeName) ?? 0) + 1);
    const seen = new Map<string, number>();
    for (const sibling of siblings) {
      const name = sibling.nodeName;
      const position = (seen.get(name) ?? 0) + 1;
      seen.set(name, position);
      xpaths.set(sibling, `${base}/${name}${counts.get(name)! > 1 ? `[${position}]` : ''}`);
    }
    return xpaths.get(el)!;
  };
  /** The elements a value or an object came from: its own, or those of everything in it. */
  const originsIn = (value: unknown, into: XmlElement[], known: Provenance): void => {
    if (value === null || typeof value !== 'object') return;
    const own = ctx.containers.get(value as Obj);
    if (own) {
      into.push(own);
      return;
    }
    for (const [key, v] of Object.entries(value as Obj)) {
      if (typeof v === 'object') originsIn(v, into, known);
      else if (v !== '' && v !== undefined) {
        const origin = known.origin(value as Obj, key);
        if (origin) into.push('attr' in origin ? origin.el : origin);
      }
    }
  };
  /**
   * An object's element: the one it was made for, else the innermost element holding all it carries; when
   * that is the element of one of its values (`price` of a document with a net price only), the template's
   * element for the object (`cac:Price`), where what it lacks would be.
   */
  const containerOrigin = (value: Obj | unknown[], known: Provenance): XmlElement | undefined => {
    const own = ctx.containers.get(value as Obj);
    if (own) return own;
    const elements: XmlElement[] = [];
    originsIn(value, elements, known);
    const inner = commonAncestor(elements);
    const group = known.groups.get(value as Obj);
    if (!inner || !group) return inner;
    for (const { origin } of known.values.get(value as Obj)?.values() ?? [])
      if (origin === inner || ('attr' in origin && origin.el === inner)) return commonAncestor(group);
    return inner;
  };
  return (pointer: string): SourceLocation | undefined => {
    if (pointer !== '' && !pointer.startsWith('/')) return undefined;
    const known = (provenance ??= new Provenance(ctx));
    const segments =
      pointer === '' || pointer === '/'
        ? []
        : pointer
            .slice(1)
            .split('/')
            .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    // The values along the path, as far as the document has them; then the innermost one with an origin.
    const trail: Array<{ node: unknown; parent: unknown; key: string }> = [];
    let node: unknown = raw;
    for (const segment of segments) {
      let next: unknown;
      if (Array.isArray(node)) {
        if (!/^\d+$/.test(segment)) break;
        let indexes = kept.get(node);
        if (!indexes) {
          indexes = [];
          node.forEach((item, i) => hasContent(item, ctx.groups) && indexes!.push(i));
          kept.set(node, indexes);
        }
        const index = indexes[Number(segment)];
        next = index === undefined ? undefined : node[index];
      } else if (node !== null && typeof node === 'object') next = (node as Obj)[segment];
      if (!hasContent(next, ctx.groups)) break; // absent: the nearest present one
      trail.push({ node: next, parent: node, key: segment });
      node = next;
    }
    let best: Origin = rootElement;
    for (let i = trail.length - 1; i >= 0; i--) {
      const step = trail[i]!;
      const origin =
        typeof step.node === 'object'
          ? containerOrigin(step.node as Obj, known)
          : known.origin(step.parent as Obj, step.key);
      if (origin) {
        best = origin;
        break;
      }
    }
    return 'attr' in best
      ? { xpath: `${xpathOf(best.el)}/@${best.attr}`, line: best.el.line }
      : { xpath: xpathOf(best), line: best.line };
  };
}

/** The innermost element that is or contains every one of `elements`. */
function commonAncestor(elements: XmlElement[]): XmlElement | undefined {
  if (elements.length === 0) return undefined;
  const chain = (el: XmlElement): XmlNode[] => {
    const nodes: XmlNode[] = [];
    for (let node = el as unknown as XmlNode | null; node?.localName; node = node.parentNode)
      nodes.unshift(node);
    return nodes;
  };
  let common = chain(elements[0]!);
  for (const el of elements.slice(1)) {
    const other = chain(el);
    let depth = 0;
    while (depth < common.length && depth < other.length && common[depth] === other[depth]) depth++;
    common = common.slice(0, depth);
  }
  return common[common.length - 1] as unknown as XmlElement | undefined;
}

/** What a reader gives: the canonical document, the elements it did not read, and where values came from. */
export interface ReadOutcome {
  value: Obj;
  /** Locations of the elements no template took. */
  unread: string[];
  /** Where the value or object at a canonical JSON Pointer came from, or its nearest present ancestor. */
  locate: (pointer: string) => SourceLocation | undefined;
}

/** Compiles the inbound reader of a mapping. */
export function compileReader(definition: MappingDefinition): (root: XmlElement) => ReadOutcome {
  const compile = (node: MappingNode, namespaces: Map<string, string>, at: string): ReadNode => {
    let scope = namespaces;
    for (const [name, value] of Object.entries(node.attributes ?? {})) {
      if ((name === 'xmlns' || name.startsWith('xmlns:')) && value.value !== undefined) {
        if (scope === namespaces) scope = new Map(namespaces);
        scope.set(name === 'xmlns' ? '' : name.slice(6), value.value);
      }
    }
    const childNodes = [...(node.children ?? [])];
    if (node.use !== undefined) childNodes.push(...(definition.fragments?.[node.use] ?? []));
    if (node.choose) {
      const choice = new ChoiceReader(node.choose.map((n, i) => compile(n, scope, `${at}/choose/${i}`)));
      return node.forEach || node.scope || node.bind ? new GroupReader(node, [choice]) : choice;
    }
    const children = childNodes.map((n, i) => compile(n, scope, `${at}/children/${i}`));
    if (node.element === undefined) return new GroupReader(node, children);
    const colon = node.element.indexOf(':');
    const prefix = colon === -1 ? '' : node.element.slice(0, colon);
    const namespace = scope.get(prefix);
    if (namespace === undefined && prefix !== '') {
      throw invalidInput(
        'format.invalid-mapping',
        `Mapping ${definition.id}: prefix "${prefix}" is not declared`,
        [{ path: `${at}/element`, message: `undeclared prefix of ${node.element}` }],
      );
    }
    let mergeWith: { namespace: string; local: string } | undefined;
    if (node.mergeWith !== undefined) {
      const split = node.mergeWith.indexOf(':');
      const uri = scope.get(split === -1 ? '' : node.mergeWith.slice(0, split));
      if (uri === undefined)
        throw invalidInput(
          'format.invalid-mapping',
          `Mapping ${definition.id}: prefix of ${node.mergeWith} is not declared`,
          [{ path: `${at}/mergeWith`, message: `undeclared prefix of ${node.mergeWith}` }],
        );
      mergeWith = { namespace: knownNamespace(uri), local: sharedName(node.mergeWith.slice(split + 1)) };
    }
    // as the parser gives an element's name and namespace, that the two compare as one string
    return new ElementReader(
      node,
      knownNamespace(namespace ?? ''),
      sharedName(node.element.slice(colon + 1)),
      children,
      mergeWith,
    );
  };
  const reader = compile(definition.root!, new Map(), '/root');
  return (rootElement) => {
    const root: Obj = {};
    const siblings = new Siblings([rootElement]);
    const ctx: ReadContext = {
      unread: [],
      log: [],
      containers: new Map([[root, rootElement]]),
      groups: new Set(),
    };
    reader.claim(siblings, root, root, ctx);
    if (!siblings.claimed[0]) {
      throw invalidInput(
        'convert.unknown-document',
        `The document's root element {${rootElement.namespaceURI ?? ''}}${rootElement.localName ?? ''} is not one mapping ${definition.id} reads`,
      );
    }
    return {
      value: (prune(root, ctx.groups) as Obj | undefined) ?? {},
      unread: ctx.unread.map((u) => ('attr' in u ? `${locationOf(u.el)}/@${u.attr}` : locationOf(u))),
      locate: locator(root, rootElement, ctx),
    };
  };
}
