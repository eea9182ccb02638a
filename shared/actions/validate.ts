import type { Action, ActionContext, ActionResult } from '../engine/action';
import { EInvoiceError, type ProblemDetail } from '../errors';
import {
  locateProblems,
  toFinding,
  type FormatRegistry,
  type OutputFormat,
  type ReadDocument,
} from '../formats/format';
import { shippedFormats } from '../formats/mapping';
import type { CalculationMode } from '../model/calculation';
import { validateInvoice } from '../model/validate-invoice';
import { checkPaymentSchema } from '../model/validate-payment';
import type { RuleSetChoice } from '../model/rule-sets';
import { parseJson } from '../util/json';
import { syntaxOf } from '../xml/namespaces';
import { parseXmlTree } from '../xml/xml-tree';

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** The XML document a `read-invoice` step made `input` from: its text, the format that read it, its tree. */
interface Received {
  text: string;
  format: OutputFormat;
  source?: ReadDocument['source'];
}

/**
 * The XML document `input` was read from, when a `read-invoice` step of the flow made it from one (through the
 * format the step names, else the one it read it with, `inboundFormat`): parsed for the rules of its syntax.
 */
async function receivedXml(
  context: ActionContext,
  input: string,
  formats: FormatRegistry | undefined,
): Promise<Received | undefined> {
  const reader = context.flow.steps.find(
    (step) =>
      step.action === 'read-invoice' && ((step.with?.output as string | undefined) ?? 'input.json') === input,
  );
  if (!reader) return undefined;
  const id = (reader.with?.format as string | undefined) ?? context.record.variables?.inboundFormat;
  const format = formats
    ? formats.list(context.formats).find((f) => f.id === id)
    : shippedFormats().find((f) => f.id === id);
  if (!format?.read) return undefined;
  const text = (
    await context.readArtifact((reader.with?.input as string | undefined) ?? 'input.xml')
  ).toString('utf8');
  try {
    const root = parseXmlTree(text);
    const syntax = syntaxOf(root);
    return { text, format, ...(syntax ? { source: { root, syntax } } : {}) };
  } catch (error) {
    // It was read once; a document that no longer parses is judged without its syntax rules.
    if (error instanceof EInvoiceError) return undefined;
    throw error;
  }
}

/** Where the values were read from in the received document: read again, only when findings need it. */
function locatorOf(received: Received | undefined): ReadDocument['locate'] {
  if (!received) return undefined;
  try {
    return received.format.read!(received.text).locate;
  } catch (error) {
    // A document that no longer reads is found without its locations.
    if (error instanceof EInvoiceError) return undefined;
    throw error;
  }
}

/**
 * `validate`: the canonical invoice's validation gate (schema, EN 16931 business rules, calculation in
 * `fill` or `check` mode), with the rule sets in `rules` (`peppol`, XRechnung's BR-DE-*, PEPPOL's DE-R-*)
 * besides those the invoice's specification identifier implies, less those named `no-…`. A valid document is written, with every computed figure, to `output`; an invalid
 * one is rejected (not retried) with every problem on the record and in `validation.json`: each with its
 * rule id, severity (`fatal`, `warning`), message, canonical JSON path and business terms, and where the
 * invoice was read from XML by a `read-invoice` step of the flow, its location there (`{ xpath, line }`).
 * `formats` are those the XML may have been read with (default: the shipped ones).
 */
export function validateActionWith(formats?: FormatRegistry): Action {
  return {
    name: 'validate',
    stage: 'transform',
    pure: true,
    description: 'Validate the canonical invoice (schema, business rules, totals) and complete its figures',
    paramsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        input: { type: 'string' },
        output: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
        calculation: { enum: ['fill', 'check'] },
        document: { enum: ['invoice', 'payment'] },
        rules: {
          type: 'array',
          uniqueItems: true,
          items: { enum: ['xrechnung', 'peppol-de', 'peppol', 'no-peppol'] },
        },
      },
    },
    async run(context) {
      if (context.params.document === 'payment') return validatePayment(context);
      const input = (context.params.input as string | undefined) ?? 'input.json';
      const output = (context.params.output as string | undefined) ?? 'canonical.json';
      const mode = (context.params.calculation as CalculationMode | undefined) ?? 'fill';
      const parsed = parseJson((await context.readArtifact(input)).toString('utf8'));
      const ruleSets = (context.params.rules as RuleSetChoice[] | undefined) ?? [];
      const received = parsed.ok ? await receivedXml(context, input, formats) : undefined;
      const result = parsed.ok
        ? validateInvoice(parsed.value, mode, { inPlace: true, ruleSets, source: received?.source })
        : { valid: false, problems: [{ path: '/', message: parsed.message, code: 'json.syntax' }] };
      // the feature's extension of the canonical document (Italian terms, say), checked with the rest
      const extended = parsed.ok && context.checkExtensions ? context.checkExtensions(parsed.value) : [];
      const found = [...result.problems, ...extended];
      const valid = result.valid && extended.length === 0;
      const problems: ProblemDetail[] =
        parsed.ok && found.length > 0 ? locateProblems(found, locatorOf(received)) : found;
      await context.writeArtifact(
        'validation.json',
        JSON.stringify({ valid, mode, problems: problems.map(toFinding) }, null, 2),
        'application/json',
      );
      if (valid && 'invoice' in result && result.invoice) {
        await context.writeArtifact(output, JSON.stringify(result.invoice), 'application/json');
        const warnings = problems.length;
        if (warnings === 0) return { outcome: 'accepted' };
        return {
          outcome: 'accepted',
          code: 'validation.warnings',
          message: `${plural(warnings, 'warning')}: ${[...new Set(problems.map((p) => p.code))].join(', ')}`,
          details: problems,
        };
      }
      const errors = problems.filter((p) => p.severity !== 'warning').length;
      return {
        outcome: 'rejected',
        code: 'validation.failed',
        message: `${plural(errors, 'validation problem')}${
          errors < problems.length ? ` and ${plural(problems.length - errors, 'warning')}` : ''
        }`,
        details: problems,
      };
    },
  };
}

/**
 * `validate` of a canonical payment document (`document: payment`): its schema and the feature's extension,
 * every problem with its JSON path; a valid one is written as it is to `output` (default `payment.json`), its
 * figures left to the format that makes the receipt.
 */
async function validatePayment(context: ActionContext): Promise<ActionResult> {
  const input = (context.params.input as string | undefined) ?? 'input.json';
  const output = (context.params.output as string | undefined) ?? 'payment.json';
  const parsed = parseJson((await context.readArtifact(input)).toString('utf8'));
  const problems: ProblemDetail[] = parsed.ok
    ? [...checkPaymentSchema(parsed.value), ...(context.checkExtensions?.(parsed.value) ?? [])]
    : [{ path: '/', message: parsed.message, code: 'json.syntax' }];
  const valid = problems.length === 0;
  await context.writeArtifact(
    'validation.json',
    JSON.stringify({ valid, document: 'payment', problems: problems.map(toFinding) }, null, 2),
    'application/json',
  );
  if (!valid || !parsed.ok)
    return {
      outcome: 'rejected',
      code: 'validation.failed',
      message: plural(problems.length, 'validation problem'),
      details: problems,
    };
  await context.writeArtifact(output, JSON.stringify(parsed.value), 'application/json');
  return { outcome: 'accepted' };
}
