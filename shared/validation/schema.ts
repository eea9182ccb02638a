import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import type { ProblemDetail } from '../errors';

let shared: Ajv2020 | undefined;

/** One Ajv instance for the process: schemas are compiled once and reused. */
export function ajv(): Ajv2020 {
  if (!shared) {
    shared = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, useDefaults: false });
    addFormats(shared);
  }
  return shared;
}

const compiled = new Map<string, ValidateFunction>();

/** Compiles a JSON Schema file once per process. */
export function compileSchemaFile<T>(file: string): ValidateFunction<T> {
  let validate = compiled.get(file);
  if (!validate) {
    const schema = JSON.parse(readFileSync(file, 'utf8')) as { $id?: string };
    validate = (schema.$id ? ajv().getSchema(schema.$id) : undefined) ?? ajv().compile(schema);
    compiled.set(file, validate);
  }
  return validate as ValidateFunction<T>;
}

/** Turns Ajv errors into located, readable problems (`/lines/0/quantity: must be number`). */
export function toProblems(errors: ErrorObject[] | null | undefined, basePath = ''): ProblemDetail[] {
  if (!errors) return [];
  const problems: ProblemDetail[] = [];
  for (const error of errors) {
    // oneOf/anyOf summaries repeat what their branches said.
    if (error.keyword === 'oneOf' || error.keyword === 'anyOf' || error.keyword === 'if') continue;
    let path = basePath + error.instancePath;
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'required') {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      path = `${path}/${missing}`;
      message = 'is required';
    } else if (error.keyword === 'additionalProperties') {
      const extra = (error.params as { additionalProperty: string }).additionalProperty;
      path = `${path}/${extra}`;
      message = 'is not allowed here';
    } else if (error.keyword === 'enum') {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
      message = `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`;
    }
    problems.push({ path: path || '/', message, code: `schema.${error.keyword}` });
  }
  // Identical problems arise from several oneOf branches; keep one.
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path} ${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
