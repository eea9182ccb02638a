import { sign } from 'node:crypto';
import type { Action } from '../engine/action';
import type { Connectors } from '../connectors/call';
import { EInvoiceError } from '../errors';
import { parseJson } from '../util/json';

const UUID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/i;

interface CancelRequest {
  motivo?: unknown;
  folioSustitucion?: unknown;
}

/** The reasons SAT takes (c_Motivo) and what each needs; checked before anything is sent. */
function checkRequest(data: CancelRequest): string | undefined {
  const { motivo, folioSustitucion } = data;
  if (!['01', '02', '03', '04'].includes(String(motivo)))
    return `motivo must be 01, 02, 03 or 04; got ${JSON.stringify(motivo)}`;
  if (motivo === '01' && (typeof folioSustitucion !== 'string' || !UUID.test(folioSustitucion)))
    return 'motivo 01 (issued with errors, with a relation) needs folioSustitucion: the UUID of the stamped replacement';
  if (motivo !== '01' && folioSustitucion !== undefined) return 'folioSustitucion goes with motivo 01 only';
  return undefined;
}

/**
 * `cancel-cfdi`: asks the PAC to cancel a stamped CFDI (a related submission of the document that stamped it):
 * the reason (`motivo`, with `folioSustitucion` for 01) from the submission's data, checked locally first;
 * the request signed with the company's CSD (`x-cancel-signature`: RSA-SHA256 over the exact body, the PAC
 * stand-in's protocol, docs/countries/mexico.md). The PAC's 201 (received) and 202 (cancelled before) are
 * accepted with its `estatusCancelacion` as a variable; its refusals reject with its code; 5xx and transport
 * failures are retried.
 */
export function cancelCfdiAction(connectors: Connectors): Action {
  return {
    name: 'cancel-cfdi',
    stage: 'submit',
    description: 'Ask the PAC to cancel a stamped CFDI (the request signed with the CSD)',
    paramsSchema: {
      type: 'object',
      required: ['certificate', 'url', 'uuid', 'rfcEmisor'],
      additionalProperties: false,
      properties: {
        certificate: { type: 'string', minLength: 1 },
        url: { type: 'string', pattern: '^(https?://|\\{)' },
        uuid: { type: 'string', minLength: 1 },
        rfcEmisor: { type: 'string', minLength: 1 },
        rfcReceptor: { type: 'string' },
        total: { type: 'string' },
        input: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
        output: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
      },
    },
    async run(context) {
      const params = context.params as Record<string, string | undefined>;
      const parsed = parseJson((await context.readArtifact(params.input ?? 'input.json')).toString('utf8'));
      const data = (parsed.ok ? parsed.value : undefined) as CancelRequest | undefined;
      const problem =
        data && typeof data === 'object' ? checkRequest(data) : 'the request is not a JSON object';
      if (problem) return { outcome: 'rejected', code: 'cancel.invalid', message: problem };
      const body = JSON.stringify({
        rfcEmisor: params.rfcEmisor,
        uuid: params.uuid,
        motivo: data!.motivo,
        ...(data!.folioSustitucion !== undefined ? { folioSustitucion: data!.folioSustitucion } : {}),
        ...(params.total ? { total: params.total } : {}),
        ...(params.rfcReceptor ? { rfcReceptor: params.rfcReceptor } : {}),
      });
      const csd = await connectors.certificates.get(params.certificate!);
      const signature = sign('sha256', Buffer.from(body), csd.privateKey).toString('base64');
      let answer;
      try {
        answer = await connectors.http.send({
          url: params.url!,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-cancel-signature': signature },
          body: Buffer.from(body),
          timeoutMs: 30_000,
          signal: context.signal,
        });
      } catch (error) {
        throw new EInvoiceError('cancel.unreachable', `The PAC did not answer: ${(error as Error).message}`, {
          retryable: true,
        });
      }
      await context.writeArtifact(params.output ?? 'cancel-answer.json', answer.body, 'application/json');
      if (answer.status >= 500)
        return { outcome: 'transient', code: `cancel.http-${answer.status}`, message: 'The PAC failed' };
      const reply = parseJson(answer.body.toString('utf8'));
      const json = (reply.ok ? reply.value : {}) as {
        code?: string;
        message?: string;
        estatusCancelacion?: string;
      };
      if (json.code === '201' || json.code === '202')
        return {
          outcome: 'accepted',
          code: `cancel.${json.code}`,
          message: json.estatusCancelacion ?? json.message ?? '',
          noticeLevel: 'info',
          variables: { estatusCancelacion: json.estatusCancelacion ?? '' },
        };
      return {
        outcome: 'rejected',
        code: `cancel.${json.code ?? `http-${answer.status}`}`,
        message: json.message ?? `The PAC answered ${answer.status}`,
      };
    },
  };
}
