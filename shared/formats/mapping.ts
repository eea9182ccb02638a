import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EInvoiceError, invalidInput, type ProblemDetail } from '../errors';
import { calculate } from '../model/calculation';
import type { CanonicalInvoice } from '../model/invoice';
import { exact, exactFixed, exactText, negatedText } from '../model/exact-decimal';
import { isPeppolBis3, type RuleSet } from '../model/rule-sets';
import { runRules } from '../rules/engine';
import { en16931Arithmetic } from '../rules/en16931/arithmetic';
import { en16931Vat } from '../rules/en16931/vat';
import { peppolArithmetic } from '../rules/peppol/arithmetic';
import type { InvoiceRuleModule } from '../rules/rule';
import { parseJson } from '../util/json';
import { packageRoot } from '../util/package-root';
import { compileSchemaFile, toProblems } from '../validation/schema';
import type { OutputFormat, ReadDocument, RenderOptions } from './format';
import { JsonTreeWriter, XmlTreeWriter, type TreeWriter } from './output-writers';
import { escapeXml, xmlTags, type XmlTags } from './xml-writer';
import { compileReader } from './mapping-reader';
import { syntaxOf } from '../xml/namespaces';
import { pathKeys } from './paths';
import { cfdiFigures } from './cfdi-figures';
import { pagosFigures, type CanonicalPaymentDocument } from './cfdi-pagos';
import { nfeCompanyOf, nfeFigures } from './nfe-figures';
import { namedReader } from './readers';
import { parseXmlTree } from '../xml/xml-tree';

export type MappingFormatName =
  'text' | 'amount' | 'decimal' | 'decimal2' | 'boolean' | 'date102' | 'countryPrefix' | 'countryless';

/** A text of the output: from a path, a constant, or a template with `{path}` placeholders. */
export interface MappingValue {
  path?: string;
  value?: string;
  template?: string;
  default?: string;
  format?: MappingFormatName;
  matchAny?: boolean;
  /**
   * Written as the scope's 1-based position in the list at this path (`/lines`: a line number the syntax
   * wants counted, as FatturaPA's NumeroLinea); read back into `path`, if any.
   */
  position?: string;
  /** With `position`: lists written before this one, whose items count first (charges after allowances after lines). */
  after?: string[];
  /** A number written with its sign turned (an allowance written as a negative line amount). */
  negate?: boolean;
  /** The first of these values that is not empty (an extension, else a company parameter, else a constant). */
  either?: MappingValue[];
  space?: 'preserve';
  /**
   * The codes of the document for the codes of the canonical model, where the syntax uses another code list
   * for the same term (CII's VAT point date code, UNTDID 2475, for the model's UNTDID 2005); read back the
   * other way. A code without an entry is written and read as it is.
   */
  codes?: Record<string, string>;
}

export type MappingCondition =
  | { all: MappingCondition[] }
  | { any: MappingCondition[] }
  | { not: MappingCondition }
  | {
      path: string;
      exists?: boolean;
      eq?: string | number | boolean;
      ne?: string | number | boolean;
      in?: Array<string | number>;
      /** The value's text matches this regular expression (a destination code of six characters). */
      matches?: string;
      /** The scope is the first item of the list at `path` (a term the syntax allows once, in one item). */
      firstOf?: boolean;
    };

export interface MappingNode {
  element?: string;
  comment?: string;
  when?: MappingCondition;
  scope?: string;
  bind?: Record<string, string>;
  forEach?: string;
  /**
   * The business group (`BG-5`) the element is. Reading, the document's element of a group is kept even when
   * it holds nothing (`<cac:PostalAddress/>`): the rules of what the group must contain judge it.
   */
  group?: string;
  /**
   * Reading: the template takes only elements that carry its constants (a tax scheme `VAT`), as when a
   * sibling template of the same name must be told apart; others are left unread.
   */
  distinct?: boolean;
  /**
   * Reading: besides the first element the template takes, every further one that has a child of this name
   * is read into the same scope (the VAT totals of a document that has several, their VAT breakdown entries
   * together, as the rules count them); a value of it that contradicts one already read is not read.
   */
  mergeWith?: string;
  text?: MappingValue;
  attributes?: Record<string, MappingValue>;
  children?: MappingNode[];
  use?: string;
  choose?: MappingNode[];
  keep?: boolean;
}

