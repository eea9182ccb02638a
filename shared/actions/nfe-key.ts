import type { Action } from '../engine/action';
import { isUf, localDateTime } from '../connectors/sefaz/ufs';
import { contingencyOf, TP_AMB, type SefazEnvironment } from '../connectors/sefaz/endpoints';
import { isEInvoiceError } from '../errors';
import { composeAccessKey, newCNF, UF_CODES, type NfeModel } from '../formats/nfe-key';

/**
 * `nfe-key`: makes the NF-e's access key before it is written, so that the document, its signature's
 * reference (`NFe<key>`) and every later step name the same key: the state (`uf`), the issuer's CNPJ, the
 * model, series and number (`nNF`, from `next-number`), the form of issue (`tpEmis`: 1 normal, 6 SVC-AN,
 * 7 SVC-RS), the month of issue, and a random code (cNF, from the operating system's source, kept: the same
 * document keeps its code when the step runs again). The time of issue is when the service took the
 * document, in the state's time zone with its offset (`dhEmi`). Records `chNFe`, `cUF`, `cNF`, `cDV`, `nNF`
 * (without leading zeros), `serie`, `tpEmis`, `dhEmi` and `tpAmb` (1 produção, 2 homologação, from
 * `environment`) as variables. With `contingency`, the key of the state's contingency authoriser (tpEmis 6
 * SVC-AN or 7 SVC-RS, the same number and code): `contingency` (svc-an, svc-rs), `dhCont` and `xJust` (default a
 * text saying the authoriser is out of operation) become variables too, empty otherwise, and `replacedChNFe`,
 * the key made before. Parts that make no key
 * are refused, each located.
 */
export function nfeKeyAction(): Action {
  return {
    name: 'nfe-key',
    stage: 'transform',
    description:
      "Make the NF-e's access key (state, CNPJ, model, series, number, form of issue, random code)",
    paramsSchema: {
      type: 'object',
      required: ['uf', 'cnpj', 'serie', 'nNF', 'environment'],
      additionalProperties: false,
      properties: {
        uf: { type: 'string', minLength: 2 },
        cnpj: { type: 'string', minLength: 1 },
        mod: { enum: ['55', '65'] },
        serie: { type: 'string', minLength: 1 },
        nNF: { type: 'string', minLength: 1 },
        tpEmis: { type: 'string', minLength: 1 },
        environment: { type: 'string', minLength: 1 },
        contingency: { type: 'boolean' },
        xJust: { type: 'string', minLength: 15, maxLength: 256 },
      },
    },
    run(context) {
      const params = context.params as Record<string, string>;
      const uf = params.uf!.toUpperCase();
      const environment = params.environment as SefazEnvironment;
      if (!isUf(uf) || TP_AMB[environment] === undefined)
        return Promise.resolve({
          outcome: 'rejected',
          code: 'nfe.key-invalid',
          message: `No key for state ${uf} in environment ${environment}`,
          details: [
            ...(isUf(uf) ? [] : [{ path: '/uf', message: `${uf} is not a state's abbreviation` }]),
            ...(TP_AMB[environment] === undefined
              ? [{ path: '/environment', message: `${environment} is not producao or homologacao` }]
              : []),
          ],
        });
      const nNF = Number(params.nNF);
      const dhEmi = localDateTime(new Date(context.record.createdAt), uf);
      // in contingency, the state's SVC (6 SVC-AN, 7 SVC-RS) and since when, in the state's time
      const svc = context.params.contingency === true ? contingencyOf(uf) : undefined;
      const tpEmis = svc === 'svc-an' ? '6' : svc === 'svc-rs' ? '7' : (params.tpEmis ?? '1');
      const contingency: Record<string, string> = svc
        ? {
            contingency: svc,
            dhCont: localDateTime(new Date(context.stepStartedAt), uf),
            xJust: params.xJust ?? 'SEFAZ autorizadora fora de operação: emissão em contingência SVC',
            // the key this one replaces, which may have reached the authoriser (its answers were lost)
            replacedChNFe: context.record.variables?.chNFe ?? '',
          }
        : { contingency: '', dhCont: '', xJust: '' };
      const kept = context.record.variables;
      const cNF =
        kept?.cNF && kept.nNF === String(nNF) && /^\d{8}$/.test(kept.cNF)
          ? kept.cNF
          : Number.isInteger(nNF) && nNF >= 1 && nNF <= 999_999_999
            ? newCNF(nNF)
            : '00000000';
      try {
        const chNFe = composeAccessKey({
          cUF: UF_CODES[uf],
          year: Number(dhEmi.slice(2, 4)),
          month: Number(dhEmi.slice(5, 7)),
          cnpjCpf: params.cnpj!.replace(/[./-]/g, ''),
          mod: (params.mod ?? '55') as NfeModel,
          serie: Number(params.serie),
          nNF,
          tpEmis: Number(tpEmis),
          cNF,
        });
        return Promise.resolve({
          outcome: 'accepted',
          variables: {
            chNFe,
            cUF: UF_CODES[uf],
            cNF,
            cDV: chNFe.slice(-1),
            nNF: String(nNF),
            serie: String(Number(params.serie)),
            tpEmis,
            dhEmi,
            tpAmb: TP_AMB[environment],
            ...contingency,
          },
        });
      } catch (error) {
        if (isEInvoiceError(error))
          return Promise.resolve({
            outcome: 'rejected',
            code: error.code,
            message: error.message,
            details: error.details,
          });
        throw error;
      }
    },
  };
}
