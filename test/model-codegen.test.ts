/**
 * The canonical model's TypeScript types and its BT → JSON path table are generated from the JSON Schema.
 * This test fails when either is out of date; `npm run generate` (UPDATE_GENERATED=1) rewrites them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

const ROOT = join(__dirname, '..');
const SCHEMA = join(ROOT, 'shared', 'model', 'schemas', 'invoice.schema.json');
const TYPES = join(ROOT, 'shared', 'model', 'invoice.generated.ts');
const TABLE = join(ROOT, 'docs', 'model.md');

type Node = {
  description?: string;
  $ref?: string;
  allOf?: Node[];
  properties?: Record<string, Node>;
  items?: Node;
  required?: string[];
  enum?: unknown[];
  type?: string | string[];
  title?: string;
};

function resolve(schema: Node & { $defs: Record<string, Node> }, node: Node): Node {
  const target = node.allOf?.[0] ?? node;
  if (target.$ref) return schema.$defs[target.$ref.replace('#/$defs/', '')]!;
  return target;
}

/** Rows `| BT | path | required | description |` for every property that names a business term or group. */
function modelTable(schema: Node & { $defs: Record<string, Node> }): string {
  const rows: string[] = [];
  const walk = (node: Node, path: string, depth: number) => {
    const resolved = resolve(schema, node);
    if (depth > 6) return;
    const properties =
      resolved.properties ?? (resolved.items ? resolve(schema, resolved.items).properties : undefined);
    const required = new Set(
      resolved.required ?? (resolved.items ? resolve(schema, resolved.items).required : []) ?? [],
    );
    const isArray = resolved.type === 'array';
    for (const [name, child] of Object.entries(properties ?? {})) {
      if (name === '$schema') continue;
      const childPath = `${path}${isArray ? '[]' : ''}/${name}`;
      const description = child.description ?? resolve(schema, child).description ?? '';
      const terms = description.match(/B[TG]-\d+(-\d)?/g) ?? [];
      if (terms.length > 0) {
        rows.push(
          `| ${terms.join(', ')} | \`${childPath}\` | ${required.has(name) ? 'yes' : ''} | ${description.replace(/\|/g, '\\|')} |`,
        );
      }
      walk(child, childPath, depth + 1);
    }
  };
  walk(schema, '', 0);
  return [
    '# The canonical invoice: business terms → JSON paths',
    '',
    'Generated from `shared/model/schemas/invoice.schema.json` by `npm run generate`; do not edit.',
    'Paths are JSON Pointers; `[]` marks an array. "Required" is required by the schema where the parent is present;',
    'the EN 16931 business rules (BR-*) add conditional requirements, checked by `einvoice validate`.',
    '',
    '| term | JSON path | required | description |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

function generatedTypes(): string {
  return execFileSync(process.execPath, [join(__dirname, 'support', 'generate-model-types.cjs'), SCHEMA], {
    encoding: 'utf8',
  });
}

describe('generated from the canonical invoice schema', () => {
  const schema = JSON.parse(readFileSync(SCHEMA, 'utf8')) as Node & { $defs: Record<string, Node> };

  it('the TypeScript types are up to date', () => {
    const expected = generatedTypes();
    if (process.env.UPDATE_GENERATED === '1') writeFileSync(TYPES, expected);
    expect(readFileSync(TYPES, 'utf8')).toBe(expected);
  });

  it('the BT → JSON path table is up to date and names every business term', () => {
    const expected = modelTable(schema);
    if (process.env.UPDATE_GENERATED === '1') writeFileSync(TABLE, expected);
    expect(readFileSync(TABLE, 'utf8')).toBe(expected);
    const terms = new Set(expected.match(/BT-\d+/g)!.map((t) => Number(t.slice(3))));
    const missing = Array.from({ length: 165 }, (_, i) => i + 1).filter((n) => n !== 4 && !terms.has(n));
    expect(missing).toEqual([]); // BT-4 does not exist in EN 16931
  });
});