/** A format mapping as a feature ships it (`flows/<feature>/formats/*.json`, checked against flows/schema/mapping.schema.json). */
export interface MappingDefinition {
  id: string;
  description: string;
  output: 'xml' | 'json' | 'csv';
  contentType: string;
  extension: string;
  /**
   * `true` (default): EN 16931's figures completed and checked first; `cfdi`: SAT's figures of a CFDI computed
   * (per concept, then summed: shared/formats/cfdi-figures.ts), read at `/cfdi`; `cfdi-pagos`: the Pagos 2.0
   * figures of a canonical payment document (shared/formats/cfdi-pagos.ts), read at `/pagos`; `nfe`: an NF-e's
   * figures from the items and the company's `crt` and `uf` (shared/formats/nfe-figures.ts), read at `/nfe`;
   * `false`: none.
   */
  calculate?: boolean | 'cfdi' | 'cfdi-pagos' | 'nfe';
  /** The canonical document it renders: an invoice (default) or a payment document (payment.schema.json). */
  document?: 'invoice' | 'payment';
  rules?: RuleSet[];
  /**
   * Documents of the format are read by this reader module (`fatturapa`: a lot of several invoices, terms
   * derived from others) instead of the template read backwards.
   */
  reader?: string;
  xml?: { declaration?: boolean; indent?: string; compact?: boolean };
  fragments?: Record<string, MappingNode[]>;
  root?: MappingNode;
  csv?: {
    rows: string;
    columns: Array<{ name: string; value: MappingValue; width?: number; align?: 'left' | 'right' }>;
    delimiter?: string;
    header?: boolean;
  };
}

type Getter = (scope: unknown, root: unknown) => unknown;
type TextOf = (scope: unknown, root: unknown) => string | undefined;
type Test = (scope: unknown, root: unknown) => boolean;
/** Writes a node for `scope`; true when it wrote anything. */
type Emit = (scope: unknown, root: unknown, out: TreeWriter) => boolean;

/** Where a render's company parameters and its step's values sit on the root it walks (symbols: no invoice term can collide). */
const COMPANY = Symbol('company');
const STEP = Symbol('step');

type Extras = { [COMPANY]?: Readonly<Record<string, string>>; [STEP]?: Readonly<Record<string, string>> };

/** A property of an object; undefined for anything else. */
function member(value: unknown, key: string): unknown {
  return value === null || typeof value !== 'object' ? undefined : (value as Record<string, unknown>)[key];
}

function compilePath(path: string): Getter {
  const { absolute, keys } = pathKeys(path);
  if (!absolute && keys.length === 2 && (keys[0] === 'company' || keys[0] === 'step')) {
    // `company.<name>`: a parameter of the document's company; `step.<name>`: a value the transform step
    // gives (`with.values`). The canonical model has no such terms.
    const name = keys[1]!;
    const where = keys[0] === 'company' ? COMPANY : STEP;
    return (_scope, root) => (root as Extras | null)?.[where]?.[name];
  }
  // One, two or three keys (most paths) are read without a loop.
  if (keys.length === 1) {
    const [a] = keys as [string];
    return absolute ? (_scope, root) => member(root, a) : (scope) => member(scope, a);
  }
  if (keys.length === 2) {
    const [a, b] = keys as [string, string];
    return absolute ? (_scope, root) => member(member(root, a), b) : (scope) => member(member(scope, a), b);
  }
  if (keys.length === 3) {
    const [a, b, c] = keys as [string, string, string];
    return absolute
      ? (_scope, root) => member(member(member(root, a), b), c)
      : (scope) => member(member(member(scope, a), b), c);
  }
  return (scope, root) => {
    let value: unknown = absolute ? root : scope;
    for (const key of keys) {
      if (value === null || typeof value !== 'object') return undefined;
      value = (value as Record<string, unknown>)[key];
    }
    return value;
  };
}

function isEmpty(value: unknown): boolean {
  return (
    value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)
  );
}

// Texts already in the form a format writes are taken as they are (the calculation writes amounts so).
const AMOUNT_FORM = /^-?(?:0|[1-9]\d*)\.\d\d$/;
const DECIMAL_FORM = /^-?(?:0|[1-9]\d*)(?:\.\d*[1-9])?$/;

