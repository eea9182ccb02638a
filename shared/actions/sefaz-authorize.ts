import type { Action, ActionContext, ActionResult } from '../engine/action';
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
import { outcomeOf } from '../connectors/sefaz/codes';
import { TP_AMB } from '../connectors/sefaz/endpoints';
import {
  buildConsReciNFe,
  buildEnviNFe,
  nfeProc,
  parseRetConsReciNFe,
  parseRetEnviNFe,
  type ProtNFe,
} from '../connectors/sefaz/messages';
import { EInvoiceError, isEInvoiceError } from '../errors';
import { parseXmlTree } from '../xml/xml-tree';
import { POLL_PACING_PROPERTIES, pollClock, type PollPacing } from './poll-http';

/** What an authorisation step needs of the signed NF-e: its key, and the digest its signature carries. */
interface SignedNfe {
  xml: string;
  chNFe: string;
  digestValue: string;
}

function readSigned(xml: string): SignedNfe {
  const root = parseXmlTree(xml);
  const infNFe = root.children.find((c) => c.localName === 'infNFe');
  const id = infNFe?.getAttribute('Id') ?? '';
  if (root.localName !== 'NFe' || !/^NFe[0-9A-Z]{44}$/.test(id))
    throw new EInvoiceError(
      'sefaz.invalid-request',
      'The document is not an NF-e with an infNFe Id of its key',
      {
        details: [{ path: '/NFe/infNFe/@Id', message: id ? `Id ${id}` : 'absent' }],
      },
    );
  const signature = root.children.find((c) => c.localName === 'Signature');
  const digest = signature?.children
    .find((c) => c.localName === 'SignedInfo')
    ?.children.find((c) => c.localName === 'Reference')
    ?.children.find((c) => c.localName === 'DigestValue')?.textContent;
  if (!digest)
    throw new EInvoiceError('sefaz.invalid-request', 'The NF-e is not signed', {
      details: [{ path: '/NFe/Signature', message: 'absent' }],
    });
  return { xml, chNFe: id.slice(3), digestValue: digest.trim() };
}

type Settings = SefazSettings & {
  input?: string;
  output?: string;
  indSinc?: '0' | '1';
  /** The authoriser says its service is stopped (108, 109): ask again later (`retry`), or fail the step (`fail`: its flow's route to contingency). */
  onStopped?: 'retry' | 'fail';
};

/** The authoriser's service is stopped: nothing was received, the flow may go on elsewhere. */
const STOPPED = new Set(['108', '109']);

/**
 * The step's result for an NF-e's protocol: authorised (100, 150) → accepted, the authorised document
 * (`nfeProc`: the NF-e and its protocol, digVal checked against the NF-e's digest) kept as `output`;
 * denied (110, 301–303) → rejected, the denial kept too (it is a fiscal document of its own); a duplicate
 * (204, 539) → recovered from the authoriser's record of the key, never sent again; a rejection → rejected with
 * SEFAZ's code and text.
 */
async function judgeProtocol(
  context: ActionContext,
  connectors: Connectors,
  settings: Settings,
  signed: SignedNfe,
  prot: ProtNFe,
): Promise<ActionResult> {
  const verdict = outcomeOf(prot.cStat);
  const said = `${prot.cStat} ${prot.xMotivo}`;
  if (verdict.duplicate) return recover(context, connectors, settings, signed, said);
  if (verdict.outcome === 'accepted' || verdict.outcome === 'denied') {
    await context.writeArtifact(
      settings.output ?? 'nfe-proc.xml',
      nfeProc(signed.xml, prot),
      'application/xml',
    );
    const variables = {
      chNFe: prot.chNFe,
      cStat: prot.cStat,
      dhRecbto: prot.dhRecbto,
      ...(prot.nProt ? { nProt: prot.nProt } : {}),
    };
    return verdict.outcome === 'accepted'
      ? { outcome: 'accepted', message: said, variables }
      : { outcome: 'rejected', code: `sefaz.${prot.cStat}`, message: said, variables };
  }
  if (verdict.outcome === 'pending') return { outcome: 'pending', message: said };
  return sefazFailure(prot.cStat, said);
}

