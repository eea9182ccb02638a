import xpath from 'xpath';
import type { ActionResult } from '../engine/action';
import { EInvoiceError, type ProblemDetail } from '../errors';
import { parseXmlSafely } from '../xml/safe-xml';

/**
 * How a service's answer is read, in a flow: paths into the answer (JSON Pointer `/a/b`, JSONPath `$.a.b`
 * for JSON; XPath for XML, where a plain path of names such as `/Envelope/Body/Reply/Status` matches by
 * local name), and lists of values per outcome.
 */
export interface ResponseRules {
  /** `auto` (default) reads XML when the answer starts with `<`, JSON otherwise. */
  format?: 'auto' | 'json' | 'xml';
  status: string;
  /** The service's message(s); every match is kept. */
  message?: string;
  outcomes: Partial<Record<'accepted' | 'rejected' | 'pending' | 'transient', string[]>>;
  /** Values to keep as flow variables (ids the service gave, for a later status query). */
  variables?: Record<string, string>;
  /** XPath prefixes, for paths that use them. */
  namespaces?: Record<string, string>;
}

export const RESPONSE_RULES_PROPERTIES = {
  format: { enum: ['auto', 'json', 'xml'] },
  status: { type: 'string', minLength: 1 },
  message: { type: 'string', minLength: 1 },
  outcomes: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: Object.fromEntries(
      ['accepted', 'rejected', 'pending', 'transient'].map((o) => [
        o,
        { type: 'array', items: { type: 'string' } },
      ]),
    ),
  },
  variables: {
    type: 'object',
    propertyNames: { pattern: '^[A-Za-z0-9_]+$' },
    additionalProperties: { type: 'string', minLength: 1 },
  },
  namespaces: { type: 'object', additionalProperties: { type: 'string' } },
} as const;

const MAX_MESSAGE = 500;

/** Values at a JSON Pointer (RFC 6901): none or one. */
export function pointer(value: unknown, path: string): unknown[] {
  if (path === '') return [value];
  let current = value;
  for (const raw of path.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof current !== 'object' || current === null) return [];
    current = (current as Record<string, unknown>)[key];
  }
  return current === undefined ? [] : [current];
}

type Step = { kind: 'child'; name: string | number } | { kind: 'any' } | { kind: 'descendant'; name: string };

function parseJsonPath(path: string): Step[] {
  const steps: Step[] = [];
  const tokens =
    /\.\.([A-Za-z_$][\w$-]*)|\.([A-Za-z_$][\w$-]*)|\.\*|\[\*\]|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/y;
  let index = 1;
  while (index < path.length) {
    tokens.lastIndex = index;
    const m = tokens.exec(path);
    if (!m) throw new RangeError(`JSONPath ${path}: cannot read from character ${index + 1}`);
    if (m[1] !== undefined) steps.push({ kind: 'descendant', name: m[1] });
    else if (m[2] !== undefined) steps.push({ kind: 'child', name: m[2] });
    else if (m[3] !== undefined) steps.push({ kind: 'child', name: Number(m[3]) });
    else if (m[4] !== undefined || m[5] !== undefined) steps.push({ kind: 'child', name: (m[4] ?? m[5])! });
    else steps.push({ kind: 'any' });
    index = tokens.lastIndex;
  }
  return steps;
}

function children(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'object' && value !== null) return Object.values(value);
  return [];
}

/**
 * Values selected by a JSONPath of the common subset: `$`, `.name`, `['name']`, `[n]`, `[*]`, `.*` and
 * `..name` (any depth). Filters and scripts are not supported (and not evaluated).
 */
export function jsonPath(value: unknown, path: string): unknown[] {
  if (!path.startsWith('$')) throw new RangeError(`JSONPath must start with "$": ${path}`);
  let nodes: unknown[] = [value];
  for (const step of parseJsonPath(path)) {
    const next: unknown[] = [];
    for (const node of nodes) {
      if (step.kind === 'any') next.push(...children(node));
      else if (step.kind === 'child') {
        if (typeof node === 'object' && node !== null) {
          const child = (node as Record<string | number, unknown>)[step.name];
          if (child !== undefined) next.push(child);
        }
      } else {
        const visit = (n: unknown) => {
          if (typeof n !== 'object' || n === null) return;
          if (!Array.isArray(n) && step.name in n) next.push((n as Record<string, unknown>)[step.name]);
          for (const c of children(n)) visit(c);
        };
        visit(node);
      }
    }
    nodes = next;
  }
  return nodes;
}

