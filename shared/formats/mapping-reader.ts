import { invalidInput } from '../errors';
import type { MappingDefinition, MappingNode, MappingValue } from './mapping';

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
  childNodes: ArrayLike<{ nodeType: number }>;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
  textContent: string | null;
}

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
  /** Whether this node (or one of its alternatives) takes `el`. */
  accepts(el: XmlElement, scope: Obj, root: Obj): boolean;
  /** Claims what it takes among the unclaimed `children`, and reads it into `scope`. */
  claim(children: XmlElement[], claimed: boolean[], scope: Obj, root: Obj, ctx: ReadContext): void;
  /** Reads one element it accepts into `scope` (for items of a `forEach` around a choice). */
  readOne(el: XmlElement, scope: Obj, root: Obj, ctx: ReadContext): void;
}

function elementChildren(el: XmlElement): XmlElement[] {
  const children: XmlElement[] = [];
  for (let i = 0; i < el.childNodes.length; i++) {
    const node = el.childNodes[i]!;
    if (node.nodeType === 1) children.push(node as unknown as XmlElement);
  }
  return children;
}

const splitPaths = new Map<string, { absolute: boolean; keys: string[] }>();

/** `/a.b` or `a.b`, split once per distinct path (a mapping has a few hundred; each is read many times). */
function splitPath(path: string): { absolute: boolean; keys: string[] } {
  let split = splitPaths.get(path);
  if (!split) {
    const absolute = path.startsWith('/');
    split = { absolute, keys: (absolute ? path.slice(1) : path).split('.') };
    if (splitPaths.size < 10_000) splitPaths.set(path, split);
  }
  return split;
}

function getAt(scope: Obj, root: Obj, path: string): unknown {
  const { absolute, keys } = splitPath(path);
  let value: unknown = absolute ? root : scope;
  for (const key of keys) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Obj)[key];
  }
  return value;
}

/** The object at `path`, created (with its parents) when missing. */
function objectAt(scope: Obj, root: Obj, path: string): Obj {
  const { absolute, keys } = splitPath(path);
  let target: Obj = absolute ? root : scope;
  for (const key of keys) {
    const next = target[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) target[key] = {};
    target = target[key] as Obj;
  }
  return target;
}