/** A decimal of the canonical model (a number, or a text with any number of decimals), exactly. */
function exactOf(raw: unknown) {
  const value = typeof raw === 'string' || typeof raw === 'number' ? exact(raw) : undefined;
  if (value === undefined) throw new RangeError(`Not a decimal number: "${String(raw)}"`);
  return value;
}

const FORMATTERS: Record<NonNullable<MappingValue['format']>, (raw: unknown) => string> = {
  text: (raw) => String(raw),
  amount: (raw) =>
    typeof raw === 'string' && AMOUNT_FORM.test(raw) && raw !== '-0.00' ? raw : exactFixed(exactOf(raw), 2),
  // As many decimals as the value has (prices and quantities have no maximum in EN 16931)
  decimal: (raw) =>
    typeof raw === 'string' && DECIMAL_FORM.test(raw) && raw !== '-0' ? raw : exactText(exactOf(raw)),
  // At least two decimals, as many as the value has (FatturaPA's prices and quantities: 2 to 8)
  decimal2: (raw) => {
    const text =
      typeof raw === 'string' && DECIMAL_FORM.test(raw) && raw !== '-0' ? raw : exactText(exactOf(raw));
    const dot = text.indexOf('.');
    return dot === -1 ? `${text}.00` : text.length - dot === 2 ? `${text}0` : text;
  },
  boolean: (raw) => String(raw === true || raw === 'true' || raw === '1'),
  // A VAT identifier's country prefix (IT of IT01234567890), and the rest (FatturaPA's IdPaese and IdCodice)
  countryPrefix: (raw) => {
    const match = /^([A-Za-z]{2})./.exec(String(raw));
    if (!match) throw new RangeError(`No country prefix: ${String(raw)}`);
    return match[1]!.toUpperCase();
  },
  countryless: (raw) => {
    const text = String(raw);
    if (!/^[A-Za-z]{2}./.test(text)) throw new RangeError(`No country prefix: ${text}`);
    return text.slice(2);
  },
  date102: (raw) => {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(raw));
    if (!match) throw new RangeError(`Not an ISO date: ${String(raw)}`);
    return `${match[1]}${match[2]}${match[3]}`;
  },
};

function compileValue(value: MappingValue, at: string): TextOf {
  const base = FORMATTERS[value.format ?? 'text'];
  const format = value.negate
    ? (raw: unknown) =>
        base(negatedText(typeof raw === 'number' ? exactText(exactOf(raw)) : String(raw).trim()))
    : base;
  const codes = value.codes;
  const formatter = codes ? (raw: unknown) => codes[format(raw)] ?? format(raw) : format;
  const fallback = value.default;
  const formatted = (raw: unknown): string | undefined => {
    if (isEmpty(raw)) return fallback === undefined ? undefined : formatter(fallback);
    try {
      return formatter(raw);
    } catch {
      throw invalidInput('transform.invalid-value', `${at}: "${String(raw)}" is not a ${value.format}`);
    }
  };
  if (value.value !== undefined) {
    const constant = value.value;
    return () => constant;
  }
  if (value.either !== undefined) {
    const alternatives = value.either.map((v, i) => compileValue(v, `${at}/either/${i}`));
    return (scope, root) => {
      for (const alternative of alternatives) {
        const text = alternative(scope, root);
        if (text !== undefined && text !== '') return text;
      }
      return fallback;
    };
  }
  if (value.position !== undefined) {
    const list = compilePath(value.position);
    const before = (value.after ?? []).map(compilePath);
    return (scope, root) => {
      const items = list(scope, root);
      const at = Array.isArray(items) ? positionIn(items, scope) : 0;
      if (at === 0) return undefined;
      let offset = 0;
      for (const get of before) {
        const earlier = get(scope, root);
        if (Array.isArray(earlier)) offset += earlier.length;
      }
      return String(offset + at);
    };
  }
  if (value.path !== undefined) {
    const get = compilePath(value.path);
    if (base === FORMATTERS.text && format === base && !codes) {
      // Most values: a text written as it is; only what is not a text goes through the formatting.
      return (scope, root) => {
        const raw = get(scope, root);
        return typeof raw === 'string' && raw !== '' ? raw : formatted(raw);
      };
    }
    return (scope, root) => formatted(get(scope, root));
  }
  // A template: literal parts and {path} placeholders; empty when any placeholder is.
  const parts = value.template!.split(/(\{[^}]+\})/).filter(Boolean);
  const pieces = parts.map((part) =>
    part.startsWith('{') && part.endsWith('}') ? compilePath(part.slice(1, -1)) : part,
  );
  return (scope, root) => {
    let text = '';
    for (const piece of pieces) {
      if (typeof piece === 'string') text += piece;
      else {
        const raw = piece(scope, root);
        if (isEmpty(raw)) return fallback;
        text += String(raw);
      }
    }
    return text;
  };
}