/** A plain path of names (`/a/b/@c`, `//b`) matched by local name, so that prefixes need not be declared. */
function localNamePath(path: string): string {
  return path.replace(/(^|\/)([A-Za-z_][\w.-]*)(?=\/|$)/g, "$1*[local-name()='$2']");
}

function xmlValues(doc: Document, path: string, namespaces: Record<string, string> | undefined): unknown[] {
  const plain = !/[:[(]/.test(path);
  const expression = plain ? localNamePath(path) : path;
  const select = namespaces ? xpath.useNamespaces(namespaces) : xpath.select;
  const found = select(expression, doc);
  const nodes = Array.isArray(found) ? found : [found];
  return nodes.map((n) =>
    typeof n === 'object' && n !== null && 'textContent' in n ? (n.textContent ?? '').trim() : n,
  );
}

/** The answer, parsed as the rules say; a malformed one is a coded error naming where it broke. */
function parse(
  body: Buffer,
  rules: ResponseRules,
): { kind: 'json'; value: unknown } | { kind: 'xml'; doc: Document } {
  const text = body.toString('utf8');
  const kind =
    rules.format && rules.format !== 'auto'
      ? rules.format
      : text.trimStart().startsWith('<')
        ? 'xml'
        : 'json';
  if (kind === 'xml') {
    try {
      return { kind, doc: parseXmlSafely(text) };
    } catch (error) {
      const where = error instanceof EInvoiceError ? error.details[0]?.path : undefined;
      throw new EInvoiceError(
        'response.malformed',
        `The answer is not well-formed XML${where ? ` (${where})` : ''}`,
      );
    }
  }
  try {
    return { kind, value: JSON.parse(text) as unknown };
  } catch (error) {
    throw new EInvoiceError('response.malformed', `The answer is not JSON: ${(error as Error).message}`);
  }
}

/** Reads the values at `path` in an answer. */
function select(parsed: ReturnType<typeof parse>, path: string, rules: ResponseRules): unknown[] {
  if (parsed.kind === 'xml') return xmlValues(parsed.doc, path, rules.namespaces);
  return path.startsWith('$') ? jsonPath(parsed.value, path) : pointer(parsed.value, path);
}

const scalar = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/**
 * Judges an answer by the rules: the status value picks the outcome; the service's messages are kept
 * (readable, on the record), and the variables are read. A status no rule names fails the step, naming it.
 * A malformed answer (a proxy's error page, a cut body) is `malformed`: `transient` where asking again can
 * help (the call itself), `failed` where the answer is all there is.
 */
export function judgeResponse(
  body: Buffer,
  rules: ResponseRules,
  malformed: 'transient' | 'failed' = 'transient',
): ActionResult {
  let parsed;
  try {
    parsed = parse(body, rules);
  } catch (error) {
    const { code, message } = error as EInvoiceError;
    return { outcome: malformed, code, message };
  }
  const status = select(parsed, rules.status, rules).find(scalar);
  const messages = rules.message
    ? select(parsed, rules.message, rules)
        .filter(scalar)
        .map((m) => String(m).replace(/\s+/g, ' ').trim())
        .filter(Boolean)
    : [];
  const variables: Record<string, string> = {};
  for (const [name, path] of Object.entries(rules.variables ?? {})) {
    const value = select(parsed, path, rules).find(scalar);
    if (value !== undefined) variables[name] = String(value);
  }
  const text = messages.join('; ').slice(0, MAX_MESSAGE);
  const details: ProblemDetail[] = messages
    .slice(0, 20)
    .map((m) => ({ path: rules.message!, message: m.slice(0, MAX_MESSAGE) }));
  for (const outcome of ['accepted', 'rejected', 'pending', 'transient'] as const) {
    if (status !== undefined && rules.outcomes[outcome]?.includes(String(status))) {
      return {
        outcome,
        code: `response.${String(status)}`,
        ...(text ? { message: text } : {}),
        ...(details.length > 1 ? { details } : {}),
        variables,
      };
    }
  }
  return {
    outcome: 'failed',
    code: status === undefined ? 'response.no-status' : 'response.unknown-status',
    message:
      status === undefined
        ? `The answer has no status at ${rules.status}${text ? `: ${text}` : ''}`
        : `The service answered status ${JSON.stringify(status)}, which no rule maps${text ? `: ${text}` : ''}`,
    variables,
  };
}
