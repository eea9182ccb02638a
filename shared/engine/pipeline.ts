import { createHash, randomUUID } from 'node:crypto';
import { EInvoiceError, describeError, invalidInput, notFound, type ProblemDetail } from '../errors';
import { compileSchemaFile, toProblems } from '../validation/schema';
import { packageRoot } from '../util/package-root';
import { join } from 'node:path';
import type { FlowCatalogue } from '../flows/catalogue';
import type { FeatureRef, LoadedFlow, StepDefinition } from '../flows/types';
import type { FeatureCatalogue } from '../features/catalogue';
import { allParameters, companyParameters, featureFilter } from '../features/setup';
import type { OutputFormat } from '../formats/format';
import { shippedFormats } from '../formats/mapping';
import type { Logger } from '../log';
import type { DocumentContext } from '../model/context';
import type { StageMessage } from '../model/message';
import {
  isTerminal,
  RESUBMITTABLE_STATUSES,
  type ArtifactInfo,
  type DocumentRecord,
  type DocumentStatus,
  type HistoryEntry,
  type Stage,
} from '../model/record';
import type { MessageBus } from '../ports/message-bus';
import type { DocumentStore, ListQuery, VersionedRecord } from '../store/document-store';
import type { TenantDirectory } from '../store/tenants';
import { parseDuration } from '../util/duration';
import { newDocumentId } from '../util/ids';
import type { ActionContext, ActionRegistry, ActionResult } from './action';
import { checkFlowInput, detectInput, formatSignatures, type FormatSignature } from './input';
import { resolveParams } from './params';
import { target, transition, type Transition } from './transitions';
import { summarize } from './summary';
import { countFinished, countReceived, recordStep } from '../telemetry/metrics';
import { annotateSpan, currentTraceContext, failSpan, inSpan } from '../telemetry/trace';

export interface PipelineOptions {
  topics: Record<Stage, string>;
  stageTimeoutMs: number;
  /** How often the timer may re-drive one attempt of a step whose stage went silent before it fails. */
  maxRedrives?: number;
  /**
   * True when this process is the only one running steps on its store (the embedded runtime holds a lock
   * on its data folder): then a lease left by an earlier process is dead and is taken over at once.
   */
  exclusive?: boolean;
  /** Resolves `%SETTING%` placeholders in step parameters. */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * The formats whose documents intake recognises (by root element and customization id) to check a flow's
   * `input.formats`; default the shipped formats.
   */
  formats?: { list(): readonly OutputFormat[] };
  /** The installed features: which versions run for a tenant, their parameters and formats. */
  features: FeatureCatalogue;
  /** Told of every status change once it is recorded (webhooks). Must not throw. */
  onStatusChange?: (record: DocumentRecord, previous: DocumentStatus) => Promise<void>;
  now?: () => Date;
  random?: () => number;
}

export interface SubmitInput {
  tenantId: string;
  /** Checked here against the context schema; `tenantId` comes from the caller's identity. */
  context: Record<string, unknown>;
  content: Buffer;
  contentType: string;
  clientKey?: string;
  /** Where the document sits in the request, for problems (`/document`, `/items/3/document`); default `/`. */
  documentPath?: string;
}

export interface SubmitResult {
  record: DocumentRecord;
  created: boolean;
}

/** A step to run in a delivery: its message, and when it follows a step of the same delivery, what that left. */
interface Chained {
  message: StageMessage;
  /** The record as the step before wrote it. */
  known?: VersionedRecord;
  /** The artifacts the delivery's steps wrote so far, by name. */
  written?: Map<string, Buffer>;
}

const INPUT_ARTIFACT: Record<string, string> = { json: 'input.json', xml: 'input.xml' };

/** The artifact name an intake document is stored under, by content type. */
export function inputArtifactName(contentType: string): string {
  return /xml/i.test(contentType) ? INPUT_ARTIFACT.xml! : INPUT_ARTIFACT.json!;
}

/**
 * The service's use cases: intake, running one step of a flow, re-driving due documents, resubmit, cancel
 * and queries. HTTP intake, batch intake, the stage Functions, the timer and the embedded runtime all call
 * these; none of them holds business rules of its own.
 */
export class Pipeline {
  private readonly now: () => Date;
  private readonly instanceId = randomUUID();
  private signatures: FormatSignature[] | undefined;

