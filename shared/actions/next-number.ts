import type { Action } from '../engine/action';
import { formatNumber, type Counters } from '../store/counters';

/**
 * `next-number`: takes the document's number on a counter of the tenant (`counter`, e.g. a transmitter's
 * files: `sdi-{company.transmitterId}`), written in `width` characters (`alphanumeric`: base 36), and records
 * it as the variable `as` (default `number`), and `prefix` + number + `suffix` as the variable `nameAs` when
 * a prefix or suffix is given (a file name). The same document gets the same number when the step runs
 * again, except after an event of a type in `renewAfter` (the authority refused the name as taken: SDI's
 * 00002), which takes a new one.
 */
export function nextNumberAction(counters: Counters): Action {
  return {
    name: 'next-number',
    stage: 'transform',
    description: "Take the document's number on a counter (a file name's progressive)",
    paramsSchema: {
      type: 'object',
      required: ['counter'],
      additionalProperties: false,
      properties: {
        counter: { type: 'string', minLength: 1, maxLength: 200 },
        width: { type: 'integer', minimum: 1, maximum: 20 },
        alphabet: { enum: ['decimal', 'alphanumeric'] },
        as: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]*$' },
        prefix: { type: 'string' },
        suffix: { type: 'string' },
        nameAs: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]*$' },
        renewAfter: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
      },
    },
    async run(context) {
      const { record } = context;
      const params = context.params as {
        counter: string;
        width?: number;
        alphabet?: 'decimal' | 'alphanumeric';
        as?: string;
        prefix?: string;
        suffix?: string;
        nameAs?: string;
        renewAfter?: string[];
      };
      const renewals = (record.events ?? []).filter((e) => params.renewAfter?.includes(e.type)).length;
      const owner = `${record.id}/${context.step.id}/${renewals}`;
      const number = await counters.take(record.tenantId, params.counter, owner);
      const text = formatNumber(number, params.width ?? 5, params.alphabet ?? 'decimal');
      const variables: Record<string, string> = { [params.as ?? 'number']: text };
      if (params.prefix !== undefined || params.suffix !== undefined)
        variables[params.nameAs ?? 'name'] = `${params.prefix ?? ''}${text}${params.suffix ?? ''}`;
      return { outcome: 'accepted', variables };
    },
  };
}
