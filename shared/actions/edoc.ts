import type { Action, ActionContext } from '../engine/action';
import { EInvoiceError } from '../errors';
import { toBusinessCentral } from '../edoc/bc';
import { transferFromInvoice } from '../edoc/convert';
import { COMPANY_SETUP_SCHEMA, parseCompanySetup, type CompanySetup } from '../edoc/setup';
import { normalizeTransfer, validateTransfer, type TransferDocument } from '../edoc/validate';
import type { FormatRegistry } from '../formats/format';
import type { CanonicalInvoice } from '../model/invoice';
import type { TenantDirectory } from '../store/tenants';
import { parseJson } from '../util/json';

const ARTIFACT = { type: 'string', pattern: '^[A-Za-z0-9._-]+$' } as const;

/**
 * The company setup a step works under: `setup` in its parameters, else the tenant's configuration for
 * `company` (default: the document's `context.companyId`).
 */
async function setupFor(context: ActionContext, tenants: TenantDirectory): Promise<CompanySetup> {
  if (context.params.setup !== undefined)
    return parseCompanySetup(context.params.setup, `step ${context.step.id} setup`);
  const company = (context.params.company as string | undefined) ?? context.record.context.companyId;
  if (!company)
    throw new EInvoiceError(
      'edoc.no-company',
      'The document names no company (context.companyId) and the step no setup',
    );
  const setup = (await tenants.get(context.record.tenantId))?.companies?.[company];
  if (!setup)
    throw new EInvoiceError(
      'edoc.unknown-company',
      `The tenant has no setup for company ${company} (PUT /api/companies/${company})`,
    );
  return setup;
}

async function readJson(context: ActionContext, name: string): Promise<unknown> {
  const parsed = parseJson((await context.readArtifact(name)).toString('utf8'));
  if (!parsed.ok) throw new EInvoiceError('edoc.invalid-json', `${name} is not JSON: ${parsed.message}`);
  return parsed.value;
}

const SETUP_PARAMS = { setup: COMPANY_SETUP_SCHEMA, company: { type: 'string', minLength: 1 } } as const;

/**
 * `read-invoice`: an inbound e-invoice (UBL, CII, or any format with a mapping that reads) into the
 * canonical model, not yet validated (the `validate` step in `check` mode follows). Elements no mapping
 * reads are listed in the result's message.
 */
export function readInvoiceAction(formats: FormatRegistry): Action {
  return {
    name: 'read-invoice',
    stage: 'transform',
    pure: true,
    description: 'Read an inbound e-invoice into the canonical model',
    paramsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        input: ARTIFACT,
        output: ARTIFACT,
        format: {
          enum: formats
            .list()
            .filter((f) => f.read !== undefined)
            .map((f) => f.id),
        },
      },
    },
    async run(context) {
      const input = (context.params.input as string | undefined) ?? 'input.xml';
      const text = (await context.readArtifact(input)).toString('utf8');
      const wanted = context.params.format as string | undefined;
      const candidates = wanted
        ? [formats.get(wanted, context.formats)]
        : formats.list(context.formats).filter((f) => f.read !== undefined);
      for (const format of candidates) {
        try {
          const { invoice, unread } = format.read!(text);
          await context.writeArtifact(
            (context.params.output as string | undefined) ?? 'input.json',
            JSON.stringify(invoice),
            'application/json',
          );
          return {
            outcome: 'accepted',
            ...(unread.length > 0
              ? {
                  code: 'read.unread',
                  message: `${unread.length} element(s) not read (${format.id}): ${unread.slice(0, 5).join(', ')}`,
                }
              : {}),
            variables: { inboundFormat: format.id },
          };
        } catch (error) {
          if (!(error instanceof EInvoiceError) || error.code !== 'convert.unknown-document') throw error;
        }
      }
      return {
        outcome: 'rejected',
        code: 'read.unknown-document',
        message: `No registered format reads ${input}`,
      };
    },
  };
}

