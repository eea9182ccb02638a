import type { Action, ActionContext, ActionResult } from '../engine/action';
import type { CertificateStore } from '../ports/certificate-store';
import type { Connectors } from '../connectors/call';
import {
  askSefaz,
  loteOf,
  mayHaveArrived,
  sefazFailure,
  sefazRecord,
  SEFAZ_SETTINGS_PROPERTIES,
  SEFAZ_SETTINGS_REQUIRED,
  type SefazSettings,
} from '../connectors/sefaz/client';
import { TP_AMB } from '../connectors/sefaz/endpoints';
import {
  buildEnvEvento,
  buildEvento,
  parseRetEnvEvento,
  type RetEvento,
  type SefazEvent,
} from '../connectors/sefaz/messages';
import { NFE_NS } from '../connectors/sefaz/soap';
import { isEInvoiceError } from '../errors';
import { parseJson } from '../util/json';
import type { XmlSigner } from '../signing/signing-pool';

const KINDS = { cancelamento: '110111', 'carta-correcao': '110110' } as const;
type Kind = keyof typeof KINDS;

interface EventSettings extends SefazSettings {
  kind: Kind;
  chNFe: string;
  /** The authorisation protocol (cancelamento). */
  nProt?: string;
  cnpj: string;
  input?: string;
  output?: string;
}

/** `procEventoNFe` 1.00: the signed event and SEFAZ's answer, as the authoriser keeps them. */
function procEvento(evento: string, retEvento: RetEvento): string {
  return `<procEventoNFe xmlns="${NFE_NS}" versao="1.00">${evento}${retEvento.xml}</procEventoNFe>`;
}

/** The sequence of the event: 1 for a cancellation; a correction's from the data (`nSeqEvento`: the 2nd …), else 1. */
function sequenceOf(data: Record<string, unknown>, kind: Kind): number | undefined {
  if (kind === 'cancelamento') return 1;
  if (data.nSeqEvento === undefined) return 1;
  const given = Number(data.nSeqEvento);
  return Number.isInteger(given) && given >= 1 && given <= 20 ? given : undefined;
}

/**
 * `sefaz-event`: registers an event of an authorised NF-e at SEFAZ (NFeRecepcaoEvento4), as a related
 * submission of the document that authorised it (`chNFe`, `nProt` of the original): `cancelamento` (110111,
 * with `xJust`, 15 to 255 characters, from the submission's data) or `carta-correcao` (110110, `xCorrecao`,
 * 15 to 1000; the second correction says `nSeqEvento` 2, and so on: each replaces the ones before). The event is built and signed as SEFAZ requires (its `infEvento` by Id, RSA-SHA1, inclusive
 * C14N, no prefix) with the company's A1 and sent over mutual TLS; registered (135, 136, 155: the event kept
 * with SEFAZ's answer as `procEventoNFe`, `output`, default `proc-evento.xml`; `nProtEvento` and `cStat`
 * variables) is accepted, a rejection carries SEFAZ's code. A duplicate event (573), or an attempt whose
 * answer was lost, is recovered from SEFAZ's record of the NF-e (NFeConsultaProtocolo4), never sent twice.
 */
