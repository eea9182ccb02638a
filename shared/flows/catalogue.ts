import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EInvoiceError, invalidInput, type ProblemDetail } from '../errors';
import type { DocumentContext } from '../model/context';
import { compileSchemaFile, toProblems } from '../validation/schema';
import { deepFreeze, parseJson } from '../util/json';
import { packageRoot } from '../util/package-root';
import { matches } from './applicability';
import type { FlowDefinition, LoadedFlow } from './types';

const END_TARGETS = new Set(['end', 'fail', 'reject']);

/** What the catalogue needs to know about actions to check a flow: their names and parameter checks. */
export interface ActionCatalogue {
  has(name: string): boolean;
  /** Problems with a step's `with` parameters, paths relative to `with`. */
  checkParams(name: string, params: Record<string, unknown>): ProblemDetail[];
}

const validateFlow = () =>
  compileSchemaFile<FlowDefinition>(join(packageRoot(), 'flows', 'schema', 'flow.schema.json'));

/** Checks one parsed flow; returns every problem with its JSON path. */
export function checkFlow(value: unknown, actions: ActionCatalogue): ProblemDetail[] {
  const validate = validateFlow();
  if (!validate(value)) return toProblems(validate.errors);
  const flow = value;
  const problems: ProblemDetail[] = [];
  const ids = new Set<string>();
  flow.steps.forEach((step, index) => {
    if (ids.has(step.id))
      problems.push({ path: `/steps/${index}/id`, message: `duplicate step id "${step.id}"` });
    ids.add(step.id);
  });
  flow.steps.forEach((step, index) => {
    if (!actions.has(step.action)) {
      problems.push({
        path: `/steps/${index}/action`,
        message: `unknown action "${step.action}"`,
        code: 'flow.unknown-action',
      });
    } else {
      for (const p of actions.checkParams(step.action, step.with ?? {})) {
        problems.push({ ...p, path: `/steps/${index}/with${p.path === '/' ? '' : (p.path ?? '')}` });
      }
    }
    for (const [outcome, target] of Object.entries(step.on ?? {})) {
      if (!END_TARGETS.has(target) && !ids.has(target)) {
        problems.push({ path: `/steps/${index}/on/${outcome}`, message: `no step "${target}" in this flow` });
      }
    }
  });
  return problems;
}

/**
 * The flows the service runs: loaded from a folder of JSON files, each checked against the flow schema and
 * the action registry at start-up (a bad file stops the start with every problem listed), then frozen.
 */
export class FlowCatalogue {
  private readonly byId = new Map<string, LoadedFlow>();

  constructor(flows: LoadedFlow[]) {
    for (const loaded of flows) {
      const existing = this.byId.get(loaded.flow.id);
      if (existing) {
        throw invalidInput('flow.duplicate', `Flow "${loaded.flow.id}" is defined twice`, [
          { path: existing.source, message: 'first definition' },
          { path: loaded.source, message: 'second definition' },
        ]);
      }
      this.byId.set(loaded.flow.id, deepFreeze(loaded));
    }
  }

  /**
   * The flow files directly in `dir` (`*.json`), checked, with `more` (the flows of the features installed,
   * checked by the feature catalogue) besides.
   */
  static load(dir: string, actions: ActionCatalogue, more: readonly LoadedFlow[] = []): FlowCatalogue {
    const files = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
      .map((entry) => join(dir, entry.name))
      .sort();
    const loaded: LoadedFlow[] = [];
    const problems: ProblemDetail[] = [];
    for (const file of files) {
      const parsed = parseJson(readFileSync(file, 'utf8'));
      if (!parsed.ok) {
        problems.push({ path: file, message: parsed.message, code: 'flow.invalid-json' });
        continue;
      }
      const found = checkFlow(parsed.value, actions);
      if (found.length > 0) {
        problems.push(...found.map((p) => ({ ...p, path: `${file}#${p.path ?? ''}` })));
        continue;
      }
      loaded.push({ flow: parsed.value as FlowDefinition, source: file });
    }
    if (problems.length > 0) {
      throw invalidInput('flow.invalid', `Invalid flow definitions in ${dir}`, problems);
    }
    return new FlowCatalogue([...loaded, ...more]);
  }

  get(id: string): FlowDefinition | undefined {
    return this.byId.get(id)?.flow;
  }

  all(): FlowDefinition[] {
    return [...this.byId.values()].map((l) => l.flow);
  }

  private runsFor(flow: FlowDefinition, tenantId: string, enabledFlows?: readonly string[]): boolean {
    if (flow.enabled === false) return false;
    if (flow.tenants && !flow.tenants.includes(tenantId)) return false;
    if (enabledFlows && !enabledFlows.includes(flow.id)) return false;
    return true;
  }

  /**
   * The one flow for a document: named by `context.flowId`, or the only flow whose applicability rules
   * match. No match, or several, is an error naming the candidates.
   */
  select(context: DocumentContext, enabledFlows?: readonly string[]): FlowDefinition {
    if (context.flowId !== undefined) {
      const flow = this.byId.get(context.flowId)?.flow;
      if (!flow || !this.runsFor(flow, context.tenantId, enabledFlows)) {
        throw new EInvoiceError('flow.unknown', `No enabled flow "${context.flowId}" for this tenant`, {
          status: 422,
          details: [{ path: '/context/flowId', message: `unknown or disabled flow "${context.flowId}"` }],
        });
      }
      return flow;
    }
    const candidates = this.all().filter(
      (flow) =>
        flow.applicability !== undefined &&
        this.runsFor(flow, context.tenantId, enabledFlows) &&
        matches(flow.applicability, context),
    );
    if (candidates.length === 1) return candidates[0]!;
    if (candidates.length === 0) {
      throw new EInvoiceError('flow.no-match', 'No flow applies to this document context', {
        status: 422,
        details: [
          {
            path: '/context',
            message: 'no applicability rule matched; set context.flowId or adjust the rules',
          },
        ],
      });
    }
    throw new EInvoiceError(
      'flow.ambiguous',
      `Several flows apply to this document context: ${candidates.map((f) => f.id).join(', ')}`,
      {
        status: 422,
        details: candidates.map((f) => ({ path: '/context', message: `candidate flow "${f.id}"` })),
      },
    );
  }
}
