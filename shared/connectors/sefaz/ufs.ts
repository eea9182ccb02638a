import { UF_CODES, ufOfCode, type Uf } from '../../formats/nfe-key';
import { localTimeWithOffset } from '../../util/local-time';

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

/**
 * `at` as the NF-e writes a local date-time (TDateTimeUTC): `2024-02-01T14:07:05-03:00`, in the unit's time
 * zone at that instant, to the second. Throws a RangeError for an invalid date.
 */
export function localDateTime(at: Date, uf: Uf): string {
  if (Number.isNaN(at.getTime())) throw new RangeError('Invalid date');
  return localTimeWithOffset(at, UF_TIME_ZONES[uf]);
}
