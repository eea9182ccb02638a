import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EInvoiceError, invalidInput, type ProblemDetail } from '../errors';
import type { DocumentContext } from '../model/context';
import { compileSchemaFile, toProblems } from '../validation/schema';
import { deepFreeze, parseJson } from '../util/json';
import { packageRoot } from '../util/package-root';
import { matches } from './applicability';
import type { FeatureRef, FlowDefinition, LoadedFlow } from './types';

const END_TARGETS = new Set(['end', 'fail', 'reject']);

/** What the catalogue needs to know about actions to check a flow: their names and parameter checks. */
export interface ActionCatalogue {
  has(name: string): boolean;
  /**
   * Problems with a step's `with` parameters, paths relative to `with`; `ownFormats` are formats the flow's
   * feature brings (known to the flow though not registered yet).
   */
  checkParams(
    name: string,
    params: Record<string, unknown>,
    ownFormats?: ReadonlySet<string>,
  ): ProblemDetail[];
  /** The steps a step's parameters name as places to go next (`again` of `await-event`), paths in `with`. */
  routes?(name: string, params: Record<string, unknown>): Array<{ path: string; step: string }>;
}

const validateFlow = () =>
  compileSchemaFile<FlowDefinition>(join(packageRoot(), 'flows', 'schema', 'flow.schema.json'));

/** Checks one parsed flow; returns every problem with its JSON path. */
export function checkFlow(
  value: unknown,
  actions: ActionCatalogue,
  ownFormats: ReadonlySet<string> = new Set(),
): ProblemDetail[] {
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
      for (const p of actions.checkParams(step.action, step.with ?? {}, ownFormats)) {
        problems.push({ ...p, path: `/steps/${index}/with${p.path === '/' ? '' : (p.path ?? '')}` });
      }
    }
    for (const route of actions.has(step.action)
      ? (actions.routes?.(step.action, step.with ?? {}) ?? [])
      : []) {
      if (!ids.has(route.step))
        problems.push({
          path: `/steps/${index}/with${route.path}`,
          message: `no step "${route.step}" in this flow`,
        });
    }
    for (const [outcome, target] of Object.entries(step.on ?? {})) {
      if (!END_TARGETS.has(target) && !ids.has(target)) {
        problems.push({ path: `/steps/${index}/on/${outcome}`, message: `no step "${target}" in this flow` });
      }
    }
  });
  return problems;
}

/** Which flows may run for a document: the tenant's flow list, and a test of each flow's feature version. */
export interface FlowFilter {
  /** When set, only these flows run for the tenant. */
  enabledFlows?: readonly string[];
  /** Whether a flow of this feature version may run; flows outside features always may. */
  feature?: (feature: FeatureRef) => boolean;
}

const keyOf = (flowId: string, feature?: FeatureRef) =>
  feature ? `${feature.id}@${feature.version}/${flowId}` : `/${flowId}`;

/**
 * The flows the service runs: loaded from a folder of JSON files and from features, each checked against
 * the flow schema and the action registry at start-up (a bad file stops the start with every problem
 * listed), then frozen. A feature's versions may hold the same flow id; flows of different features (or
 * outside features) may not.
 */
export class FlowCatalogue {
  private readonly byKey = new Map<string, LoadedFlow>();

  private readonly owner = new Map<string, LoadedFlow>();

  constructor(flows: LoadedFlow[]) {
    this.add(flows);
  }

  /** Adds flows (a feature version installed while the service runs), checked as the constructor checks. */
  add(flows: readonly LoadedFlow[]): void {
    const owner = new Map(this.owner);
    const added = new Map<string, LoadedFlow>();
    for (const loaded of flows) {
      const existing = owner.get(loaded.flow.id);
      if (existing && (existing.feature?.id ?? '') !== (loaded.feature?.id ?? '')) {
        throw invalidInput('flow.duplicate', `Flow "${loaded.flow.id}" is defined twice`, [
          { path: existing.source, message: 'first definition' },
          { path: loaded.source, message: 'second definition' },
        ]);
      }
      owner.set(loaded.flow.id, loaded);
      const key = keyOf(loaded.flow.id, loaded.feature);
      const twice = this.byKey.get(key) ?? added.get(key);
      if (twice) {
        throw invalidInput('flow.duplicate', `Flow "${loaded.flow.id}" is defined twice`, [
          { path: twice.source, message: 'first definition' },
          { path: loaded.source, message: 'second definition' },
        ]);
      }
      added.set(key, loaded);
    }
    // all checked: nothing is added when one of them is refused
    for (const [key, loaded] of added) this.byKey.set(key, deepFreeze(loaded));
    for (const [id, loaded] of owner) this.owner.set(id, loaded);
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

  /** A flow by id: of the given feature version, or outside features; undefined when there is none. */
  get(id: string, feature?: FeatureRef): FlowDefinition | undefined {
    return this.byKey.get(keyOf(id, feature))?.flow;
  }

  /** Every flow loaded, of every feature version. */
  entries(): LoadedFlow[] {
    return [...this.byKey.values()];
  }

  all(): FlowDefinition[] {
    return this.entries().map((l) => l.flow);
  }

  private runsFor(loaded: LoadedFlow, tenantId: string, filter: FlowFilter): boolean {
    const { flow } = loaded;
    if (flow.enabled === false) return false;
    if (flow.tenants && !flow.tenants.includes(tenantId)) return false;
    if (filter.enabledFlows && !filter.enabledFlows.includes(flow.id)) return false;
    if (loaded.feature && filter.feature && !filter.feature(loaded.feature)) return false;
    return true;
  }

  /** The flows that may run for the tenant: enabled, of the feature versions the filter lets run. */
  runnable(tenantId: string, filter: FlowFilter = {}): LoadedFlow[] {
    return this.entries().filter((loaded) => this.runsFor(loaded, tenantId, filter));
  }

  /**
   * The one flow for a document, with its feature version: named by `context.flowId`, or the only flow
   * whose applicability rules match. No match, or several, is an error naming the candidates.
   */
  choose(context: DocumentContext, filter: FlowFilter = {}): LoadedFlow {
    const runnable = this.runnable(context.tenantId, filter);
    if (context.flowId !== undefined) {
      const named = runnable.filter((l) => l.flow.id === context.flowId);
      if (named.length !== 1) {
        throw new EInvoiceError('flow.unknown', `No enabled flow "${context.flowId}" for this tenant`, {
          status: 422,
          details: [
            {
              path: '/context/flowId',
              message:
                named.length === 0
                  ? `unknown or disabled flow "${context.flowId}"`
                  : `flow "${context.flowId}" is in several enabled versions of its feature: ${named.map((l) => l.feature!.version).join(', ')}`,
            },
          ],
        });
      }
      return named[0]!;
    }
    const candidates = runnable.filter(
      (l) => l.flow.applicability !== undefined && matches(l.flow.applicability, context),
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
      `Several flows apply to this document context: ${candidates.map((l) => l.flow.id).join(', ')}`,
      {
        status: 422,
        details: candidates.map((l) => ({ path: '/context', message: `candidate flow "${l.flow.id}"` })),
      },
    );
  }
}