function listAt(scope: Obj, root: Obj, path: string): unknown[] {
  const { absolute, keys } = splitPath(path);
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

function setAt(scope: Obj, root: Obj, path: string, value: string): void {
  const { absolute, keys } = splitPath(path);
  const parent =
    keys.length > 1
      ? objectAt(scope, root, `${absolute ? '/' : ''}${keys.slice(0, -1).join('.')}`)
      : absolute
        ? root
        : scope;
  parent[keys[keys.length - 1]!] = value;
}

/** Formats whose written form differs from the canonical one, turned back on reading. */
const INVERSES: Partial<Record<NonNullable<MappingValue['format']>, (text: string) => string>> = {
  date102: (text) =>
    /^\d{8}$/.test(text) ? `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6)}` : text,
  // xsd:decimal also allows "64.", ".5" and "+1"; the canonical model writes them 64, 0.5 and 1
  decimal: normalDecimal,
  amount: normalDecimal,
};

function normalDecimal(text: string): string {
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
}

function valueReader(value: MappingValue): ValueReader {
  if (value.value !== undefined && value.matchAny) return { read: () => [], paths: [] };
  if (value.value !== undefined) {
    // xsd:boolean has two spellings of each value
    const normal = (text: string) =>
      value.format === 'boolean' ? ({ '1': 'true', '0': 'false' }[text] ?? text) : text;
    const constant = normal(value.value);
    return { constant, normal, read: (text) => (normal(text) === constant ? [] : undefined), paths: [] };
  }
  if (value.path !== undefined) {
    const path = value.path;
    const inverse = INVERSES[value.format ?? 'text'] ?? ((text: string) => text);
    return {
      format: value.format,
      ...(value.space === 'preserve' ? { preserveSpace: true } : {}),
      read: (text) => [[path, inverse(text)]],
      paths: [path],
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

class ElementReader implements ReadNode {
  readonly specificity: number;
  readonly names: string[];
  readonly pureConstant: boolean;
  readonly keyed: boolean;
  private discriminating = false;
  private readonly text?: ValueReader;
  private readonly attributes: Array<[string, ValueReader]>;
  private readonly children: ReadNode[];

  constructor(
    private readonly node: MappingNode,
    private readonly namespace: string,
    private readonly local: string,
    children: ReadNode[],
  ) {
    this.names = [`{${namespace}}${local}`];
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
  }

  discriminate(): void {
    this.discriminating = true;
    for (const child of this.children) if (child.keyed) child.discriminate();
  }

  /** The scope the element's values go to, for the conflict check; undefined when it is a new one. */
  private target(scope: Obj, root: Obj): Obj | undefined {
    if (this.node.forEach || this.node.bind) return undefined;
    if (!this.node.scope) return scope;
    const value = getAt(scope, root, this.node.scope);
    return value !== null && typeof value === 'object' ? (value as Obj) : undefined;
  }

  accepts(el: XmlElement, scope: Obj, root: Obj): boolean {
    if (el.localName !== this.local || (el.namespaceURI ?? '') !== this.namespace) return false;
    const target = this.target(scope, root);
    const fits = (reader: ValueReader, text: string | null): boolean => {
      if (reader.constant !== undefined)
        return !this.discriminating || (text !== null && reader.normal!(text.trim()) === reader.constant);
      if (text === null) return true;
      const values = reader.read(text.trim());
      if (!values) return false;
      // A value already read elsewhere (the document currency, say) must not be contradicted.
      return values.every(([path, value]) => {
        if (!target && !path.startsWith('/')) return true;
        const existing = getAt(target ?? {}, root, path);
        return typeof existing !== 'string' || sameValue(reader.format, existing, value);
      });
    };
    for (const [name, reader] of this.attributes) {
      if (!fits(reader, el.hasAttribute(name) ? el.getAttribute(name) : null)) return false;
    }
    if (this.text && !fits(this.text, el.textContent)) return false;
    if (!this.discriminating) return true;
    // Its constant parts (a type code, a tax scheme) must be there.
    const children = elementChildren(el);
    return this.children.every(
      (child) => !child.keyed || children.some((c) => child.accepts(c, target ?? {}, root)),
    );
  }

  claim(children: XmlElement[], claimed: boolean[], scope: Obj, root: Obj, ctx: ReadContext): void {
    for (let i = 0; i < children.length; i++) {
      if (claimed[i] || !this.accepts(children[i]!, scope, root)) continue;
      claimed[i] = true;
      this.readOne(children[i]!, scope, root, ctx);
      if (!this.node.forEach) return;
    }
  }

  readOne(el: XmlElement, scope: Obj, root: Obj, ctx: ReadContext): void {
    let target: Obj;
    if (this.node.forEach) {
      const item: Obj = {};
      listAt(this.node.scope ? objectAt(scope, root, this.node.scope) : scope, root, this.node.forEach).push(
        item,
      );
      target = item;
    } else if (this.node.scope) target = objectAt(scope, root, this.node.scope);
    else target = this.node.bind ? {} : scope;
    // An element with no text is a business term that is absent: its attributes (a scheme, a MIME code, a
    // currency) describe nothing and are not read either (`<ram:URIID schemeID="EM"/>`).
    if (this.text && this.text.constant === undefined && this.text.paths.length > 0) {
      const text = el.textContent ?? '';
      if ((this.text.preserveSpace ? text : text.trim()) === '') return;
    }
    for (const [name, reader] of this.attributes) {
      const text = el.getAttribute(name);
      if (text !== null && el.hasAttribute(name))
        for (const [path, v] of reader.read(text.trim()) ?? []) setAt(target, root, path, v);
    }
    if (this.text) {
      const text = el.textContent ?? '';
      for (const [path, v] of this.text.read(this.text.preserveSpace ? text : text.trim()) ?? [])
        setAt(target, root, path, v);
    } else {
      readChildren(elementChildren(el), this.children, target, root, ctx);
    }
    if (this.node.bind) {
      for (const [name, path] of Object.entries(this.node.bind)) {
        const value = target[name];
        if (typeof value === 'string') setAt(scope, root, path, value);
      }
    }
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

  constructor(private readonly alternatives: ReadNode[]) {
    this.specificity = Math.min(...alternatives.map((a) => a.specificity));
    this.names = alternatives.flatMap((a) => a.names);
  }

  discriminate(): void {
    for (const alternative of this.alternatives) alternative.discriminate();
  }

  accepts(el: XmlElement, scope: Obj, root: Obj): boolean {
    return this.alternatives.some((a) => a.accepts(el, scope, root));
  }

  claim(children: XmlElement[], claimed: boolean[], scope: Obj, root: Obj, ctx: ReadContext): void {
    const index = children.findIndex((c, i) => !claimed[i] && this.accepts(c, scope, root));
    if (index === -1) return;
    this.alternatives
      .find((a) => a.accepts(children[index]!, scope, root))!
      .claim(children, claimed, scope, root, ctx);
  }

  readOne(el: XmlElement, scope: Obj, root: Obj, ctx: ReadContext): void {
    this.alternatives.find((a) => a.accepts(el, scope, root))?.readOne(el, scope, root, ctx);
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
    markSiblings(inner);
  }

  discriminate(): void {
    for (const reader of this.inner) reader.discriminate();
  }

  accepts(el: XmlElement, scope: Obj, root: Obj): boolean {
    return this.inner.some((r) => r.accepts(el, scope, root));
  }

  claim(children: XmlElement[], claimed: boolean[], scope: Obj, root: Obj, ctx: ReadContext): void {
    if (this.node.forEach) {
      const list = listAt(
        this.node.scope ? objectAt(scope, root, this.node.scope) : scope,
        root,
        this.node.forEach,
      );
      for (let i = 0; i < children.length; i++) {
        if (claimed[i]) continue;
        const reader = this.inner.find((r) => r.accepts(children[i]!, {}, root));
        if (!reader) continue;
        claimed[i] = true;
        const item: Obj = {};
        list.push(item);
        reader.readOne(children[i]!, item, root, ctx);
      }
      return;
    }
    const target = this.node.scope ? objectAt(scope, root, this.node.scope) : this.node.bind ? {} : scope;
    for (const reader of this.inner) reader.claim(children, claimed, target, root, ctx);
    if (this.node.bind) {
      for (const [name, path] of Object.entries(this.node.bind)) {
        if (typeof target[name] === 'string') setAt(scope, root, path, target[name]);
      }
    }
  }

  readOne(el: XmlElement, scope: Obj, root: Obj, ctx: ReadContext): void {
    this.inner.find((r) => r.accepts(el, scope, root))?.readOne(el, scope, root, ctx);
  }
}

/** What a read leaves behind: elements of the document no template took. */
interface ReadContext {
  unread: XmlElement[];
}

function readChildren(
  children: XmlElement[],
  readers: ReadNode[],
  scope: Obj,
  root: Obj,
  ctx: ReadContext,
): void {
  const claimed = children.map(() => false);
  for (const reader of readers) reader.claim(children, claimed, scope, root, ctx);
  children.forEach((child, i) => {
    if (!claimed[i]) ctx.unread.push(child);
  });
}

interface XmlNode {
  nodeName: string;
  localName: string | null;
  parentNode: XmlNode | null;
}

/** `/Invoice/cac:Delivery[2]/cbc:ActualDeliveryDate`-style location of an element. */
function locationOf(el: XmlElement): string {
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

/** Drops empty strings, objects and lists: what the document did not carry is absent, not empty. */
function prune(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(prune).filter((v) => v !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (value !== null && typeof value === 'object') {
    const out: Obj = {};
    for (const [key, v] of Object.entries(value as Obj)) {
      const kept = prune(v);
      if (kept !== undefined) out[key] = kept;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  return value === '' ? undefined : value;
}

/** Compiles the inbound reader of a mapping. */
export function compileReader(
  definition: MappingDefinition,
): (root: XmlElement) => { value: Obj; unread: string[] } {
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
    return new ElementReader(node, namespace ?? '', node.element.slice(colon + 1), children);
  };
  const reader = compile(definition.root!, new Map(), '/root');
  return (rootElement) => {
    const root: Obj = {};
    const claimed = [false];
    const ctx: ReadContext = { unread: [] };
    reader.claim([rootElement], claimed, root, root, ctx);
    if (!claimed[0]) {
      throw invalidInput(
        'convert.unknown-document',
        `The document's root element {${rootElement.namespaceURI ?? ''}}${rootElement.localName ?? ''} is not one mapping ${definition.id} reads`,
      );
    }
    return { value: (prune(root) as Obj | undefined) ?? {}, unread: ctx.unread.map(locationOf) };
  };
}
