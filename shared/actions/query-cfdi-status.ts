import type { Action, ActionResult } from '../engine/action';
import { callService, judgeStatus, type Connectors } from '../connectors/call';
import {
  CONSULTA_SOAP_ACTION,
  consultaRequest,
  expressionOf,
  parseConsultaResponse,
  type CfdiStatus,
  type CfdiStatusExpression,
} from '../connectors/sat/consulta';
import { isEInvoiceError } from '../errors';
import { POLL_PACING_PROPERTIES, pollClock, type PollPacing } from './poll-http';

type Until = 'answer' | 'valid' | 'cancelled';

interface QuerySettings extends PollPacing, Partial<CfdiStatusExpression> {
  url: string;
  input?: string;
  until?: Until;
  output?: string;
  timeout?: string;
}

const NAMES = ['re', 'rr', 'tt', 'id', 'fe'] as const;

/** What SAT's answer means for the step, by what it waits for. */
function judge(status: CfdiStatus, until: Until): ActionResult {
  const said = [status.estado, status.estatusCancelacion].filter(Boolean).join(', ');
  const variables = {
    estado: status.estado,
    esCancelable: status.esCancelable,
    estatusCancelacion: status.estatusCancelacion,
  };
  if (until === 'answer') return { outcome: 'accepted', message: said, variables };
  if (until === 'valid') {
    if (status.estado === 'Vigente') return { outcome: 'accepted', message: said, variables };
    if (status.estado === 'Cancelado')
      return {
        outcome: 'rejected',
        code: 'sat.cancelled',
        message: `SAT has it cancelled (${said})`,
        variables,
      };
    return {
      outcome: 'pending',
      message: `SAT does not list it yet (${status.codigoEstatus || said})`,
      variables,
    };
  }
  if (status.estado === 'Cancelado') return { outcome: 'accepted', message: said, variables };
  if (status.estatusCancelacion === 'Solicitud rechazada')
    return {
      outcome: 'rejected',
      code: 'sat.cancel-refused',
      message: 'The receptor refused the cancellation (Solicitud rechazada)',
      variables,
    };
  return { outcome: 'pending', message: said || status.codigoEstatus, variables };
}

/**
 * `query-cfdi-status`: asks SAT's CFDI status service (ConsultaCFDIService) about a stamped CFDI: the
 * expression (issuer and receptor RFC, Total, UUID, the seal's last eight characters) read from the CFDI
 * (`input`, default `cfdi-timbrado.xml`) or given (`re`, `rr`, `tt`, `id`, `fe`: a related submission names
 * the original's). `until` says what the step waits for: `answer` (any: recorded), `valid` (Vigente; not
 * yet listed is pending, cancelled rejects), `cancelled` (Cancelado; En proceso is pending, a refusal by the
 * receptor rejects). Pending answers are asked again, paced (`interval`, `backoff`, `deadline`), without
 * spending attempts; `estado`, `esCancelable` and `estatusCancelacion` become variables, the answer an
 * artifact (`output`, default `sat-status.json`). Transport failures and 5xx are transient.
 */
export function queryCfdiStatusAction(connectors: Connectors): Action {
  return {
    name: 'query-cfdi-status',
    stage: 'response',
    description: "Ask SAT's CFDI status service about a stamped CFDI, until the state awaited",
    paramsSchema: {
      type: 'object',
      required: ['url'],
      additionalProperties: false,
      properties: {
        url: { type: 'string', pattern: '^(https?://|\\{|%)' },
        input: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
        ...Object.fromEntries(NAMES.map((name) => [name, { type: 'string' }])),
        until: { enum: ['answer', 'valid', 'cancelled'] },
        output: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
        timeout: { type: 'string', pattern: '^[0-9]+(ms|s|m|h)$' },
        ...POLL_PACING_PROPERTIES,
      },
    },
    async run(context) {
      const settings = context.params as unknown as QuerySettings;
      const poll = pollClock(context, connectors.now, settings);
      if (poll.expired) return poll.expired;
      let expression: CfdiStatusExpression;
      try {
        const given = NAMES.every((name) => settings[name] !== undefined);
        expression = given
          ? (Object.fromEntries(
              NAMES.map((name) => [name, settings[name]!]),
            ) as unknown as CfdiStatusExpression)
          : expressionOf(
              (await context.readArtifact(settings.input ?? 'cfdi-timbrado.xml')).toString('utf8'),
            );
      } catch (error) {
        if (isEInvoiceError(error) && !error.retryable)
          return { outcome: 'rejected', code: error.code, message: error.message, details: error.details };
        throw error;
      }
      const called = await callService(
        context,
        connectors,
        {
          url: settings.url,
          method: 'POST',
          headers: { SOAPAction: `"${CONSULTA_SOAP_ACTION}"` },
          ...(settings.timeout ? { timeout: settings.timeout } : {}),
        },
        { content: Buffer.from(consultaRequest(expression)), contentType: 'text/xml; charset=utf-8' },
        'poll',
      );
      if ('result' in called) return called.result;
      const failure = judgeStatus(called.answer, called.url, 'poll');
      if (failure) return failure;
      let status: CfdiStatus;
      try {
        status = parseConsultaResponse(called.answer.body.toString('utf8'));
      } catch (error) {
        if (isEInvoiceError(error)) return { outcome: 'transient', code: error.code, message: error.message };
        throw error;
      }
      await context.writeArtifact(
        settings.output ?? 'sat-status.json',
        JSON.stringify({ expression, ...status }, null, 2),
        'application/json',
      );
      return poll.next(judge(status, settings.until ?? 'answer'));
    },
  };
}
