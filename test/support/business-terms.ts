import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dec, format } from '../../shared/util/decimal';
import { packageRoot } from '../../shared/util/package-root';

type Schema = {
  $ref?: string;
  allOf?: Schema[];
  properties?: Record<string, Schema>;
  items?: Schema;
  $defs?: Record<string, Schema>;
};

const schema = JSON.parse(
  readFileSync(join(packageRoot(), 'shared', 'model', 'schemas', 'invoice.schema.json'), 'utf8'),
) as Schema;

function resolve(node: Schema | undefined): Schema | undefined {
  let current = node;
  for (;;) {
    if (current?.$ref) current = schema.$defs?.[current.$ref.replace('#/$defs/', '')];
    else if (current?.allOf?.length === 1) current = current.allOf[0];
    else return current;
  }
}

/** Whether a property holds a decimal (directly, or through `allOf`). */
function isDecimalProperty(node: Schema | undefined): boolean {
  for (let current = node; current; current = current.allOf?.length === 1 ? current.allOf[0] : undefined) {
    if (current.$ref === '#/$defs/decimal') return true;
  }
  return false;
}

/**
 * The business terms a canonical invoice carries, as `path → value`: every leaf, with decimals (the
 * schema's `decimal` type) written in one form, so that `25.0` and `25` are the same term value.
 */
export function businessTerms(invoice: unknown): Map<string, string> {
  const terms = new Map<string, string>();
  const walk = (value: unknown, node: Schema | undefined, path: string, isDecimal: boolean) => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, resolve(node?.items), `${path}/${i}`, isDecimal));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
        const property = node?.properties?.[key];
        const decimal = isDecimalProperty(property);
        walk(child, resolve(property), `${path}/${key}`, decimal);
      }
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      terms.set(path, isDecimal && typeof value !== 'boolean' ? format(dec(value)) : String(value));
    }
  };
  walk(invoice, schema, '', false);
  return terms;
}

/** Terms of `input` that `output` lacks or carries with another value (extra terms in `output` are fine). */
export function lostTerms(input: unknown, output: unknown): string[] {
  const before = businessTerms(input);
  const after = businessTerms(output);
  const lost: string[] = [];
  for (const [path, value] of before) {
    if (after.get(path) !== value) lost.push(`${path}: ${value} → ${after.get(path) ?? '(none)'}`);
  }
  return lost;
}
