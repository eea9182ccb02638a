import { resolveParams } from '../shared/engine/params';
import type { FlowDefinition } from '../shared/flows/types';
import type { DocumentRecord } from '../shared/model/record';
import { localTime, localTimeWithOffset } from '../shared/util/local-time';

describe('local time of a time zone', () => {
  const at = new Date('2026-11-28T03:37:20.981Z');

  it('writes the wall clock of the zone, to the second', () => {
    expect(localTime(at, 'America/Mexico_City')).toBe('2026-11-27T21:37:20');
    expect(localTime(at.getTime(), 'Europe/Rome')).toBe('2026-11-28T04:37:20');
    expect(localTime(at, 'UTC')).toBe('2026-11-28T03:37:20');
  });

  it('with the offset of that instant: daylight saving time included', () => {
    expect(localTimeWithOffset(at, 'America/Sao_Paulo')).toBe('2026-11-28T00:37:20-03:00');
    expect(localTimeWithOffset(at, 'America/Manaus')).toBe('2026-11-27T23:37:20-04:00');
    expect(localTimeWithOffset(at, 'Asia/Kolkata')).toBe('2026-11-28T09:07:20+05:30');
    // Brazil kept summer time until 2019
    expect(localTimeWithOffset(new Date('2017-11-17T10:26:54Z'), 'America/Sao_Paulo')).toBe(
      '2017-11-17T08:26:54-02:00',
    );
  });

  it('refuses a zone the platform does not know', () => {
    expect(() => localTime(at, 'Nowhere/Atlantis')).toThrow(RangeError);
  });

  it('gives a step {receivedAt:<zone>}, and says so when the zone is unknown', () => {
    const record = { id: 'd1', createdAt: at.toISOString(), context: {} } as unknown as DocumentRecord;
    const flow = { id: 'f', steps: [] } as unknown as FlowDefinition;
    expect(resolveParams({ fecha: '{receivedAt:America/Mexico_City}' }, record, flow, {})).toEqual({
      fecha: '2026-11-27T21:37:20',
    });
    expect(() => resolveParams({ fecha: '{receivedAt:Nowhere/Atlantis}' }, record, flow, {})).toThrow(
      expect.objectContaining({ code: 'flow.unresolved-placeholder' }),
    );
  });
});