  constructor(
    readonly documents: DocumentStore,
    readonly tenants: TenantDirectory,
    readonly flows: FlowCatalogue,
    readonly actions: ActionRegistry,
    private readonly bus: MessageBus,
    private readonly logger: Logger,
    private readonly options: PipelineOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** True when another delivery holds a live lease on the record's current step. */
  private leaseHeldByOther(r: DocumentRecord, owner: string): boolean {
    if (!r.lease || r.lease.owner === owner) return false;
    if (Date.parse(r.lease.until) <= this.now().getTime()) return false;
    if (this.options.exclusive && !r.lease.owner.startsWith(`${this.instanceId}/`)) return false;
    return true;
  }

  /**
   * After a restart of an exclusive (embedded) runtime: sends the current step of every unfinished,
   * non-waiting document again. Duplicates of messages that survived are harmless (steps are claimed).
   */
  async recoverInFlight(): Promise<number> {
    let count = 0;
    for (const entry of await this.documents.due(Number.MAX_SAFE_INTEGER, 100_000)) {
      const found = await this.documents.get(entry.tenantId, entry.documentId);
      if (
        !found ||
        isTerminal(found.record.status) ||
        found.record.status === 'waiting' ||
        !found.record.stepId
      )
        continue;
      await this.publish(found.record);
      count++;
    }
    return count;
  }

  private stageOf(step: StepDefinition): Stage {
    return this.actions.get(step.action).stage;
  }

  /** Format signatures for intake, worked out once on first use. */
  private formatSignatures(): FormatSignature[] {
    this.signatures ??= formatSignatures(this.options.formats?.list() ?? shippedFormats());
    return this.signatures;
  }

  private message(record: DocumentRecord): StageMessage {
    return {
      tenantId: record.tenantId,
      documentId: record.id,
      flowId: record.flowId,
      flowVersion: record.flowVersion,
      stepId: record.stepId!,
      attempt: record.attempt,
      correlationId: record.correlationId,
      artifacts: record.artifacts.map((a) => a.name),
    };
  }

  private async publish(record: DocumentRecord, at?: Date): Promise<void> {
    const topic = this.options.topics[record.stage!];
    // One id per recorded change (every change that sends a message adds a history entry): a postponed run
    // (same attempt), a resubmission or a re-drive (same step, same attempt) is a new message, which Service
    // Bus's duplicate detection would otherwise drop; the same state sent twice (recovery) is one message.
    const send = () =>
      this.bus.send(topic, this.message(record), {
        messageId: `${record.id}:${record.stepId}:${record.attempt}:${record.history.length}`,
        ...(at ? { scheduledAt: at } : {}),
      });
    // In the document's own trace, whoever sends (a step, the timer, a resubmission): the bus carries it on.
    await inSpan(
      `send ${topic}`,
      {
        kind: 'producer',
        parent: { traceparent: record.traceparent },
        preferParent: true,
        attributes: {
          'messaging.destination.name': topic,
          'einvoice.document.id': record.id,
          'einvoice.step.id': record.stepId,
        },
      },
      send,
    );
  }

  private async statusChanged(record: DocumentRecord, previous: DocumentStatus): Promise<void> {
    if (record.status !== previous && isTerminal(record.status))
      countFinished(record.tenantId, record.flowId, record.status);
    if (record.status !== previous && this.options.onStatusChange)
      await this.options.onStatusChange(record, previous);
  }

  /** A waiting document whose next attempt is due (a second of clock skew between instances allowed). */
  private isDue(r: DocumentRecord): boolean {
    return r.nextAttemptAt !== undefined && Date.parse(r.nextAttemptAt) <= this.now().getTime() + 1000;
  }

  /**
   * Accepts a document: checks it is a body the chosen flow takes, stores the input and the record, and
   * starts the first step. With a client key, a second submission of the same content returns the first
   * document (`created: false`); other content under that key is refused (`idempotency.conflict`).
   */
  submit(input: SubmitInput): Promise<SubmitResult> {
    return inSpan('intake', { attributes: { 'einvoice.tenant.id': input.tenantId } }, () =>
      this.intake(input),
    );
  }

  private async intake(input: SubmitInput): Promise<SubmitResult> {
    const path = input.documentPath ?? '/';
    const detected = detectInput(input.content, input.contentType, path);
    const tenant = await this.tenants.get(input.tenantId);
    if (!tenant) throw notFound('tenant.unknown', `Unknown tenant ${input.tenantId}`);
    const contextProblems = checkContext(input.context);
    if (contextProblems.length > 0) {
      throw invalidInput('context.invalid', 'The document context is not valid', contextProblems);
    }
    const context = { ...input.context, tenantId: input.tenantId } as DocumentContext;
    const chosen = this.flows.choose(context, {
      ...(tenant.enabledFlows ? { enabledFlows: tenant.enabledFlows } : {}),
      feature: featureFilter(tenant, this.options.features),
    });
    const flow = chosen.flow;
    checkFlowInput(flow, detected, this.formatSignatures(), path);
    const now = this.now();
    let id = newDocumentId(now.getTime());
    if (input.clientKey !== undefined) {
      const holder = await this.documents.reserveClientKey(input.tenantId, input.clientKey, id);
      if (holder !== id) {
        const existing = await this.documents.get(input.tenantId, holder);
        if (existing) return this.duplicate(existing.record, input);
        id = holder; // the earlier intake stopped between reserving the key and writing the record: finish it
      }
    }
    const artifact = await this.documents.putArtifact(
      input.tenantId,
      id,
      inputArtifactName(input.contentType),
      input.content,
      input.contentType,
      now,
    );
    const summary = summarize(detected, input.content, input.contentType, context.direction);
    const record = this.newRecord(id, input.tenantId, context, chosen, artifact, now, {
      ...(input.clientKey !== undefined ? { clientKey: input.clientKey } : {}),
      ...(summary ? { summary } : {}),
    });
    if (!(await this.documents.create(record))) {
      const existing = await this.documents.get(input.tenantId, id);
      if (existing) return this.duplicate(existing.record, input);
    }
    await this.publish(record);
    countReceived(record.tenantId, flow.id);
    annotateSpan({ 'einvoice.document.id': id, 'einvoice.flow.id': flow.id });
    this.logger.info('document.received', { tenantId: record.tenantId, documentId: id, flowId: flow.id });
    return { record, created: true };
  }

  /** A new document's record, at the first step of its flow, with its input stored as `artifact`. */
  private newRecord(
    id: string,
    tenantId: string,
    context: DocumentContext,
    chosen: Pick<LoadedFlow, 'flow' | 'feature'>,
    artifact: ArtifactInfo,
    now: Date,
    extra: Partial<DocumentRecord>,
    message?: string,
  ): DocumentRecord {
    const { flow, feature } = chosen;
    const first = flow.steps[0]!;
    const at = now.toISOString();
    const traceparent = currentTraceContext()?.traceparent;
    return {
      id,
      tenantId,
      context,
      flowId: flow.id,
      flowVersion: flow.version,
      ...(feature ? { featureId: feature.id, featureVersion: feature.version } : {}),
      status: 'received',
      stage: this.stageOf(first),
      stepId: first.id,
      attempt: 1,
      createdAt: at,
      updatedAt: at,
      correlationId: randomUUID(),
      ...(traceparent ? { traceparent } : {}),
      history: [
        {
          at,
          stepId: first.id,
          action: 'intake',
          attempt: 1,
          outcome: 'received',
          ...(message ? { message } : {}),
        },
      ],
      artifacts: [artifact],
      ...extra,
    };
  }

  /**
   * A second submission under a client key: the same content (by the sha256 of the stored input) returns
   * the existing document; other content is refused, naming it.
   */
  private duplicate(existing: DocumentRecord, input: SubmitInput): SubmitResult {
    const name = inputArtifactName(input.contentType);
    const stored = existing.artifacts.find((a) => a.name === name);
    const sha256 = createHash('sha256').update(input.content).digest('hex');
    if (stored?.sha256 !== sha256) {
      throw new EInvoiceError(
        'idempotency.conflict',
        `Client key "${input.clientKey}" was used for document ${existing.id}, with a different body`,
        {
          status: 422,
          details: [
            {
              path: 'clientKey',
              message: `already used for document ${existing.id}; a new document needs a new key`,
            },
          ],
        },
      );
    }
    this.logger.info('document.duplicate', { tenantId: input.tenantId, documentId: existing.id });
    return { record: existing, created: false };
  }

  /**
   * Runs the step a stage message names. Stale and duplicate messages (the record moved on, or another
   * delivery holds the step) are acknowledged without effect. Throws only when the store or the bus fails,
   * so that the message is redelivered.
   */
  async runStep(message: StageMessage, deliveryId: string = randomUUID()): Promise<void> {
    let next: Chained | undefined = { message };
    while (next) {
      const current: Chained = next;
      const attributes = {
        'einvoice.tenant.id': current.message.tenantId,
        'einvoice.document.id': current.message.documentId,
        'einvoice.flow.id': current.message.flowId,
        'einvoice.step.id': current.message.stepId,
        'einvoice.attempt': current.message.attempt,
      };
      next = await inSpan(`step ${current.message.stepId}`, { attributes }, () =>
        this.step(current, deliveryId),
      );
    }
  }

  /**
   * Runs one step; returns the next step when it is to run in this same delivery (see `chainsTo`), with the
   * record as just written and the artifacts this delivery wrote.
   */
  private async step(
    { message, known, written: carried }: Chained,
    deliveryId: string,
  ): Promise<Chained | undefined> {
    const found = known ?? (await this.documents.get(message.tenantId, message.documentId));
    if (!found) return;
    const owner = `${this.instanceId}/${deliveryId}`;
    // A waiting document's message is scheduled for its next attempt; it counts once that time has come.
    const isCurrent = (r: DocumentRecord): boolean =>
      !isTerminal(r.status) &&
      (r.status !== 'waiting' || this.isDue(r)) &&
      r.stepId === message.stepId &&
      r.attempt === message.attempt &&
      !this.leaseHeldByOther(r, owner);
    const log = {
      tenantId: message.tenantId,
      documentId: message.documentId,
      flowId: message.flowId,
      stepId: message.stepId,
      attempt: message.attempt,
      correlationId: message.correlationId,
    };
    if (!isCurrent(found.record)) {
      annotateSpan({ 'einvoice.skipped': true });
      this.logger.info('step.skipped', log);
      return;
    }
    const feature = featureOf(found.record);
    const flow = this.flows.get(found.record.flowId, feature);
    const step = flow?.steps.find((s) => s.id === message.stepId);
    if (!flow || flow.version !== found.record.flowVersion || !step) {
      await this.finish(
        found,
        message,
        {
          kind: 'fail',
          code: 'flow.changed',
          message: `Flow ${found.record.flowId} v${found.record.flowVersion}${feature ? ` of feature ${feature.id} ${feature.version}` : ''} or its step ${message.stepId} is no longer deployed`,
        },
        { outcome: 'failed' },
        'unknown',
        [],
        0,
      );
      return;
    }
    const action = this.actions.get(step.action);
    const timeoutMs = step.timeout ? parseDuration(step.timeout) : this.options.stageTimeoutMs;
    // A pure step runs without a claim (one record write fewer): a second delivery would write the same
    // outputs, and only the first result to be recorded counts. Any other step holds a lease while it runs.
    let tookOver = false;
    const claimed =
      action.pure && found.record.status !== 'waiting'
        ? { ...found, changed: true }
        : await this.documents.update(
            message.tenantId,
            message.documentId,
            (r) => {
              if (!isCurrent(r)) return undefined;
              tookOver = r.lease !== undefined && r.lease.owner !== owner;
              r.status = 'processing';
              r.stage = action.stage;
              delete r.nextAttemptAt;
              r.lease = { owner, until: new Date(this.now().getTime() + timeoutMs).toISOString() };
              return r;
            },
            this.now,
            found,
          );
    if (!claimed?.changed) {
      annotateSpan({ 'einvoice.skipped': true });
      this.logger.info('step.skipped', log);
      return;
    }
    const record = claimed.record;
    const run = stepRun(record, step.id);
    const resumed = tookOver || redrivesSinceLastResult(record) > 0;
    this.logger.info('step.started', log);
    const written: ArtifactInfo[] = [];
    // What this delivery's steps wrote, read back from memory by the steps chained after them: it is what
    // the store holds (written and recorded before the next step starts).
    const contents = carried ?? new Map<string, Buffer>();
    const started = Date.now();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let result: ActionResult;
    try {
      const env = this.options.env ?? process.env;
      const installed = feature && this.options.features.get(feature.id, feature.version);
      // the tenant's setup is read only for a step that uses the company's parameters
      let lookup: Promise<(name: string) => string | undefined> | undefined;
      const company = () =>
        (lookup ??= this.tenants
          .get(record.tenantId)
          .then((tenant) => companyParameters(installed!, tenant, record.context.companyId, env)));
      const checkExtensions = feature && this.options.features.extensionCheck(feature);
      const context: ActionContext = {
        record,
        flow,
        step,
        params: resolveParams(
          step.with ?? {},
          record,
          flow,
          env,
          installed && usesCompanyParameters(step) ? await company() : undefined,
        ),
        ...(feature ? { formats: this.options.features.formatsOf(feature) } : {}),
        ...(checkExtensions ? { checkExtensions } : {}),
        ...(installed ? { companyParameters: async () => allParameters(installed, await company()) } : {}),
        idempotencyKey: `${record.tenantId}/${record.id}/${step.id}`,
        resumed,
        stepStartedAt: new Date(run.startedAt),
        signal: controller.signal,
        readArtifact: async (name) => {
          const content =
            contents.get(name) ?? (await this.documents.getArtifact(record.tenantId, record.id, name));
          if (!content) {
            throw new EInvoiceError(
              'artifact.missing',
              `Step ${step.id} needs artifact "${name}", which does not exist`,
            );
          }
          return content;
        },
        writeArtifact: async (name, content, contentType) => {
          const buffer = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
          const info = await this.documents.putArtifact(
            record.tenantId,
            record.id,
            name,
            buffer,
            contentType,
            this.now(),
          );
          const index = written.findIndex((a) => a.name === name);
          if (index >= 0) written[index] = info;
          else written.push(info);
          contents.set(name, buffer);
        },
      };
      result = await action.run(context);
    } catch (error) {
      const { code, message: text } = describeError(error);
      const retryable = !(error instanceof EInvoiceError) || error.retryable;
      result = {
        outcome: retryable ? 'transient' : 'failed',
        code,
        message: text,
        ...(error instanceof EInvoiceError && error.details.length > 0 ? { details: error.details } : {}),
      };
    } finally {
      clearTimeout(timer);
    }
    const durationMs = Date.now() - started;
    const outcome = result.postpone ? 'postponed' : result.outcome;
    recordStep(
      { flowId: message.flowId, stepId: step.id, action: step.action, attempt: message.attempt },
      outcome,
      durationMs,
    );
    annotateSpan({
      'einvoice.action': step.action,
      'einvoice.outcome': outcome,
      'einvoice.result.code': result.code,
    });
    if (outcome === 'failed' || outcome === 'transient') failSpan(result.code ?? outcome);
    // Attempts of the step's retry policy: outcomes of the same kind in this run of the step, this one
    // included. Postponed runs (an open circuit, a poll with its own deadline) spend none.
    const used =
      run.entries.filter((e) => e.action === step.action && e.outcome === result.outcome).length + 1;
    const next: Transition = result.postpone
      ? { kind: 'postpone', delayMs: Math.max(result.retryAfterMs ?? 0, 100) }
      : result.goto !== undefined && result.outcome === 'accepted'
        ? target(flow, result.goto, { code: 'flow.bad-route', message: `Route to ${result.goto}` })
        : transition(flow, step, result.outcome, used, result, this.options.random);
    if (result.postpone) {
      // Waiting without spending an attempt (an open circuit, a pending poll) is not a failure.
      this.logger.info('step.finished', { ...log, outcome: 'postponed', code: result.code, durationMs });
    } else if (result.outcome === 'accepted' || result.outcome === 'pending') {
      this.logger.info('step.finished', { ...log, outcome: result.outcome, code: result.code, durationMs });
    } else {
      // The reason is the action's message (a service's answer, a count of problems), never the document.
      this.logger.warn('step.finished', {
        ...log,
        outcome: result.outcome,
        code: result.code,
        message: result.message,
        durationMs,
      });
    }
    if (result.outcome === 'accepted' && result.code) {
      // A step that succeeded with something to say (a signing certificate about to expire, say).
      const notice = { ...log, code: result.code, message: result.message };
      if (result.noticeLevel === 'info') this.logger.info('step.notice', notice);
      else this.logger.warn('step.notice', notice);
    }
    const finished = await this.finish(
      { record, etag: claimed.etag },
      message,
      next,
      result,
      step.action,
      written,
      durationMs,
      action.pure ? undefined : owner,
      (following) => this.chainsTo(action.stage, flow, following),
    );
    return finished && { message: this.message(finished.record), known: finished, written: contents };
  }

  /**
   * Whether the step `stepId` runs in the delivery that ran the step before it, without a message: when it is
   * a pure step of the same stage (validate then transform, say). In Azure that is the same Function; a pure
   * step may run again at no cost, so a delivery that stops between the two loses nothing (the timer re-drives
   * the document, as it does for a lost message). A step with effects outside (a submission) always gets a
   * delivery of its own, with its own lease and redelivery.
   */
  private chainsTo(stage: Stage, flow: LoadedFlow['flow'], stepId: string): boolean {
    const step = flow.steps.find((s) => s.id === stepId);
    if (!step) return false;
    const action = this.actions.get(step.action);
    return action.pure === true && action.stage === stage;
  }

  /**
   * Records a step's result and moves the document on; publishes the next step's message, unless `chain`
   * says the next step runs in this delivery: then it returns the record as written, for that step.
   */
  private async finish(
    known: VersionedRecord,
    message: StageMessage,
    next: Transition,
    result: ActionResult,
    actionName: string,
    written: ArtifactInfo[],
    durationMs: number,
    leaseOwner?: string,
    chain?: (stepId: string) => boolean,
  ): Promise<VersionedRecord | undefined> {
    const updated = await this.documents.update(
      known.record.tenantId,
      known.record.id,
      (r) => {
        if (r.stepId !== message.stepId || r.attempt !== message.attempt || isTerminal(r.status))
          return undefined;
        if (leaseOwner !== undefined && r.lease?.owner !== leaseOwner) return undefined;
        const now = this.now();
        for (const artifact of written) {
          const index = r.artifacts.findIndex((a) => a.name === artifact.name);
          if (index >= 0) r.artifacts[index] = artifact;
          else r.artifacts.push(artifact);
        }
        if (result.variables) r.variables = { ...r.variables, ...result.variables };
        if (result.events?.length) r.events = [...(r.events ?? []), ...result.events];
        // an event arrived while the step ran: it looks again at once instead of at its next check
        const woken = r.wakeRequested !== undefined;
        delete r.wakeRequested;
        if (woken && next.kind === 'postpone') next = { kind: 'postpone', delayMs: 0 };
        const entry: HistoryEntry = {
          at: now.toISOString(),
          stepId: message.stepId,
          action: actionName,
          attempt: message.attempt,
          outcome: result.postpone && result.outcome === 'transient' ? 'postponed' : result.outcome,
          durationMs,
        };
        if (result.code) entry.code = result.code;
        const text = describeResult(result);
        if (text) entry.message = text;
        r.history.push(entry);
        delete r.lease;
        delete r.nextAttemptAt;
        return applyTransition(r, next, now, (stepId) => {
          const step = this.flows.get(r.flowId, featureOf(r))?.steps.find((s) => s.id === stepId);
          return step ? this.stageOf(step) : undefined;
        });
      },
      this.now,
      known,
    );
    if (!updated?.changed) return undefined;
    const r = updated.record;
    await this.statusChanged(r, known.record.status);
    const chained = r.status === 'processing' && chain !== undefined && chain(r.stepId!);
    if (r.status === 'processing' && !chained) await this.publish(r);
    else if (r.status === 'waiting' && r.nextAttemptAt) {
      // The next attempt is a scheduled message; the timer re-drives it too should that message be lost.
      await this.publish(r, new Date(r.nextAttemptAt));
    }
    if (r.status === 'failed' || r.status === 'rejected') {
      // Why, in the step's own words (its located details stay on the record: they may quote the document).
      const why = next.kind === 'fail' ? next : result;
      this.documentFailed(r, why.code, why.message);
    } else if (isTerminal(r.status)) {
      this.logger.info('document.finished', { tenantId: r.tenantId, documentId: r.id, outcome: r.status });
    } else if (r.status === 'waiting') {
      this.logger.info('step.retry-scheduled', {
        tenantId: r.tenantId,
        documentId: r.id,
        stepId: r.stepId,
        attempt: r.attempt,
        nextAttemptAt: r.nextAttemptAt,
      });
    }
    return chained ? { record: r, etag: updated.etag } : undefined;
  }

  private documentFailed(r: DocumentRecord, code: string | undefined, message: string | undefined): void {
    this.logger.warn('document.finished', {
      tenantId: r.tenantId,
      documentId: r.id,
      flowId: r.flowId,
      stepId: r.stepId,
      attempt: r.attempt,
      correlationId: r.correlationId,
      outcome: r.status,
      code,
      message,
    });
  }

  /**
   * The timer's work: documents whose retry is due are sent to their stage again; documents whose stage went
   * silent past its timeout (a lost message, a crashed worker) are re-driven, and failed after `maxRedrives`.
   * Returns how many documents it moved.
   */
  async redriveDue(limit = 500): Promise<number> {
    const nowMs = this.now().getTime();
    let moved = 0;
    for (const entry of await this.documents.due(nowMs, limit)) {
      const found = await this.documents.get(entry.tenantId, entry.documentId);
      if (!found || !this.documents.isCurrentMarker(entry, found.record)) {
        await this.documents.removeMarker(entry);
        continue;
      }
      const maxRedrives = this.options.maxRedrives ?? 5;
      const updated = await this.documents.update(
        entry.tenantId,
        entry.documentId,
        (r) => {
          if (!this.documents.isCurrentMarker(entry, r)) return undefined;
          const now = this.now();
          const wasWaiting = r.status === 'waiting';
          const redrives = redrivesSinceLastResult(r);
          if (!wasWaiting && redrives >= maxRedrives) {
            r.history.push({
              at: now.toISOString(),
              stepId: r.stepId ?? '',
              action: 'timer',
              attempt: r.attempt,
              outcome: 'failed',
              code: 'stage.timeout',
              message: `Step ${r.stepId} did not finish after ${redrives + 1} deliveries`,
            });
            r.status = 'failed';
            delete r.lease;
            return r;
          }
          r.history.push({
            at: now.toISOString(),
            stepId: r.stepId ?? '',
            action: 'timer',
            attempt: r.attempt,
            outcome: wasWaiting ? 'retry' : 'redriven',
            ...(wasWaiting ? {} : { message: 'Stage timeout passed without a result; step sent again' }),
          });
          r.status = 'processing';
          delete r.nextAttemptAt;
          delete r.lease;
          return r;
        },
        this.now,
      );
      if (!updated?.changed) continue;
      moved++;
      await this.statusChanged(updated.record, found.record.status);
      if (updated.record.status === 'failed') {
        const last = updated.record.history[updated.record.history.length - 1];
        this.documentFailed(updated.record, last?.code, last?.message);
      }
      if (updated.record.status === 'processing') {
        await this.publish(updated.record);
        this.logger.info('document.redriven', {
          tenantId: entry.tenantId,
          documentId: entry.documentId,
          stepId: updated.record.stepId,
          attempt: updated.record.attempt,
        });
      }
    }
    return moved;
  }

  async get(tenantId: string, id: string): Promise<DocumentRecord> {
    const found = await this.documents.get(tenantId, id);
    if (!found) throw notFound('document.not-found', `No document ${id}`);
    return found.record;
  }

  /** Polls the record until it reaches a terminal status or `timeoutMs` passes; returns the last record. */
  async waitForTerminal(
    tenantId: string,
    id: string,
    timeoutMs: number,
    pollMs = 100,
  ): Promise<DocumentRecord> {
    const deadline = Date.now() + timeoutMs;
    let record = await this.get(tenantId, id);
    while (!isTerminal(record.status) && Date.now() < deadline) {
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(pollMs, Math.max(0, deadline - Date.now()))),
      );
      record = await this.get(tenantId, id);
    }
    return record;
  }

  async artifact(
    tenantId: string,
    id: string,
    name: string,
  ): Promise<{ info: ArtifactInfo; content: Buffer }> {
    const record = await this.get(tenantId, id);
    const info = record.artifacts.find((a) => a.name === name);
    const content = info && (await this.documents.getArtifact(tenantId, id, name));
    if (!info || !content) throw notFound('artifact.not-found', `Document ${id} has no artifact "${name}"`);
    return { info, content };
  }

  list(tenantId: string, query: ListQuery): Promise<{ records: DocumentRecord[]; next?: string }> {
    return this.documents.list(tenantId, query);
  }

  /**
   * Puts a document under legal hold (`hold` given) or releases it: retention never deletes a held
   * document. Either is a change of the record, from which its retention period counts.
   */
  async setLegalHold(
    tenantId: string,
    id: string,
    hold: { reason?: string } | undefined,
  ): Promise<DocumentRecord> {
    const updated = await this.documents.update(
      tenantId,
      id,
      (r) => {
        if (!hold) {
          if (!r.legalHold) return undefined;
          delete r.legalHold;
        } else r.legalHold = { since: this.now().toISOString(), ...hold };
        return r;
      },
      this.now,
    );
    if (!updated) throw notFound('document.not-found', `No document ${id}`);
    return updated.record;
  }

  /**
   * Starts a failed, rejected or cancelled document again at the step where it stopped, with a fresh attempt
   * count. A completed document cannot be resubmitted (its submission happened).
   */
  async resubmit(tenantId: string, id: string): Promise<DocumentRecord> {
    let previous: DocumentStatus | undefined;
    const updated = await this.documents.update(
      tenantId,
      id,
      (r) => {
        previous = r.status;
        if (!RESUBMITTABLE_STATUSES.has(r.status)) {
          throw new EInvoiceError(
            'document.not-resubmittable',
            `Document ${id} is ${r.status}; only failed, rejected or cancelled documents can be resubmitted`,
            { status: 409 },
          );
        }
        const now = this.now();
        r.status = 'processing';
        r.attempt = 1;
        delete r.postponements;
        delete r.lease;
        delete r.nextAttemptAt;
        r.history.push({
          at: now.toISOString(),
          stepId: r.stepId ?? '',
          action: 'resubmit',
          attempt: 1,
          outcome: 'resubmitted',
        });
        return r;
      },
      this.now,
    );
    if (!updated) throw notFound('document.not-found', `No document ${id}`);
    await this.publish(updated.record);
    this.logger.info('document.resubmitted', { tenantId, documentId: id });
    await this.statusChanged(updated.record, previous!);
    return updated.record;
  }

  /**
   * Starts a document that refers to an earlier one (a cancellation, a correction): the kind must be one
   * the original's feature version declares, and the original in one of the statuses it allows (409
   * otherwise). The new document runs that kind's flow under the original's feature version, with `data` as
   * its `input.json`, the original's variables as `{original.<name>}`, and the two records linked both ways.
   */
  async related(
    tenantId: string,
    id: string,
    kind: string,
    data: Record<string, unknown>,
  ): Promise<DocumentRecord> {
    const original = await this.get(tenantId, id);
    const ref = featureOf(original);
    const feature = ref && this.options.features.get(ref.id, ref.version);
    const declared = feature?.manifest.related ?? {};
    const spec = Object.hasOwn(declared, kind) ? declared[kind] : undefined;
    if (!spec) {
      const kinds = Object.keys(declared);
      throw new EInvoiceError(
        'related.unknown-kind',
        `Document ${id} has no related submission "${kind}"${kinds.length > 0 ? `; its feature offers ${kinds.join(', ')}` : ' (its flow offers none)'}`,
        {
          status: 422,
          details: [
            { path: '/kind', message: kinds.length > 0 ? `one of ${kinds.join(', ')}` : 'none offered' },
          ],
        },
      );
    }
    if (!spec.from.includes(original.status)) {
      throw new EInvoiceError(
        'related.not-allowed',
        `A ${kind} of document ${id} is allowed when it is ${spec.from.join(' or ')}; it is ${original.status}`,
        { status: 409 },
      );
    }
    const flow = this.flows.get(spec.flow, ref);
    if (!flow)
      throw new EInvoiceError(
        'flow.unknown',
        `Flow ${spec.flow} of ${ref!.id} ${ref!.version} is not installed`,
        { status: 422 },
      );
    const now = this.now();
    const newId = newDocumentId(now.getTime());
    const artifact = await this.documents.putArtifact(
      tenantId,
      newId,
      'input.json',
      Buffer.from(JSON.stringify(data)),
      'application/json',
      now,
    );
    const variables = Object.fromEntries(
      Object.entries(original.variables ?? {}).map(([name, value]) => [`original.${name}`, value]),
    );
    const record = this.newRecord(
      newId,
      tenantId,
      { ...original.context, flowId: flow.id },
      { flow, feature: ref! },
      artifact,
      now,
      {
        correlationId: original.correlationId,
        variables: { ...variables, 'original.id': id },
        relatedTo: { id, kind },
      },
      `${kind} of ${id}`,
    );
    await this.documents.create(record);
    // linked on the original: a lost race with another change is read again by update
    await this.documents.update(
      tenantId,
      id,
      (r) => {
        r.related = [...(r.related ?? []), { id: newId, kind, createdAt: now.toISOString() }];
        return r;
      },
      this.now,
    );
    await this.publish(record);
    countReceived(tenantId, flow.id);
    this.logger.info('document.received', { tenantId, documentId: newId, flowId: flow.id, relatedTo: id });
    return record;
  }

  /**
   * An authority's event arrived for the step a document waits at: the step runs again now (through the
   * bus) rather than at its next check. While the step is running, it is asked to look again once it ends.
   * Anything else (the document moved on, or finished) is left alone: the event stays in the inbox.
   */
  async wake(tenantId: string, id: string, stepId: string): Promise<boolean> {
    const now = this.now();
    let woken = false;
    const updated = await this.documents.update(
      tenantId,
      id,
      (r) => {
        woken = false;
        if (isTerminal(r.status) || r.stepId !== stepId) return undefined;
        if (r.status !== 'waiting') {
          r.wakeRequested = now.toISOString();
          return r;
        }
        woken = true;
        r.status = 'processing';
        delete r.nextAttemptAt;
        r.history.push({
          at: now.toISOString(),
          stepId,
          action: 'event',
          attempt: r.attempt,
          outcome: 'woken',
        });
        return r;
      },
      this.now,
    );
    if (!updated?.changed) return false;
    if (woken) {
      await this.publish(updated.record);
      await this.statusChanged(updated.record, 'waiting');
    }
    return true;
  }

  /** Stops a document that has not finished. A step already running finishes, but its result is not used. */
  async cancel(tenantId: string, id: string): Promise<DocumentRecord> {
    let previous: DocumentStatus | undefined;
    const updated = await this.documents.update(
      tenantId,
      id,
      (r) => {
        if (isTerminal(r.status)) {
          throw new EInvoiceError('document.finished', `Document ${id} is already ${r.status}`, {
            status: 409,
          });
        }
        previous = r.status;
        r.status = 'cancelled';
        delete r.lease;
        delete r.nextAttemptAt;
        r.history.push({
          at: this.now().toISOString(),
          stepId: r.stepId ?? '',
          action: 'cancel',
          attempt: r.attempt,
          outcome: 'cancelled',
        });
        return r;
      },
      this.now,
    );
    if (!updated) throw notFound('document.not-found', `No document ${id}`);
    this.logger.info('document.cancelled', { tenantId, documentId: id });
    await this.statusChanged(updated.record, previous!);
    return updated.record;
  }
}

