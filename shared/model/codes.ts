import { codeList } from '../rules/code-lists/code-lists';

let countries: ReadonlySet<string> | undefined;

/**
 * ISO 3166-1 alpha-2 country codes (with 1A for Kosovo), as the EN 16931 code list has them
 * (`shared/rules/code-lists/en16931/iso-3166-1.json`; the canonical schema's enum is the same list).
 */
export function isoCountries(): ReadonlySet<string> {
  countries ??= new Set(codeList('en16931/iso-3166-1').codes);
  return countries;
}