/** Positions of a list's items, found once per list (a line number per line stays linear). */
const positions = new WeakMap<readonly unknown[], Map<unknown, number>>();

function positionIn(items: readonly unknown[], item: unknown): number {
  let index = positions.get(items);
  if (!index) {
    index = new Map(items.map((value, i) => [value, i + 1]));
    positions.set(items, index);
  }
  return index.get(item) ?? 0;
}

function compileCondition(condition: MappingCondition): Test {
  if ('all' in condition) {
    const tests = condition.all.map(compileCondition);
    return (s, r) => tests.every((t) => t(s, r));
  }
  if ('any' in condition) {
    const tests = condition.any.map(compileCondition);
    return (s, r) => tests.some((t) => t(s, r));
  }
  if ('not' in condition) {
    const test = compileCondition(condition.not);
    return (s, r) => !test(s, r);
  }
  const get = compilePath(condition.path);
  if (condition.firstOf !== undefined) {
    const wanted = condition.firstOf;
    return (s, r) => {
      const list = get(s, r);
      return (Array.isArray(list) && list.length > 0 && list[0] === s) === wanted;
    };
  }
  if (condition.exists !== undefined) {
    const wanted = condition.exists;
    return (s, r) => !isEmpty(get(s, r)) === wanted;
  }
  if (condition.matches !== undefined) {
    const pattern = new RegExp(condition.matches, 'u');
    return (s, r) => {
      const value = get(s, r);
      return !isEmpty(value) && pattern.test(String(value));
    };
  }
  if (condition.eq !== undefined) {
    const wanted = String(condition.eq);
    return (s, r) => {
      const value = get(s, r);
      return !isEmpty(value) && String(value) === wanted;
    };
  }
  if (condition.ne !== undefined) {
    const unwanted = String(condition.ne);
    return (s, r) => {
      const value = get(s, r);
      return isEmpty(value) || String(value) !== unwanted;
    };
  }
  const allowed = new Set((condition.in ?? []).map(String));
  return (s, r) => {
    const value = get(s, r);
    return !isEmpty(value) && allowed.has(String(value));
  };
}

/** The layout of an XML mapping's output, as its `XmlTreeWriter` writes it. */
interface XmlLayout {
  indent: string;
  compact: boolean;
}

/**
 * Compiles a mapping's template into one function per node, resolved once. For XML, each element's tags are
 * made here too: an element's depth in the output is its number of element ancestors in the template (a
 * fragment is compiled anew where it is used), known before any document is written.
 */
class Compiler {
  constructor(
    private readonly definition: MappingDefinition,
    private readonly xml?: XmlLayout,
  ) {}

  node(node: MappingNode, at: string, depth = 0): Emit {
    if (node.choose) {
      const options = node.choose.map((option, i) => ({
        test: option.when ? compileCondition(option.when) : () => true,
        emit: this.node({ ...option, when: undefined }, `${at}/choose/${i}`, depth),
      }));
      return this.wrap(node, (scope, root, out) => {
        for (const option of options) if (option.test(scope, root)) return option.emit(scope, root, out);
        return false;
      });
    }
    const element = node.element;
    const children = this.children(node, at, element === undefined ? depth : depth + 1);
    if (element === undefined) {
      // A bare fragment insertion.
      return this.wrap(node, (scope, root, out) => emitAll(children, scope, root, out));
    }
    const attributeNames = Object.keys(node.attributes ?? {});
    const attributeValues = attributeNames.map((name) =>
      compileValue(node.attributes![name]!, `${at}/attributes/${name}`),
    );
    const text = node.text ? compileValue(node.text, `${at}/text`) : undefined;
    const keep = node.keep === true;
    if (this.xml) {
      const tags = xmlTags(element, depth, this.xml.indent, this.xml.compact);
      return this.wrap(node, xmlElement(tags, attributeNames, attributeValues, text, children, keep));
    }
    const single: Emit = (scope, root, out) => {
      let attrs: Record<string, string> | undefined;
      for (let i = 0; i < attributeNames.length; i++) {
        const v = attributeValues[i]!(scope, root);
        if (v !== undefined && v !== '') (attrs ??= {})[attributeNames[i]!] = v;
      }
      if (text) {
        const t = text(scope, root);
        if (t === undefined || t === '') return false;
        out.leaf(element, t, attrs);
        return true;
      }
      out.open(element, attrs);
      if (!emitAll(children, scope, root, out) && !keep) {
        out.discard(); // a container with nothing in it is left out
        return false;
      }
      out.close(element);
      return true;
    };
    return this.wrap(node, single);
  }