/** `edoc-from-invoice`: a validated canonical invoice as an edoc transfer document for the company. */
export function edocFromInvoiceAction(tenants: TenantDirectory): Action {
  return {
    name: 'edoc-from-invoice',
    stage: 'transform',
    pure: true,
    description: 'Turn a canonical invoice into an edoc transfer document',
    paramsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { input: ARTIFACT, output: ARTIFACT, ...SETUP_PARAMS },
    },
    async run(context) {
      const setup = await setupFor(context, tenants);
      const invoice = (await readJson(
        context,
        (context.params.input as string | undefined) ?? 'canonical.json',
      )) as CanonicalInvoice;
      const document = transferFromInvoice(invoice, setup, context.record.id);
      await context.writeArtifact(
        (context.params.output as string | undefined) ?? 'transfer.json',
        JSON.stringify(document, null, 2),
        'application/json',
      );
      return { outcome: 'accepted' };
    },
  };
}

/**
 * `edoc-validate`: "load and check" of a transfer document under the company's setup. Every problem goes to
 * `edoc-validation.json` and the record; a document with errors is rejected, another company's is rejected
 * as not imported.
 */
export function edocValidateAction(tenants: TenantDirectory): Action {
  return {
    name: 'edoc-validate',
    stage: 'transform',
    pure: true,
    description: 'Check an edoc transfer document under the company setup',
    paramsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { input: ARTIFACT, output: ARTIFACT, ...SETUP_PARAMS },
    },
    async run(context) {
      const setup = await setupFor(context, tenants);
      const input = (context.params.input as string | undefined) ?? 'input.json';
      const document = await readJson(context, input);
      const result = validateTransfer(document, setup);
      await context.writeArtifact(
        'edoc-validation.json',
        JSON.stringify(result, null, 2),
        'application/json',
      );
      if (result.valid) {
        const output = (context.params.output as string | undefined) ?? 'transfer.json';
        // Numbers sent for text fields travel on as their decimal text (the input stays as it came).
        if (output !== input)
          await context.writeArtifact(
            output,
            JSON.stringify(normalizeTransfer(document), null, 2),
            'application/json',
          );
        return { outcome: 'accepted' };
      }
      return {
        outcome: 'rejected',
        code: result.imported ? 'edoc.invalid' : 'edoc.not-imported',
        message: `${result.errorCount} error${result.errorCount === 1 ? '' : 's'}${result.imported ? '' : "; another company's document, not imported"}`,
        details: result.problems.map((p) => ({
          path: p.path,
          code: p.code,
          message: p.setting ? `${p.message} [setting ${p.setting}]` : p.message,
        })),
      };
    },
  };
}

/**
 * `bc-map`: a checked transfer document as Business Central records (`bc-records.json`) and the request for
 * BC's API (`bc-request.json`: one deep insert of the purchase document, or an OData `$batch` of journal
 * lines); the variable `bcPath` is the request's path for the submit step.
 */
export function bcMapAction(tenants: TenantDirectory): Action {
  return {
    name: 'bc-map',
    stage: 'transform',
    pure: true,
    description: 'Map an edoc transfer document to Business Central records and API requests',
    paramsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { input: ARTIFACT, journalId: { type: 'string', minLength: 1 }, ...SETUP_PARAMS },
    },
    async run(context) {
      const setup = await setupFor(context, tenants);
      const document = (await readJson(
        context,
        (context.params.input as string | undefined) ?? 'transfer.json',
      )) as TransferDocument;
      const bc = toBusinessCentral(document, setup);
      await context.writeArtifact('bc-records.json', JSON.stringify(bc, null, 2), 'application/json');
      const journalId = (context.params.journalId as string | undefined) ?? 'DEFAULT';
      const requests = bc.api.requests.map((r) => ({ ...r, path: r.path.replace('{journalId}', journalId) }));
      const single = requests.length === 1 ? requests[0]! : undefined;
      const body = single
        ? single.body
        : {
            requests: requests.map((r, i) => ({
              id: String(i + 1),
              method: r.method,
              url: r.path,
              headers: { 'Content-Type': 'application/json' },
              body: r.body,
            })),
          };
      await context.writeArtifact('bc-request.json', JSON.stringify(body), 'application/json');
      return {
        outcome: 'accepted',
        ...(bc.notes.length > 0 ? { code: 'bc.notes', message: bc.notes.join('; ') } : {}),
        variables: { bcPath: single ? single.path : '$batch' },
      };
    },
  };
}
