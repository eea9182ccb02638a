import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../util/package-root';

let countries: ReadonlySet<string> | undefined;

/** ISO 3166-1 alpha-2 codes as the canonical schema lists them (the schema is the one source). */
export function isoCountries(): ReadonlySet<string> {
  if (!countries) {
    const schema = JSON.parse(
      readFileSync(join(packageRoot(), 'shared', 'model', 'schemas', 'invoice.schema.json'), 'utf8'),
    ) as {
      $defs: { country: { enum: string[] } };
    };
    countries = new Set(schema.$defs.country.enum);
  }
  return countries;
}