  /** `when`, `scope`, `bind` and `forEach`, in that order, around the element itself. */
  private wrap(node: MappingNode, single: Emit): Emit {
    let emit = single;
    if (node.forEach) {
      const items = compilePath(node.forEach);
      const each = emit;
      const name = node.element ?? '';
      // XML writes the items one after the other (`XmlTreeWriter`'s lists are nothing)
      const lists = this.xml === undefined;
      emit = (scope, root, out) => {
        const list = items(scope, root);
        if (!Array.isArray(list)) return false;
        let any = false;
        if (lists) out.beginList(name);
        for (const item of list) any = each(item, root, out) || any;
        if (lists) out.endList(name);
        return any;
      };
    }
    if (node.bind) {
      const bindings = Object.entries(node.bind).map(([name, path]) => [name, compilePath(path)] as const);
      const inner = emit;
      emit = (scope, root, out) => {
        const bound: Record<string, unknown> = {};
        for (const [name, get] of bindings) bound[name] = get(scope, root);
        return inner(bound, root, out);
      };
    }
    if (node.scope) {
      const get = compilePath(node.scope);
      const inner = emit;
      emit = (scope, root, out) => {
        const value = get(scope, root);
        return isEmpty(value) ? false : inner(value, root, out);
      };
    }
    if (node.when) {
      const test = compileCondition(node.when);
      const inner = emit;
      emit = (scope, root, out) => test(scope, root) && inner(scope, root, out);
    }
    return emit;
  }

  private children(node: MappingNode, at: string, depth: number): Emit[] {
    const nodes = [...(node.children ?? [])];
    if (node.use !== undefined) {
      const fragment = this.definition.fragments?.[node.use];
      if (!fragment) {
        throw invalidInput(
          'format.invalid-mapping',
          `Mapping ${this.definition.id}: unknown fragment "${node.use}"`,
          [{ path: `${at}/use`, message: `no fragment "${node.use}"` }],
        );
      }
      nodes.push(...fragment);
    }
    return nodes.map((child, i) => this.node(child, `${at}/children/${i}`, depth));
  }
}

/**
 * An XML element of the plan, written with its tags made beforehand and its attributes as text (no object
 * of them): a leaf when it has a text, else a container left out when nothing is written in it (unless kept).
 */
function xmlElement(
  tags: XmlTags,
  attributeNames: string[],
  attributeValues: TextOf[],
  text: TextOf | undefined,
  children: Emit[],
  keep: boolean,
): Emit {
  const count = attributeNames.length;
  const prefixes = attributeNames.map((name) => ` ${name}="`);
  /** The start tag's attributes (` name="value"`), those with a value, in the mapping's order. */
  const attributesOf = (scope: unknown, root: unknown): string => {
    let written = '';
    for (let i = 0; i < count; i++) {
      const v = attributeValues[i]!(scope, root);
      if (v !== undefined && v !== '') written += `${prefixes[i]!}${escapeXml(v)}"`;
    }
    return written;
  };
  if (text) {
    if (count === 0) {
      return (scope, root, out) => {
        const t = text(scope, root);
        if (t === undefined || t === '') return false;
        (out as XmlTreeWriter).leafTag(tags.start, '', t, tags.end);
        return true;
      };
    }
    return (scope, root, out) => {
      // attributes first, as they always were: a value that is not valid is refused even on an empty leaf
      const attributes = attributesOf(scope, root);
      const t = text(scope, root);
      if (t === undefined || t === '') return false;
      (out as XmlTreeWriter).leafTag(tags.start, attributes, t, tags.end);
      return true;
    };
  }
  return (scope, root, out) => {
    const xml = out as XmlTreeWriter;
    const attributes = count === 0 ? '' : attributesOf(scope, root);
    xml.openTag(attributes === '' ? tags.open : `${tags.start}${attributes}${tags.startEnd}`);
    if (!emitAll(children, scope, root, out) && !keep) {
      xml.discard(); // a container with nothing in it is left out
      return false;
    }
    xml.closeTag(tags.close);
    return true;
  };
}