/**
 * The authoriser's record of the key (NFeConsultaProtocolo4): the protocol of this very NF-e when it was
 * authorised before (an answer lost, a duplicate), kept and accepted; `undefined` when the key is unknown
 * (217: it may be sent); another NF-e under the key rejects (539: never a second authorisation).
 */
async function consult(
  context: ActionContext,
  connectors: Connectors,
  settings: Settings,
  signed: SignedNfe,
): Promise<ActionResult | undefined> {
  const answer = await sefazRecord(context, connectors, settings, signed.chNFe);
  if ('result' in answer) return answer.result;
  if (answer.cStat === '217') return undefined;
  const prot = answer.protNFe;
  if (!prot || !['100', '150', '110', '301', '302', '303'].includes(prot.cStat))
    return {
      outcome: 'rejected',
      code: `sefaz.${answer.cStat}`,
      message: `The authoriser's record of ${signed.chNFe}: ${answer.cStat} ${answer.xMotivo}`,
    };
  if (prot.digVal !== undefined && prot.digVal !== signed.digestValue)
    return {
      outcome: 'rejected',
      code: 'sefaz.539',
      message: `Key ${signed.chNFe} was authorised for another NF-e (digVal ${prot.digVal}, this one ${signed.digestValue})`,
    };
  return judgeProtocol(context, connectors, settings, signed, prot);
}

async function recover(
  context: ActionContext,
  connectors: Connectors,
  settings: Settings,
  signed: SignedNfe,
  said: string,
): Promise<ActionResult> {
  const found = await consult(context, connectors, settings, signed);
  if (!found)
    return {
      outcome: 'transient',
      code: 'sefaz.duplicate-unconfirmed',
      message: `${said}, but the authoriser does not know the key yet: asking again`,
    };
  return found.outcome === 'accepted'
    ? { ...found, message: `${found.message} (recovered after ${said})` }
    : found;
}

const AUTHORIZE_SCHEMA = {
  type: 'object',
  required: [...SEFAZ_SETTINGS_REQUIRED],
  additionalProperties: false,
  properties: {
    ...SEFAZ_SETTINGS_PROPERTIES,
    input: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
    output: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
    indSinc: { anyOf: [{ enum: ['0', '1'] }, { type: 'string', pattern: '^\\{.+\\}$' }] },
    onStopped: { enum: ['retry', 'fail'] },
  },
};

/** The signed NF-e of the step, or the rejection of a document that is not one. */
async function signedOf(context: ActionContext, settings: Settings): Promise<SignedNfe | ActionResult> {
  try {
    return readSigned((await context.readArtifact(settings.input ?? 'signed.xml')).toString('utf8'));
  } catch (error) {
    if (isEInvoiceError(error) && !error.retryable)
      return { outcome: 'rejected', code: error.code, message: error.message, details: error.details };
    throw error;
  }
}

/**
 * `sefaz-authorize`: sends the signed NF-e (`input`, default `signed.xml`) to the authoriser of its state
 * (NFeAutorizacao4) over mutual TLS with the company's A1 certificate. Synchronous (`indSinc` 1, default): the
 * answer's protocol decides (authorised: the `nfeProc` kept as `output`, default `nfe-proc.xml`, with `chNFe`,
 * `nProt`, `dhRecbto`, `cStat` as variables). Asynchronous (`indSinc` 0, or an authoriser that answers 103):
 * the receipt `nRec` becomes a variable and `sefaz-receipt` asks for the result. Before sending again after
 * an attempt that may have arrived (a lost answer, a timeout, a crash), and on a duplicate (204, 539), the
 * authoriser's record of the key is asked first (NFeConsultaProtocolo4): an NF-e is never authorised twice.
 * Services stopped (108, 109) are transient, or fail the step with `onStopped: fail` (the flow's `on.failed`
 * route then issues the NF-e in contingency: docs/countries/brazil.md); transport failures and 5xx are
 * transient; rejections carry SEFAZ's code (`sefaz.<cStat>`) and text.
 */
