import type { ValidateFunction } from 'ajv';
import { invalidInput, type ProblemDetail } from '../errors';
import type { ActionCatalogue } from '../flows/catalogue';
import type { FlowDefinition, StepDefinition } from '../flows/types';
import type { OutputFormat } from '../formats/format';
import type { EventEntry } from '../features/events';
import type { DocumentRecord, Stage, StepOutcome } from '../model/record';
import { ajv, toProblems } from '../validation/schema';

/** What an action may use while it runs a step. */
export interface ActionContext {
  readonly record: Readonly<DocumentRecord>;
  readonly flow: FlowDefinition;
  readonly step: StepDefinition;
  /** The step's `with` parameters, `%SETTING%` and `{variable}` placeholders resolved. */
  readonly params: Record<string, unknown>;
  /**
   * `tenant/document/step`: the same on every attempt of the step, so a remote service can drop duplicates.
   */
  readonly idempotencyKey: string;
  /**
   * This attempt takes over from a delivery that stopped without recording a result (a crash, a lost
   * lease): what that delivery did remotely is unknown. A submission reconciles before it sends again.
   */
  readonly resumed: boolean;
  /** When the document reached this step (the first attempt's start); a poll's deadline counts from it. */
  readonly stepStartedAt: Date;
  /**
   * For a document of a feature: the parameters of its company for its feature version, each with its value
   * or its default (those with neither are absent). Read when asked (mappings that use them).
   */
  companyParameters?(): Promise<Readonly<Record<string, string>>>;
  /**
   * The check of the feature version's extension of the canonical document (`extensions` of its manifest): the
   * problems of a document, each with its JSON path. Absent when the feature has none.
   */
  checkExtensions?(document: unknown): ProblemDetail[];
  /** The format mappings of the feature version the document runs under (they win over the registry's). */
  readonly formats?: readonly OutputFormat[];
  readArtifact(name: string): Promise<Buffer>;
  /** Stores an output; it becomes part of the record when the step's result is recorded. */
  writeArtifact(name: string, content: Buffer | string, contentType: string): Promise<void>;
  readonly signal: AbortSignal;
}

export interface ActionResult {
  outcome: StepOutcome;
  code?: string;
  message?: string;
  /** Problems to show on the record (validation findings, for instance), each located. */
  details?: ProblemDetail[];
  /** Values later steps may use as `{name}` placeholders (ids given by a remote service, for instance). */
  variables?: Record<string, string>;
  /** The remote service asked for this much patience (HTTP Retry-After). */
  retryAfterMs?: number;
  /**
   * With `transient` or `pending`: run the step again after `retryAfterMs` without spending an attempt of
   * the step's retry policy (an open circuit, a poll that has its own deadline).
   */
  postpone?: boolean;
  /**
   * With `accepted` and a `code` (a notice): how loud it is in the log. `warn` (the default) for what an
   * operator should act on (a signing certificate about to expire), `info` for what the service already says
   * once at start-up (XML Schemas not installed). The record carries the notice either way.
   */
  noticeLevel?: 'info' | 'warn';
  /** Events from the authority the step took note of, to list on the record. */
  events?: EventEntry[];
  /**
   * With `accepted`: the step of the flow the document goes to next, instead of the following one (a step its
   * parameters named, checked when the flow loads: {@link Action.routes}).
   */
  goto?: string;
}

/**
 * A processing action. Each registers under a unique name with the stage (and so the Function) that runs it
 * and a JSON Schema for its `with` parameters, checked when flows load.
 *
 * `run` reports business outcomes as results. It throws `EInvoiceError` for failures: `retryable` ones are
 * retried per the step's policy, the others fail the step. Actions must be idempotent: a step may run again
 * after a crash, so outputs are keyed by document and step, and remote calls carry `idempotencyKey`.
 */
export interface Action {
  readonly name: string;
  readonly stage: Stage;
  readonly description: string;
  /**
   * The steps its parameters name as places the document may go next (checked against the flow at load),
   * each with its path in the parameters.
   */
  routes?(params: Readonly<Record<string, unknown>>): Array<{ path: string; step: string }>;
  readonly paramsSchema: object;
  /**
   * The step's outputs depend only on its inputs and parameters, and it touches nothing outside the
   * document (validation, transformation). Two deliveries running it at once write the same bytes, so the
   * engine runs it without first claiming the record; the result is still recorded only once.
   */
  readonly pure?: boolean;
  run(context: ActionContext): Promise<ActionResult>;
}

/** The registry of actions by name. An unknown or duplicate name is an error at start-up. */
export class ActionRegistry implements ActionCatalogue {
  private readonly actions = new Map<string, { action: Action; validate: ValidateFunction }>();

  register(action: Action): this {
    if (this.actions.has(action.name)) {
      throw invalidInput('action.duplicate', `Action "${action.name}" is registered twice`);
    }
    this.actions.set(action.name, { action, validate: ajv().compile(action.paramsSchema) });
    return this;
  }

  has(name: string): boolean {
    return this.actions.has(name);
  }

  get(name: string): Action {
    const found = this.actions.get(name);
    if (!found) throw invalidInput('action.unknown', `Unknown action "${name}"`);
    return found.action;
  }

  names(): string[] {
    return [...this.actions.keys()].sort();
  }

  routes(name: string, params: Record<string, unknown>): Array<{ path: string; step: string }> {
    const action = this.actions.get(name)?.action;
    return action?.routes && this.actions.get(name)!.validate(params) ? action.routes(params) : [];
  }

  checkParams(
    name: string,
    params: Record<string, unknown>,
    ownFormats: ReadonlySet<string> = new Set(),
  ): ProblemDetail[] {
    const found = this.actions.get(name);
    if (!found) return [{ path: '/', message: `unknown action "${name}"` }];
    // a format the flow's own feature brings is known, though the service registered it after this schema
    const format = params.format;
    const own = typeof format === 'string' && ownFormats.has(format);
    if (found.validate(params)) return [];
    return toProblems(found.validate.errors).filter(
      (p) => !(own && p.path === '/format' && p.code === 'schema.enum'),
    );
  }
}