function emitAll(children: Emit[], scope: unknown, root: unknown, out: TreeWriter): boolean {
  let any = false;
  for (let i = 0; i < children.length; i++) any = children[i]!(scope, root, out) || any;
  return any;
}

/** What names and describes a format, as its mapping says. */
/** A `company.<name>` path or `{company.<name>}` placeholder anywhere in the mapping's nodes or columns. */
const COMPANY_PATH = /["{]company\.[A-Za-z_]/;

function identityOf(definition: MappingDefinition) {
  const { id, description, contentType, extension, rules, document } = definition;
  const usesCompany = COMPANY_PATH.test(
    JSON.stringify([definition.root, definition.fragments, definition.csv]),
  );
  return {
    id,
    description,
    contentType,
    extension,
    ...(rules ? { rules } : {}),
    ...(usesCompany ? { usesCompany: true } : {}),
    ...(document === 'payment' ? { document } : {}),
  };
}

/** An output format defined by a mapping: compiled once, rendered by walking the plan over the invoice. */
export function mappingFormat(definition: MappingDefinition): OutputFormat {
  if (definition.output === 'csv') return csvFormat(definition);
  const root = new Compiler(
    definition,
    definition.output !== 'json'
      ? { indent: definition.xml?.indent ?? '  ', compact: definition.xml?.compact === true }
      : undefined,
  ).node(definition.root!, '/root');
  // `none`: a format written only (a CFDI, which a PAC stamps; nothing reads it back into an invoice)
  const module =
    definition.reader === undefined || definition.reader === 'none'
      ? undefined
      : namedReader(definition.reader, definition.id);
  const read =
    definition.output === 'xml' && !module && definition.reader !== 'none'
      ? compileReader(definition)
      : undefined;
  const declaration = definition.xml?.declaration ?? true;
  const indent = definition.xml?.indent ?? '  ';
  return {
    ...identityOf(definition),
    render(source: CanonicalInvoice, options?: RenderOptions): string {
      const calculatedInvoice = calculated(definition, source, options?.owned === true, options?.company);
      const invoice = withExtras(calculatedInvoice, options);
      const out: TreeWriter =
        definition.output === 'json'
          ? new JsonTreeWriter()
          : new XmlTreeWriter(declaration, indent, definition.xml?.compact === true);
      if (!root(invoice, invoice, out)) {
        throw invalidInput('transform.empty', `Mapping ${definition.id} wrote nothing for this document`);
      }
      return out.toString();
    },
    ...(read
      ? {
          parse(content: string): CanonicalInvoice {
            return this.read!(content).invoice;
          },
          read(content: string): ReadDocument {
            const root = parseXmlTree(content);
            const { value, unread, locate } = read(root);
            const syntax = syntaxOf(root);
            return {
              invoice: value as unknown as CanonicalInvoice,
              unread,
              locate,
              ...(syntax ? { source: { root, syntax } } : {}),
            };
          },
        }
      : {}),
    ...(module
      ? {
          parse(content: string): CanonicalInvoice {
            return module.read(content).invoice;
          },
          read: (content: string) => module.read(content),
          ...(module.split ? { split: (content: string) => module.split!(content) } : {}),
        }
      : {}),
  };
}

/** The invoice a render walks: with the company's parameters and the step's values where there are. */
function withExtras(invoice: unknown, options: RenderOptions | undefined): unknown {
  if (!options?.company && !options?.values) return invoice;
  return {
    ...(invoice as object),
    ...(options.company ? { [COMPANY]: options.company } : {}),
    ...(options.values ? { [STEP]: options.values } : {}),
  };
}

/**
 * The rules a rendered invoice's figures must keep: EN 16931's calculation rules, and how each VAT
 * category's taxable and tax amounts add up (BR-x-08, BR-x-09); PEPPOL BIS 3's calculation rules besides.
 */
const FIGURE_RULES: readonly InvoiceRuleModule[] = [
  en16931Arithmetic,
  { ...en16931Vat, rules: en16931Vat.rules.filter((rule) => /^BR-[A-Z]+-0[89]$/.test(rule.id)) },
];
const PEPPOL_FIGURE_RULES: readonly InvoiceRuleModule[] = [...FIGURE_RULES, peppolArithmetic];

/**
 * The figures completed by the calculation, or the refusal of a document whose figures do not add up: by
 * EN 16931's rules, and PEPPOL's where the format declares them (`"rules": ["peppol"]`) or the document is a
 * PEPPOL BIS 3 one by its specification identifier. The rules judge the completed invoice, as it is written.
 */
function calculated(
  definition: MappingDefinition,
  source: CanonicalInvoice,
  owned = false,
  company?: Readonly<Record<string, string>>,
): unknown {
  if (definition.calculate === false) return source;
  if (definition.calculate === 'nfe') return { ...source, nfe: nfeFigures(source, nfeCompanyOf(company)) };
  if (definition.calculate === 'cfdi') return { ...source, cfdi: cfdiFigures(source) };
  if (definition.calculate === 'cfdi-pagos')
    return { ...source, pagos: pagosFigures(source as unknown as CanonicalPaymentDocument) };
  const peppol = (definition.rules ?? []).includes('peppol') || isPeppolBis3(source);
  const result = calculate(source, 'fill', { inPlace: owned });
  const problems = [
    ...result.problems,
    ...runRules(peppol ? PEPPOL_FIGURE_RULES : FIGURE_RULES, { invoice: result.invoice }).filter(
      (p) => p.severity !== 'warning',
    ),
  ];
  if (problems.length > 0) {
    throw new EInvoiceError(
      'transform.inconsistent',
      `The invoice's figures are inconsistent (${problems.length} problems)`,
      { details: problems },
    );
  }
  return result.invoice;
}

/** A CSV export: one row per item of `csv.rows`, one column per `csv.columns` entry (RFC 4180 quoting). */
function csvFormat(definition: MappingDefinition): OutputFormat {
  const csv = definition.csv!;
  const rows = compilePath(csv.rows);
  const columns = csv.columns.map((c, i) => ({
    ...c,
    text: compileValue(c.value, `/csv/columns/${i}/value`),
  }));
  const fixed = csv.delimiter === '';
  const delimiter = csv.delimiter ?? ',';
  // A fixed-width field is padded to its width (numbers to the right); a longer value is refused, never cut.
  const field = (text: string, column: (typeof columns)[number], row: number): string => {
    if (!fixed)
      return /["\r\n]/.test(text) || text.includes(delimiter) ? `"${text.replace(/"/g, '""')}"` : text;
    const width = column.width!;
    if (text.length > width) {
      throw invalidInput(
        'transform.too-long',
        `${column.name} is ${text.length} characters, its field ${width}`,
        [{ path: `row ${row}, column ${column.name}`, message: `longer than ${width}` }],
      );
    }
    return column.align === 'right' ? text.padStart(width) : text.padEnd(width);
  };
  return {
    ...identityOf(definition),
    render(source: CanonicalInvoice, options?: RenderOptions): string {
      const calculatedInvoice = calculated(definition, source, options?.owned === true, options?.company);
      const invoice = withExtras(calculatedInvoice, options);
      const lines =
        csv.header === false
          ? []
          : [columns.map((c) => field(c.name.slice(0, c.width), c, 0)).join(delimiter)];
      const items = rows(invoice, invoice);
      (Array.isArray(items) ? items : []).forEach((item, i) => {
        lines.push(columns.map((c) => field(c.text(item, invoice) ?? '', c, i + 1)).join(delimiter));
      });
      return `${lines.join('\r\n')}\r\n`;
    },
  };
}

const validateMapping = () =>
  compileSchemaFile<MappingDefinition>(join(packageRoot(), 'flows', 'schema', 'mapping.schema.json'));

/** A mapping file as written: a whole mapping, or one that `extends` another with other parameters. */
export type MappingSource = Partial<MappingDefinition> & {
  id: string;
  description: string;
  extends?: string;
  parameters?: Record<string, string>;
};

/** Checks a mapping file against the schema; problems carry the file and JSON path. */
export function readMappingSource(text: string, source: string): MappingSource {
  const parsed = parseJson(text);
  if (!parsed.ok) {
    throw invalidInput('format.invalid-mapping', `${source} is not JSON`, [
      { path: source, message: parsed.message },
    ]);
  }
  const validate = validateMapping();
  if (!validate(parsed.value)) {
    const problems: ProblemDetail[] = toProblems(validate.errors).map((p) => ({
      ...p,
      path: `${source}#${p.path ?? ''}`,
    }));
    throw invalidInput('format.invalid-mapping', `${source} is not a valid format mapping`, problems);
  }
  return parsed.value;
}

/** Puts the parameters into `${name}` placeholders of every constant and default of the template. */
function withParameters<T>(value: T, parameters: Record<string, string>, id: string): T {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][\w-]*)\}/g, (_, name: string) => {
      const parameter = parameters[name];
      if (parameter === undefined) {
        throw invalidInput(
          'format.invalid-mapping',
          `Mapping ${id} uses parameter "${name}", which it does not set`,
        );
      }
      return parameter;
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v: unknown) => withParameters(v, parameters, id)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, k === 'comment' ? v : withParameters(v, parameters, id)]),
    ) as T;
  }
  return value;
}