export function sefazEventAction(
  connectors: Connectors,
  certificates: CertificateStore,
  signer: XmlSigner,
): Action {
  return {
    name: 'sefaz-event',
    stage: 'submit',
    description:
      'Register an event of an NF-e at SEFAZ: cancelamento, carta de correção (NFeRecepcaoEvento4)',
    paramsSchema: {
      type: 'object',
      required: [...SEFAZ_SETTINGS_REQUIRED, 'kind', 'chNFe', 'cnpj'],
      additionalProperties: false,
      properties: {
        ...SEFAZ_SETTINGS_PROPERTIES,
        kind: { enum: Object.keys(KINDS) },
        chNFe: { type: 'string', minLength: 1 },
        nProt: { type: 'string' },
        cnpj: { type: 'string', minLength: 1 },
        input: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
        output: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
      },
    },
    async run(context) {
      const settings = context.params as unknown as EventSettings;
      const tpEvento = KINDS[settings.kind];
      const parsed = parseJson((await context.readArtifact(settings.input ?? 'input.json')).toString('utf8'));
      const data = (
        parsed.ok && parsed.value && typeof parsed.value === 'object' ? parsed.value : {}
      ) as Record<string, unknown>;
      const text = settings.kind === 'cancelamento' ? data.xJust : data.xCorrecao;
      const field = settings.kind === 'cancelamento' ? 'xJust' : 'xCorrecao';
      const max = settings.kind === 'cancelamento' ? 255 : 1000;
      if (typeof text !== 'string' || text.trim().length < 15 || text.length > max)
        return {
          outcome: 'rejected',
          code: 'event.data-invalid',
          message: `The ${settings.kind} needs ${field}: 15 to ${max} characters`,
          details: [
            { path: `/${field}`, message: typeof text === 'string' ? `${text.length} characters` : 'absent' },
          ],
        };
      const nSeqEvento = sequenceOf(data, settings.kind);
      if (nSeqEvento === undefined)
        return {
          outcome: 'rejected',
          code: 'event.data-invalid',
          message: "nSeqEvento is the correction's number, 1 to 20",
          details: [{ path: '/nSeqEvento', message: String(data.nSeqEvento) }],
        };
      if (mayHaveArrived(context)) {
        const found = await recorded(context, connectors, settings, tpEvento, nSeqEvento);
        if (found) return found;
      }
      let evento: string;
      try {
        const event = {
          tpAmb: TP_AMB[settings.environment],
          chNFe: settings.chNFe,
          author: { cnpj: settings.cnpj },
          dhEvento: new Date(context.stepStartedAt),
          nSeqEvento,
          ...(settings.kind === 'cancelamento'
            ? { tpEvento: '110111', nProt: settings.nProt ?? '', xJust: text.trim() }
            : { tpEvento: '110110', xCorrecao: text.trim() }),
        } as SefazEvent;
        const built = buildEvento(event);
        const credential = await certificates.get(settings.certificate);
        // signed as sign-xml signs the NF-e (the same signer, its threads), with SEFAZ's profile
        const signed = await signer.sign(Buffer.from(built.xml, 'utf8'), credential, {
          placement: 'reference-parent',
          referenceId: built.id,
          canonicalization: 'inclusive',
          algorithm: 'rsa-sha1',
          digest: 'sha1',
          prefix: '',
          keyInfo: 'certificate',
        });
        evento = signed.xml.toString('utf8');
      } catch (error) {
        if (isEInvoiceError(error) && !error.retryable)
          return { outcome: 'rejected', code: error.code, message: error.message, details: error.details };
        throw error;
      }
      const asked = await askSefaz(
        context,
        connectors,
        settings,
        'NFeRecepcaoEvento4',
        buildEnvEvento({ idLote: loteOf(`${context.record.id}:${nSeqEvento}`), eventos: [evento] }),
        'submit',
      );
      if ('result' in asked) return asked.result;
      await context.writeArtifact('sefaz-answer.xml', asked.answer, 'application/xml');
      const answer = parseRetEnvEvento(asked.answer);
      const ret = answer.retEvento[0];
      if (answer.cStat !== '128' || !ret)
        return sefazFailure(answer.cStat, `${answer.cStat} ${answer.xMotivo}`);
      if (ret.cStat === '573') {
        const found = await recorded(context, connectors, settings, tpEvento, nSeqEvento);
        if (found) return found;
      }
      return judgeEvent(context, settings, evento, ret);
    },
  };
}

async function judgeEvent(
  context: ActionContext,
  settings: EventSettings,
  evento: string,
  ret: RetEvento,
): Promise<ActionResult> {
  const said = `${ret.cStat} ${ret.xMotivo}`;
  if (['135', '136', '155'].includes(ret.cStat)) {
    await context.writeArtifact(
      settings.output ?? 'proc-evento.xml',
      procEvento(evento, ret),
      'application/xml',
    );
    return {
      outcome: 'accepted',
      message: said,
      variables: { cStat: ret.cStat, ...(ret.nProt ? { nProtEvento: ret.nProt } : {}) },
    };
  }
  return sefazFailure(ret.cStat, said);
}

/**
 * The event as SEFAZ recorded it (NFeConsultaProtocolo4 lists an NF-e's events): accepted with its record
 * when this event (type and sequence) is there; undefined when it is not (it may be sent).
 */
async function recorded(
  context: ActionContext,
  connectors: Connectors,
  settings: EventSettings,
  tpEvento: string,
  nSeqEvento: number,
): Promise<ActionResult | undefined> {
  const answer = await sefazRecord(context, connectors, settings, settings.chNFe);
  if ('result' in answer) return answer.result;
  const proc = answer.procEventoNFe.find(
    (p) => p.retEvento.tpEvento === tpEvento && Number(p.retEvento.nSeqEvento ?? '1') === nSeqEvento,
  );
  if (!proc || !['135', '136', '155'].includes(proc.retEvento.cStat)) return undefined;
  return judgeEvent(context, settings, proc.evento, proc.retEvento);
}