/** The feature version a record runs under, if its flow belongs to one. */
export function featureOf(record: Readonly<DocumentRecord>): FeatureRef | undefined {
  return record.featureId !== undefined && record.featureVersion !== undefined
    ? { id: record.featureId, version: record.featureVersion }
    : undefined;
}

const companyUse = new WeakMap<StepDefinition, boolean>();

/** Whether a step's parameters name a company parameter (`{company.<name>}`); worked out once per step. */
function usesCompanyParameters(step: StepDefinition): boolean {
  let uses = companyUse.get(step);
  if (uses === undefined) {
    uses = JSON.stringify(step.with ?? {}).includes('{company.');
    companyUse.set(step, uses);
  }
  return uses;
}

/** Problems with a context, paths under `/context`. */
export function checkContext(context: unknown): ProblemDetail[] {
  const validate = compileSchemaFile(
    join(packageRoot(), 'shared', 'model', 'schemas', 'context.schema.json'),
  );
  return validate(context) ? [] : toProblems(validate.errors, '/context');
}

/**
 * The history of the step's current run (from when the document reached it, or was resubmitted at it) and
 * when that run started.
 */
function stepRun(record: DocumentRecord, stepId: string): { entries: HistoryEntry[]; startedAt: string } {
  const entries: HistoryEntry[] = [];
  for (let i = record.history.length - 1; i >= 0; i--) {
    const entry = record.history[i]!;
    if (entry.stepId !== stepId || entry.action === 'intake' || entry.outcome === 'resubmitted')
      return { entries, startedAt: entry.at };
    entries.unshift(entry);
  }
  return { entries, startedAt: record.createdAt };
}