/**
 * Resolves `extends` (a mapping takes another's template, fragments and settings, with its own parameters and
 * fragments over the other's) and parameters, and compiles each mapping. `base` holds mappings that may be
 * extended but are not returned (the shipped ones, for a folder of one's own).
 */
export function compileMappings(sources: MappingSource[], base: MappingSource[] = []): OutputFormat[] {
  const byId = new Map([...base, ...sources].map((m) => [m.id, m]));
  const resolve = (source: MappingSource, seen: string[]): MappingSource => {
    if (!source.extends) return source;
    if (seen.includes(source.extends)) {
      throw invalidInput(
        'format.invalid-mapping',
        `Mappings extend each other in a circle: ${[...seen, source.extends].join(' → ')}`,
      );
    }
    const parent = byId.get(source.extends);
    if (!parent)
      throw invalidInput(
        'format.invalid-mapping',
        `Mapping ${source.id} extends unknown mapping "${source.extends}"`,
      );
    const resolved = resolve(parent, [...seen, source.id]);
    return {
      ...resolved,
      ...source,
      extends: undefined,
      parameters: { ...resolved.parameters, ...source.parameters },
      fragments: { ...resolved.fragments, ...source.fragments },
    };
  };
  return sources.map((source) => {
    const { parameters = {}, extends: _extends, ...resolved } = resolve(source, [source.id]);
    return mappingFormat(withParameters(resolved as MappingDefinition, parameters, source.id));
  });
}