export function sefazAuthorizeAction(connectors: Connectors): Action {
  return {
    name: 'sefaz-authorize',
    stage: 'submit',
    description: "Have the state's SEFAZ authorise a signed NF-e (NFeAutorizacao4), never twice",
    paramsSchema: AUTHORIZE_SCHEMA,
    async run(context) {
      const settings = context.params as unknown as Settings;
      const signed = await signedOf(context, settings);
      if ('outcome' in signed) return signed;
      if (mayHaveArrived(context)) {
        const found = await consult(context, connectors, settings, signed);
        if (found) return found;
      }
      const indSinc = settings.indSinc === '0' ? '0' : '1';
      const asked = await askSefaz(
        context,
        connectors,
        settings,
        'NFeAutorizacao4',
        buildEnviNFe({ idLote: loteOf(context.record.id), indSinc, nfe: [signed.xml] }),
        'submit',
      );
      if ('result' in asked) return asked.result;
      await context.writeArtifact('sefaz-answer.xml', asked.answer, 'application/xml');
      const answer = parseRetEnviNFe(asked.answer);
      if (answer.cStat === '104' && answer.protNFe)
        return judgeProtocol(context, connectors, settings, signed, answer.protNFe);
      if (answer.cStat === '103' && answer.nRec)
        return {
          outcome: 'accepted',
          message: `${answer.cStat} ${answer.xMotivo}: receipt ${answer.nRec}`,
          variables: { nRec: answer.nRec, chNFe: signed.chNFe },
        };
      const verdict = outcomeOf(answer.cStat);
      const said = `${answer.cStat} ${answer.xMotivo}`;
      if (STOPPED.has(answer.cStat) && settings.onStopped === 'fail')
        return {
          outcome: 'failed',
          code: `sefaz.${answer.cStat}`,
          message: `${said}: the authoriser is stopped`,
        };
      if (verdict.duplicate) return recover(context, connectors, settings, signed, said);
      if (verdict.outcome === 'pending')
        return { outcome: 'transient', code: `sefaz.${answer.cStat}`, message: said };
      return sefazFailure(answer.cStat, said);
    },
  };
}

/**
 * `sefaz-receipt`: asks for the result of an asynchronous lote (NFeRetAutorizacao4, `nRec` from
 * `sefaz-authorize`; empty when the lote was answered at once: nothing to ask) until it is processed: 105 (em processamento) is pending, asked again paced through the
 * bus (`interval`, `backoff`, `deadline` as `poll-http`); 104 gives the NF-e's protocol, judged as
 * `sefaz-authorize` judges it; a lote the authoriser no longer knows (106) is recovered from its record of
 * the key.
 */
export function sefazReceiptAction(connectors: Connectors): Action {
  return {
    name: 'sefaz-receipt',
    stage: 'response',
    description: 'Ask SEFAZ for the result of an NF-e lote until it is processed (NFeRetAutorizacao4)',
    paramsSchema: {
      ...AUTHORIZE_SCHEMA,
      required: [...SEFAZ_SETTINGS_REQUIRED, 'nRec'],
      properties: {
        ...AUTHORIZE_SCHEMA.properties,
        nRec: { type: 'string' },
        ...POLL_PACING_PROPERTIES,
      },
    },
    async run(context) {
      const settings = context.params as unknown as Settings & PollPacing & { nRec: string };
      // no receipt: the lote was answered at once (sefaz-authorize kept the authorised NF-e)
      if (settings.nRec === '') return { outcome: 'accepted' };
      const poll = pollClock(context, connectors.now, settings);
      if (poll.expired) return poll.expired;
      const signed = await signedOf(context, settings);
      if ('outcome' in signed) return signed;
      const asked = await askSefaz(
        context,
        connectors,
        settings,
        'NFeRetAutorizacao4',
        buildConsReciNFe({ tpAmb: TP_AMB[settings.environment], nRec: settings.nRec }),
        'poll',
      );
      if ('result' in asked) return asked.result;
      const answer = parseRetConsReciNFe(asked.answer);
      const said = `${answer.cStat} ${answer.xMotivo}`;
      if (answer.cStat === '105') return poll.next({ outcome: 'pending', message: said });
      if (answer.cStat === '104') {
        const prot = answer.protNFe.find((p) => p.chNFe === signed.chNFe);
        if (prot) return poll.next(await judgeProtocol(context, connectors, settings, signed, prot));
        return {
          outcome: 'rejected',
          code: 'sefaz.unexpected-answer',
          message: `${said} without the protocol of ${signed.chNFe}`,
        };
      }
      if (answer.cStat === '106') return recover(context, connectors, settings, signed, said);
      return sefazFailure(answer.cStat, said);
    },
  };
}
