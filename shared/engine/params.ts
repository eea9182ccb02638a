import { invalidInput } from '../errors';
import type { FlowDefinition } from '../flows/types';
import type { DocumentRecord } from '../model/record';
import { resolveSetting } from '../settings';
import { localTime } from '../util/local-time';

/**
 * Resolves placeholders in a step's parameters: `%SETTING%` from the settings (environment), and
 * `{name}` from the document: `documentId`, `tenantId`, `flowId`, `stepId`, `correlationId`, `idempotencyKey`,
 * `receivedAt` (when the service took the document, ISO 8601; `receivedAt:America/Mexico_City`: as the local
 * time of that zone, `YYYY-MM-DDTHH:mm:ss`, the same on every run of the step),
 * `context.<field>`, `company.<name>` (the parameters of the document's company for its feature, see
 * docs/features.md), and variables (the flow's `variables`, then values steps recorded).
 */
export function resolveParams(
  params: Readonly<Record<string, unknown>>,
  record: Readonly<DocumentRecord>,
  flow: FlowDefinition,
  env: Readonly<Record<string, string | undefined>> = process.env,
  company?: (name: string) => string | undefined,
): Record<string, unknown> {
  const lookup = (name: string): string | undefined => {
    switch (name) {
      case 'documentId':
        return record.id;
      case 'tenantId':
        return record.tenantId;
      case 'flowId':
        return record.flowId;
      case 'stepId':
        return record.stepId;
      case 'correlationId':
        return record.correlationId;
      case 'idempotencyKey':
        return `${record.tenantId}/${record.id}/${record.stepId ?? ''}`;
    }
    if (name === 'receivedAt') return record.createdAt;
    if (name.startsWith('receivedAt:'))
      return localTimeOf(record.createdAt, name.slice('receivedAt:'.length));
    if (name.startsWith('company.')) {
      const parameter = name.slice('company.'.length);
      const value = company?.(parameter);
      if (value === undefined) {
        const who = record.context.companyId
          ? `company ${record.context.companyId}`
          : 'the document (no context.companyId)';
        throw invalidInput(
          'feature.parameter-missing',
          `Step parameter {${name}} has no value: ${record.featureId ? `${who} has no parameter "${parameter}" for feature ${record.featureId}, and it has no default` : 'the flow is not part of a feature'}`,
        );
      }
      return value;
    }
    if (name.startsWith('context.')) {
      const value = record.context[name.slice('context.'.length)];
      return value === undefined ? undefined : String(value);
    }
    const value = record.variables?.[name] ?? flow.variables?.[name];
    return value === undefined ? undefined : String(value);
  };
  const resolveText = (text: string): string =>
    // (most parameters are plain: neither a setting nor a placeholder to resolve)
    !text.includes('%') && !text.includes('{')
      ? text
      : resolveSetting(text, env).replace(/\{([A-Za-z0-9_.:/-]+)\}/g, (whole, name: string) => {
          const value = lookup(name);
          if (value === undefined) {
            throw invalidInput(
              'flow.unresolved-placeholder',
              `Step parameter placeholder ${whole} has no value`,
            );
          }
          return value;
        });
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return resolveText(value);
    if (Array.isArray(value)) return value.map(walk);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    }
    return value;
  };
  return walk(params) as Record<string, unknown>;
}

/** An instant as the local time of an IANA zone, `YYYY-MM-DDTHH:mm:ss`; an unknown zone is a coded error. */
function localTimeOf(iso: string, zone: string): string {
  try {
    return localTime(new Date(iso), zone);
  } catch {
    throw invalidInput('flow.unresolved-placeholder', `{receivedAt:${zone}}: unknown time zone ${zone}`);
  }
}