/** Checks a single, self-contained mapping and compiles it. */
export function loadMapping(text: string, source: string): OutputFormat {
  return compileMappings([readMappingSource(text, source)])[0]!;
}

/** The mapping files in `dir` (`*.json`, not recursing into `schema/`). */
export function readMappingSources(dir: string): MappingSource[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => readMappingSource(readFileSync(join(dir, name), 'utf8'), join(dir, name)));
}

/**
 * The mappings of the features that come with the service (`flows/<feature>/feature.json`, its `formats`),
 * in the order of the features' folders; the feature catalogue checks the features whole at start-up.
 */
function shippedMappingSources(): MappingSource[] {
  const root = join(packageRoot(), 'flows');
  const sources: MappingSource[] = [];
  for (const folder of readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()) {
    const file = join(root, folder, 'feature.json');
    if (!existsSync(file)) continue; // not a feature (the schemas' folder)
    const manifest = parseJson(readFileSync(file, 'utf8'));
    if (!manifest.ok)
      throw invalidInput('feature.invalid', `${file} is not JSON`, [
        { path: file, message: manifest.message },
      ]);
    for (const name of (manifest.value as { formats?: string[] }).formats ?? []) {
      const mapping = join(root, folder, name);
      sources.push(readMappingSource(readFileSync(mapping, 'utf8'), mapping));
    }
  }
  return sources;
}

let shipped: OutputFormat[] | undefined;

/** The formats that come with the service (those of its shipped features), loaded and compiled once. */
export function shippedFormats(): OutputFormat[] {
  shipped ??= compileMappings(shippedMappingSources());
  return shipped;
}

/** The mappings of a folder of one's own, which may extend the shipped ones. */
export function loadMappings(dir: string): OutputFormat[] {
  return compileMappings(readMappingSources(dir), shippedMappingSources());
}
