import { EInvoiceError, invalidInput } from '../errors';
import type { FlowDefinition, InputKind } from '../flows/types';
import type { OutputFormat } from '../formats/format';
import { sampleInvoice } from '../model/sample-invoice';
import { checkXmlSafety, DEFAULT_MAX_XML_DEPTH } from '../xml/safe-xml';

/** Deepest nesting of arrays and objects a JSON body may have (the body itself is level 1). */
export const MAX_JSON_DEPTH = 64;
/** Deepest element nesting an XML body may have: the XML parser's own limit. */
export const MAX_XML_DEPTH = DEFAULT_MAX_XML_DEPTH;

/** What intake can tell about a body without parsing it into a model. */
export interface DetectedInput {
  kind: InputKind;
  /** XML: the root element, `{namespace}local`. */
  root?: string;
  /** XML: the customization id it declares (UBL `CustomizationID`, CII guideline parameter), if any. */
  customization?: string;
}

const tooDeep = (limit: number, where: string, path = where) =>
  invalidInput('request.too-deep', `The ${where} nests deeper than ${limit} levels`, [
    { path, message: `nesting deeper than ${limit} levels` },
  ]);

/**
 * One pass over JSON text, without recursion (a hostile body cannot overflow the stack): refuses nesting
 * deeper than `limit` with `request.too-deep`, and returns the keys of the top-level object (empty for
 * anything else). Syntax is not checked here; `JSON.parse` does that.
 */
export function scanJson(text: string, limit = MAX_JSON_DEPTH, where = 'JSON body', path = '/'): Set<string> {
  const keys = new Set<string>();
  let depth = 0;
  let topIsObject = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      const start = i + 1;
      let escaped = false;
      for (i = start; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) {
          escaped = true;
          i++;
        } else if (d === 34) break;
      }
      if (depth === 1 && topIsObject) {
        let next = i + 1;
        while (next < text.length && /\s/.test(text[next]!)) next++;
        if (text[next] === ':') {
          const raw = text.slice(start, i);
          keys.add(escaped ? decodeKey(raw) : raw);
        }
      }
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (depth === 0) topIsObject = c === 123;
      if (++depth > limit) throw tooDeep(limit, where, path);
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--;
    }
  }
  return keys;
}

function decodeKey(raw: string): string {
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}

/** The `{namespace}local` name of the root element of XML text, or undefined when there is none. */
function rootElement(text: string): string | undefined {
  let at = text.indexOf('<');
  // Skip the XML declaration, processing instructions, comments and a doctype before the root.
  while (at !== -1 && (text[at + 1] === '?' || text[at + 1] === '!')) {
    const end = text.startsWith('<!--', at) ? text.indexOf('-->', at) : text.indexOf('>', at);
    if (end === -1) return undefined;
    at = text.indexOf('<', end);
  }
  if (at === -1) return undefined;
  const tag = /^<([A-Za-z_][\w.-]*)(?::([A-Za-z_][\w.-]*))?([^>]*)>/.exec(text.slice(at, at + 4096));
  if (!tag) return undefined;
  const [, first, second, attributes] = tag;
  const prefix = second ? first : undefined;
  const local = second ?? first!;
  const declaration = new RegExp(`xmlns${prefix ? `:${prefix}` : ''}\\s*=\\s*(["'])(.*?)\\1`).exec(
    attributes ?? '',
  );
  return `{${declaration?.[2] ?? ''}}${local}`;
}

const CUSTOMIZATION = [
  /<(?:[\w.-]+:)?CustomizationID\b[^>]*>\s*([^<]*?)\s*</,
  /<(?:[\w.-]+:)?GuidelineSpecifiedDocumentContextParameter\b[^>]*>\s*<(?:[\w.-]+:)?ID\b[^>]*>\s*([^<]*?)\s*</,
];

/** Root element and customization id of XML text (cheap: no parse), after the XML safety checks. */
export function sniffXml(text: string, path = '/'): DetectedInput {
  try {
    checkXmlSafety(text, { maxDepth: MAX_XML_DEPTH });
  } catch (error) {
    if (error instanceof EInvoiceError && error.code === 'xml.too-deep') {
      throw invalidInput('request.too-deep', error.message, [
        { path, message: `${error.details[0]?.path ?? ''}: nesting deeper than ${MAX_XML_DEPTH} levels` },
      ]);
    }
    throw error;
  }
  const root = rootElement(text);
  let customization: string | undefined;
  for (const pattern of CUSTOMIZATION) {
    customization = pattern.exec(text)?.[1];
    if (customization) break;
  }
  return { kind: 'xml', ...(root ? { root } : {}), ...(customization ? { customization } : {}) };
}

/**
 * The kind of an intake body: XML by its content type, else JSON: an edoc transfer document when its
 * top-level object has `header` and `positions`, a canonical payment document when it has `payments` and no
 * `lines`, else a canonical invoice. Refuses nesting past the limits.
 */
