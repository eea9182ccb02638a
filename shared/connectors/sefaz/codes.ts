import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../util/package-root';

/**
 * The result codes (cStat) of the SEFAZ web services as data (`cstat.json` beside this file): the official
 * text of each and what it means for a flow. The file is read and checked the first time a code is asked
 * for, then frozen; a file that breaks the rules (a code that is not three digits, a code listed twice, an
 * unknown outcome, `duplicate` on anything but a rejection) stops the service at that point.
 */

/**
 * What a cStat means for the flow that got it:
 * - `accepted`: the document or event is registered (100, 150 authorised; 135, 136 event registered; 101, 151,
 *   155 cancellation homologated);
 * - `pending`: the lote was received, its result is to be asked for later (103, 105);
 * - `rejected`: the request was refused; sending it again as it is will be refused again;
 * - `denied`: use of the NF-e is denied (110, 301, 302, 303): the number is spent;
 * - `service`: about the service or the lote rather than a document (107–109 service state, 104 and 128 lote
 *   processed: the results are in its protocols, 106 receipt unknown, 656 misuse block).
 */
export type CStatOutcome = 'accepted' | 'pending' | 'rejected' | 'denied' | 'service';

export const CSTAT_OUTCOMES: readonly CStatOutcome[] = [
  'accepted',
  'pending',
  'rejected',
  'denied',
  'service',
];

export interface CStatEntry {
  readonly cStat: string;
  /** The official text (xMotivo), Portuguese; placeholders as the manual writes them (`[nRec:999999999999999]`). */
  readonly xMotivo: string;
  readonly outcome: CStatOutcome;
  /**
   * A rejection because the authoriser already holds a result for the same document or event (204, 539
   * duplicate NF-e; 205, 218 the NF-e is denied or cancelled; 573 duplicate event): recover that result
   * (NFeConsultaProtocolo4) rather than authorising twice.
   */
  readonly duplicate: boolean;
}

/** What `outcomeOf` says of a cStat; `known` is false for a code the table does not list. */
export interface CStatVerdict extends Omit<CStatEntry, 'xMotivo'> {
  readonly known: boolean;
  readonly xMotivo?: string;
}

export interface CStatTable {
  readonly name: string;
  readonly version: string;
  readonly entries: ReadonlyMap<string, CStatEntry>;
}

/** The file the table is kept in. */
export function cStatFile(): string {
  return join(packageRoot(), 'shared', 'connectors', 'sefaz', 'cstat.json');
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isText = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

const CSTAT = /^\d{3}$/;

/**
 * Checks a table read from JSON and returns it frozen; throws one error naming every problem, each with its
 * place in the file (`/codes/12/outcome`).
 */
export function checkCStatTable(data: unknown, file = 'cstat.json'): CStatTable {
  const problems: string[] = [];
  if (!isObject(data)) throw new Error(`${file}: the table is a JSON object`);
  for (const key of ['name', 'version'] as const)
    if (!isText(data[key])) problems.push(`/${key} must be text`);
  const entries = new Map<string, CStatEntry>();
  if (!Array.isArray(data.codes) || data.codes.length === 0) problems.push('/codes must be a list of codes');
  else
    data.codes.forEach((row: unknown, i) => {
      const at = `/codes/${i}`;
      if (!isObject(row)) return problems.push(`${at} must be an object`);
      const { cStat, xMotivo, outcome, duplicate } = row;
      const extra = Object.keys(row).filter((k) => !['cStat', 'xMotivo', 'outcome', 'duplicate'].includes(k));
      if (extra.length > 0) problems.push(`${at} has unknown properties ${extra.join(', ')}`);
      if (typeof cStat !== 'string' || !CSTAT.test(cStat)) problems.push(`${at}/cStat must be three digits`);
      else if (entries.has(cStat)) problems.push(`${at}/cStat ${cStat} is listed twice`);
      if (!isText(xMotivo)) problems.push(`${at}/xMotivo must be text`);
      if (typeof outcome !== 'string' || !(CSTAT_OUTCOMES as readonly string[]).includes(outcome))
        problems.push(`${at}/outcome must be one of ${CSTAT_OUTCOMES.join(', ')}`);
      if (duplicate !== undefined && duplicate !== true)
        problems.push(`${at}/duplicate must be true or absent`);
      if (duplicate === true && outcome !== 'rejected')
        problems.push(`${at}/duplicate is for rejections only`);
      if (typeof cStat === 'string' && CSTAT.test(cStat) && !entries.has(cStat) && isText(xMotivo))
        entries.set(
          cStat,
          Object.freeze({
            cStat,
            xMotivo,
            outcome: outcome as CStatOutcome,
            duplicate: duplicate === true,
          }),
        );
    });
  if (problems.length > 0) throw new Error(`${file}: ${problems.join('; ')}`);
  return Object.freeze({ name: data.name as string, version: data.version as string, entries });
}

let table: CStatTable | undefined;

/** The table of `cstat.json`, read and checked the first time it is asked for. */
export function cStatTable(): CStatTable {
  if (!table) {
    const file = cStatFile();
    table = checkCStatTable(JSON.parse(readFileSync(file, 'utf8')) as unknown, file);
  }
  return table;
}

/**
 * What a cStat means for a flow. A code the table does not list (or text that is no code) is a rejection,
 * with the code kept and `known` false, so that nothing unknown passes for a success.
 */
export function outcomeOf(cStat: string): CStatVerdict {
  const entry = cStatTable().entries.get(cStat);
  if (entry) return { ...entry, known: true };
  return { cStat, outcome: 'rejected', duplicate: false, known: false };
}
