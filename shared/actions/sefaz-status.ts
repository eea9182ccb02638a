import type { Action } from '../engine/action';
import type { Connectors } from '../connectors/call';
import {
  askSefaz,
  sefazFailure,
  SEFAZ_SETTINGS_PROPERTIES,
  SEFAZ_SETTINGS_REQUIRED,
  type SefazSettings,
} from '../connectors/sefaz/client';
import { TP_AMB } from '../connectors/sefaz/endpoints';
import { buildConsStatServ, parseRetConsStatServ } from '../connectors/sefaz/messages';
import { UF_CODES, type Uf } from '../formats/nfe-key';
import { POLL_PACING_PROPERTIES, pollClock, type PollPacing } from './poll-http';

/**
 * `sefaz-status`: asks the authoriser of the state (or the contingency one, `contingency`) whether its
 * services are in operation (NFeStatusServico4). `until: operating` (default) waits for 107: 108 (stopped for
 * a while, with when it is expected back) and 109 (stopped) are asked again, paced through the bus (`interval`,
 * `backoff`, `deadline` as `poll-http`); `until: answer` records any answer. `cStat`, `tMed` (the average
 * answer time, seconds) and `dhRetorno` become variables. For a flow that should wait for the authoriser
 * rather than go to contingency, or a health check.
 */
export function sefazStatusAction(connectors: Connectors): Action {
  return {
    name: 'sefaz-status',
    stage: 'response',
    description: "Ask whether the state's SEFAZ is in operation (NFeStatusServico4)",
    paramsSchema: {
      type: 'object',
      required: [...SEFAZ_SETTINGS_REQUIRED],
      additionalProperties: false,
      properties: {
        ...SEFAZ_SETTINGS_PROPERTIES,
        until: { enum: ['operating', 'answer'] },
        ...POLL_PACING_PROPERTIES,
      },
    },
    async run(context) {
      const settings = context.params as unknown as SefazSettings &
        PollPacing & { until?: 'operating' | 'answer' };
      const poll = pollClock(context, connectors.now, settings);
      if (poll.expired) return poll.expired;
      const cUF = UF_CODES[settings.uf.toUpperCase() as Uf] ?? settings.uf;
      const asked = await askSefaz(
        context,
        connectors,
        settings,
        'NFeStatusServico4',
        buildConsStatServ({ tpAmb: TP_AMB[settings.environment], cUF }),
        'poll',
      );
      if ('result' in asked) return asked.result;
      const answer = parseRetConsStatServ(asked.answer);
      const said = `${answer.cStat} ${answer.xMotivo}${answer.dhRetorno ? ` (back at ${answer.dhRetorno})` : ''}`;
      const variables = {
        cStat: answer.cStat,
        ...(answer.tMed ? { tMed: answer.tMed } : {}),
        ...(answer.dhRetorno ? { dhRetorno: answer.dhRetorno } : {}),
      };
      if (answer.cStat === '107' || settings.until === 'answer')
        return { outcome: 'accepted', message: said, variables };
      if (answer.cStat === '108' || answer.cStat === '109')
        return poll.next({ outcome: 'pending', message: said, variables });
      return sefazFailure(answer.cStat, said);
    },
  };
}
