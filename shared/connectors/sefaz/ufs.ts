import { UF_CODES, ufOfCode, type Uf } from '../../formats/nfe-key';

/**
 * The time zone each federative unit writes its NF-e date-times in: the IANA zones nfephp-org/sped-common's
 * TimeZoneByUF gives the units. Offsets come from the zone at the instant written, so a date before 2019 keeps
 * the summer time the unit then had. The units and their IBGE codes are those of `formats/nfe-key`.
 */
export const UF_TIME_ZONES: Readonly<Record<Uf, string>> = {
  RO: 'America/Porto_Velho',
  AC: 'America/Rio_Branco',
  AM: 'America/Manaus',
  RR: 'America/Boa_Vista',
  PA: 'America/Belem',
  AP: 'America/Belem',
  TO: 'America/Araguaina',
  MA: 'America/Fortaleza',
  PI: 'America/Fortaleza',
  CE: 'America/Fortaleza',
  RN: 'America/Fortaleza',
  PB: 'America/Fortaleza',
  PE: 'America/Recife',
  AL: 'America/Maceio',
  SE: 'America/Maceio',
  BA: 'America/Bahia',
  MG: 'America/Sao_Paulo',
  ES: 'America/Sao_Paulo',
  RJ: 'America/Sao_Paulo',
  SP: 'America/Sao_Paulo',
  PR: 'America/Sao_Paulo',
  SC: 'America/Sao_Paulo',
  RS: 'America/Sao_Paulo',
  MS: 'America/Campo_Grande',
  MT: 'America/Cuiaba',
  GO: 'America/Sao_Paulo',
  DF: 'America/Sao_Paulo',
};

export { ufOfCode, type Uf };

export const UF_LIST = Object.keys(UF_CODES) as Uf[];

/** Whether `value` is the abbreviation of a federative unit (`SP`), as written (upper case). */
export function isUf(value: string): value is Uf {
  return Object.prototype.hasOwnProperty.call(UF_CODES, value);
}

const OFFSET_FORMATS = new Map<string, Intl.DateTimeFormat>();

/**
 * `at` as the NF-e writes a local date-time (TDateTimeUTC): `2024-02-01T14:07:05-03:00`, in the unit's time
 * zone at that instant, to the second. Throws a RangeError for an invalid date.
 */
export function localDateTime(at: Date, uf: Uf): string {
  if (Number.isNaN(at.getTime())) throw new RangeError('Invalid date');
  const timeZone = UF_TIME_ZONES[uf];
  let format = OFFSET_FORMATS.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    OFFSET_FORMATS.set(timeZone, format);
  }
  // "GMT-03:00" (or "GMT" at offset zero, which no Brazilian zone has)
  const name = format.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name);
  if (!match) throw new RangeError(`Unexpected offset "${name}" of ${timeZone}`);
  const sign = match[1] === '-' ? -1 : 1;
  const minutes = match[1] ? sign * (Number(match[2]) * 60 + Number(match[3])) : 0;
  const local = new Date(at.getTime() + minutes * 60_000).toISOString().slice(0, 19);
  return `${local}${match[1] ? `${match[1]}${match[2]}:${match[3]}` : '+00:00'}`;
}
