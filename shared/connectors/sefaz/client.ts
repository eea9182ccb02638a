import { createHash } from 'node:crypto';
import type { ActionContext, ActionResult } from '../../engine/action';
import { isEInvoiceError } from '../../errors';
import { callService, judgeStatus, type CallSettings, type Connectors } from '../call';
import { outcomeOf } from './codes';
import {
  endpointOf,
  SEFAZ_ENVIRONMENTS,
  TP_AMB,
  type SefazContingency,
  type SefazEnvironment,
} from './endpoints';
import { buildConsSitNFe, parseRetConsSitNFe, type RetConsSitNFe } from './messages';
import { readSefazAnswer, sefazEnvelope, type SefazService } from './soap';

/**
 * How a step reaches an authoriser's web services: the company's A1 certificate for mutual TLS (a name in
 * the key folder or Key Vault), and where: the authoriser of `uf` in `environment` from the table of
 * endpoints (`endpoints.json`), or its contingency authoriser (SVC-AN, SVC-RS), or every service at
 * `<baseUrl>/<Service>` (a stand-in, a proxy).
 */
export interface SefazSettings {
  certificate: string;
  uf: string;
  environment: SefazEnvironment;
  contingency?: SefazContingency;
  baseUrl?: string;
  /**
   * The authorisers' trust anchors: a PEM file (SEFAZ's servers present ICP-Brasil certificates, which are not
   * among Node's: the chain from ITI; the stand-in's test CA); empty: Node's own.
   */
  caFile?: string;
  /** The whole exchange, default `60s` (authorisers answer a synchronous lote in seconds). */
  timeout?: string;
}

/** The `with` properties of {@link SefazSettings}. */
export const SEFAZ_SETTINGS_PROPERTIES = {
  certificate: { type: 'string', minLength: 1 },
  uf: { type: 'string', pattern: '^([A-Z]{2}|\\{.+\\})$' },
  environment: { anyOf: [{ enum: SEFAZ_ENVIRONMENTS }, { type: 'string', pattern: '^\\{.+\\}$' }] },
  contingency: { anyOf: [{ enum: ['svc-an', 'svc-rs', ''] }, { type: 'string', pattern: '^\\{.+\\}$' }] },
  baseUrl: { type: 'string', pattern: '^(https?://|\\{|%|$)' },
  caFile: { type: 'string' },
  timeout: { type: 'string', pattern: '^([0-9]+(ms|s|m|h)|\\{.+\\})$' },
} as const;

export const SEFAZ_SETTINGS_REQUIRED = ['certificate', 'uf', 'environment'] as const;

/** The URL of `service` for these settings. */
export function sefazUrl(settings: SefazSettings, service: SefazService): string {
  if (settings.baseUrl) return `${settings.baseUrl.replace(/\/+$/, '')}/${service}`;
  return endpointOf(settings.uf, settings.environment, service, {
    ...(settings.contingency ? { contingency: settings.contingency } : {}),
  });
}

/**
 * Asks `service` with `body` (its request element) over SOAP 1.2 with the company's certificate: the answer
 * element's text, or the step's result when there is no usable answer: a transport failure, a 5xx or a SOAP
 * fault of the authoriser's side are transient (the request may have arrived: the caller reconciles before
 * sending again), another HTTP status or a fault of the request's side rejects.
 */
export async function askSefaz(
  context: ActionContext,
  connectors: Connectors,
  settings: SefazSettings,
  service: SefazService,
  body: string,
  codePrefix: 'submit' | 'poll',
): Promise<{ answer: string } | { result: ActionResult }> {
  const message = sefazEnvelope(service, body);
  const call: CallSettings = {
    url: sefazUrl(settings, service),
    method: 'POST',
    timeout: settings.timeout ?? '60s',
    tls: { ...(settings.caFile ? { caFile: settings.caFile } : {}), clientCertificate: settings.certificate },
  };
  const called = await callService(
    context,
    connectors,
    call,
    {
      content: Buffer.from(message.body, 'utf8'),
      contentType: `${message.contentType}; action="${message.action}"`,
    },
    codePrefix,
  );
  if ('result' in called) return called;
  const text = called.answer.body.toString('utf8');
  try {
    // a SOAP fault comes with HTTP 500: say what it says rather than the status
    const payload = readSefazAnswer(text);
    const failure = judgeStatus(called.answer, called.url, codePrefix);
    if (failure) return { result: failure };
    return { answer: payload.xml };
  } catch (error) {
    if (!isEInvoiceError(error)) throw error;
    const failure = judgeStatus(called.answer, called.url, codePrefix);
    if (failure && error.code !== 'sefaz.soap-fault') return { result: failure };
    return {
      result: {
        outcome: error.retryable || called.answer.status >= 500 ? 'transient' : 'rejected',
        code: error.code,
        message: error.message,
        ...(error.details.length > 0 ? { details: error.details } : {}),
      },
    };
  }
}

/** A lote number of 15 digits, the same for the same key (SEFAZ keeps none: it only names the lote). */
export function loteOf(key: string): string {
  return (BigInt(`0x${createHash('sha256').update(key).digest('hex').slice(0, 15)}`) % 10n ** 15n)
    .toString()
    .padStart(15, '0');
}

/**
 * The step's result for a SEFAZ code that is neither an authorisation nor pending: services stopped or
 * throttled (108, 109, 656: SEFAZ's table says `service`) are transient, anything else rejects with SEFAZ's code.
 */
export function sefazFailure(cStat: string, said: string): ActionResult {
  return outcomeOf(cStat).outcome === 'service'
    ? { outcome: 'transient', code: `sefaz.${cStat}`, message: said }
    : { outcome: 'rejected', code: `sefaz.${cStat}`, message: said };
}

/**
 * Whether an earlier attempt of this step may have reached SEFAZ (it ran, or a delivery stopped without
 * recording its result): SEFAZ's record is asked before anything is sent again.
 */
export function mayHaveArrived(context: ActionContext): boolean {
  return (
    context.resumed ||
    context.record.history.some((e) => e.stepId === context.step.id && e.action === context.step.action)
  );
}

/** SEFAZ's record of an NF-e (NFeConsultaProtocolo4): its protocol and events, or the step's result. */
export async function sefazRecord(
  context: ActionContext,
  connectors: Connectors,
  settings: SefazSettings,
  chNFe: string,
): Promise<RetConsSitNFe | { result: ActionResult }> {
  const asked = await askSefaz(
    context,
    connectors,
    settings,
    'NFeConsultaProtocolo4',
    buildConsSitNFe({ tpAmb: TP_AMB[settings.environment], chNFe }),
    'poll',
  );
  return 'result' in asked ? asked : parseRetConsSitNFe(asked.answer);
}