/**
 * How often the timer re-drove the current step since its last recorded result (a step whose stage went
 * silent each time: lost messages, crashed workers).
 */
function redrivesSinceLastResult(record: DocumentRecord): number {
  let count = 0;
  for (let i = record.history.length - 1; i >= 0; i--) {
    const entry = record.history[i]!;
    if (entry.action !== 'timer') break;
    if (entry.outcome === 'redriven') count++;
  }
  return count;
}

function describeResult(result: ActionResult): string | undefined {
  const parts: string[] = [];
  if (result.message) parts.push(result.message);
  for (const detail of (result.details ?? []).slice(0, 20)) {
    parts.push(`${detail.code ? `[${detail.code}] ` : ''}${detail.path ?? ''}: ${detail.message}`);
  }
  if ((result.details?.length ?? 0) > 20) parts.push(`… ${result.details!.length - 20} more`);
  return parts.length > 0 ? parts.join('; ') : undefined;
}

function applyTransition(
  r: DocumentRecord,
  next: Transition,
  now: Date,
  stageOf: (stepId: string) => Stage | undefined,
): DocumentRecord {
  switch (next.kind) {
    case 'goto':
      r.status = 'processing';
      r.stepId = next.stepId;
      r.stage = stageOf(next.stepId);
      r.attempt = 1;
      delete r.postponements;
      return r;
    case 'complete':
      r.status = 'completed';
      return r;
    case 'reject':
      r.status = 'rejected';
      return r;
    case 'fail': {
      r.status = 'failed';
      const last = r.history[r.history.length - 1];
      if (last && last.code !== next.code) {
        r.history.push({
          at: now.toISOString(),
          stepId: r.stepId ?? '',
          action: 'flow',
          attempt: r.attempt,
          outcome: 'failed',
          code: next.code,
          message: next.message,
        });
      }
      return r;
    }
    case 'retry':
      r.status = 'waiting';
      r.attempt += 1;
      delete r.postponements;
      r.nextAttemptAt = new Date(now.getTime() + next.delayMs).toISOString();
      return r;
    case 'postpone':
      // The same attempt runs again later: `attempt` counts attempts only.
      r.status = 'waiting';
      r.postponements = (r.postponements ?? 0) + 1;
      r.nextAttemptAt = new Date(now.getTime() + next.delayMs).toISOString();
      return r;
  }
}