export function detectInput(content: Buffer, contentType: string, path = '/'): DetectedInput {
  const text = content.toString('utf8');
  if (/xml/i.test(contentType)) return sniffXml(text, path);
  const keys = scanJson(text, MAX_JSON_DEPTH, 'document', path);
  if (keys.has('header') && keys.has('positions')) return { kind: 'edoc-transfer' };
  return { kind: keys.has('payments') && !keys.has('lines') ? 'payment' : 'canonical' };
}

/** How a format's documents look to `sniffXml`: root element and customization id. */
export interface FormatSignature {
  format: string;
  root: string;
  customization?: string;
}

/**
 * The signatures of the formats that read XML, taken from what each renders for a sample invoice and a
 * sample credit note (so a format added as a mapping is recognised like a shipped one). A format that cannot
 * render the sample is left out: its documents are then known by their root element only.
 */
export function formatSignatures(formats: readonly OutputFormat[]): FormatSignature[] {
  const signatures: FormatSignature[] = [];
  for (const format of formats) {
    if (!format.read || !/xml/i.test(format.contentType)) continue;
    for (const typeCode of ['380', '381'] as const) {
      try {
        const sniffed = sniffXml(format.render({ ...sampleInvoice(1), typeCode }));
        if (!sniffed.root) continue;
        const signature: FormatSignature = {
          format: format.id,
          root: sniffed.root,
          ...(sniffed.customization ? { customization: sniffed.customization } : {}),
        };
        if (!signatures.some((s) => s.format === format.id && s.root === signature.root))
          signatures.push(signature);
      } catch {
        // no signature for this format
      }
    }
  }
  return signatures;
}

const KIND_NAMES: Record<InputKind, string> = {
  canonical: 'a canonical invoice (JSON)',
  'edoc-transfer': 'an edoc transfer document (JSON with header and positions)',
  payment: 'a canonical payment document (JSON with payments)',
  xml: 'XML',
};

/** What a flow takes, in words: `a canonical invoice (JSON)`, `XML of peppol-bis3-ubl, en16931-cii`. */
export function describeFlowInput(flow: FlowDefinition): string {
  const input = flow.input;
  if (!input) return 'any document';
  return input.kinds
    .map((kind) =>
      kind === 'xml' && input.formats ? `XML of ${input.formats.join(', ')}` : KIND_NAMES[kind],
    )
    .join(' or ');
}

/**
 * The formats a detected XML document is, by its signature (root element and customization id). Empty
 * when no registered format has its signature.
 */
export function formatsOf(input: DetectedInput, signatures: readonly FormatSignature[]): string[] {
  return signatures
    .filter((s) => s.root === input.root && s.customization === input.customization)
    .map((s) => s.format);
}

/**
 * Refuses a body the flow does not take: `request.unsupported-input` (415) for another kind of body,
 * `request.unsupported-format` (422) for XML of a format the flow does not list. XML whose format is not
 * recognised passes when its root element is that of a listed format (the flow's reader decides), and any
 * XML passes when the flow lists a format intake has no signature of.
 */
export function checkFlowInput(
  flow: FlowDefinition,
  input: DetectedInput,
  signatures: readonly FormatSignature[],
  path = '/',
): void {
  const accepted = flow.input;
  if (!accepted) return;
  if (!accepted.kinds.includes(input.kind)) {
    throw new EInvoiceError(
      'request.unsupported-input',
      `Flow ${flow.id} takes ${describeFlowInput(flow)}; this body is ${KIND_NAMES[input.kind]}`,
      { status: 415, details: [{ path, message: `${flow.id} takes ${describeFlowInput(flow)}` }] },
    );
  }
  if (input.kind !== 'xml' || !accepted.formats) return;
  const formats = formatsOf(input, signatures);
  if (formats.some((f) => accepted.formats!.includes(f))) return;
  // A listed format intake cannot recognise (not registered here, or no signature) could be this one.
  if (accepted.formats.some((f) => !signatures.some((s) => s.format === f))) return;
  const listedRoots = signatures.filter((s) => accepted.formats!.includes(s.format)).map((s) => s.root);
  if (formats.length === 0 && listedRoots.includes(input.root ?? '')) return;
  const what =
    formats.length > 0
      ? `a document of ${formats.join(', ')}`
      : `XML with root ${input.root ?? '(none)'}${input.customization ? ` and customization ${input.customization}` : ''}`;
  throw new EInvoiceError(
    'request.unsupported-format',
    `Flow ${flow.id} takes XML of ${accepted.formats.join(', ')}; this body is ${what}`,
    { status: 422, details: [{ path, message: `${flow.id} takes XML of ${accepted.formats.join(', ')}` }] },
  );
}
