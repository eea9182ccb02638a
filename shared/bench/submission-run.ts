import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSelfSignedCertificate } from '../adapters/folder-certificate-store';
import { InProcessMessageBus } from '../adapters/in-process-bus';
import { createServices, type Services } from '../composition';
import { isNotificationMessage } from '../engine/notifier';
import { silentLogger } from '../log';
import type { StageMessage } from '../model/message';
import { isTerminal, STAGES } from '../model/record';
import { sampleInvoice } from '../model/sample-invoice';
import { Sandbox, type SandboxStats } from '../sandbox/sandbox';
import { loadSettings, type Settings } from '../settings';
import type { DocumentStore } from '../store/document-store';

export interface SubmissionRunResult {
  documents: number;
  completed: number;
  /** Documents that did not complete, by their last code. */
  notCompleted: Record<string, number>;
  seconds: number;
  perSec: number;
  /** The run stopped at `timeoutMs` with documents not finished (they are counted in `notCompleted`). */
  timedOut: boolean;
  timeoutMs: number;
  /** Submit attempts the documents' histories record, and how many of them were transient failures. */
  attempts: number;
  transient: number;
  postponed: number;
  receiver: SandboxStats;
}

export interface SubmissionRunOptions {
  documents: number;
  /** The share of submissions the sandbox fails; ignored with `receiverUrl` (that sandbox has its own). */
  failRate: number;
  timeoutMs?: number;
  onProgress?: (finished: number) => void;
  /** Told the count each time a document reaches a final status (or leaves one): exact times for a benchmark. */
  onFinished?: (finished: number) => void;
  /** The embedded store the runtime uses (default: the runtime's default for a new data folder, `level`). */
  store?: 'journal' | 'level';
  /** The data folder, kept after the run (default: a temporary one, removed). */
  dataDir?: string;
  /** A sandbox already running elsewhere (another process, so that its memory is not the runtime's). */
  receiverUrl?: string;
  /**
   * At most this many documents submitted and not finished: clients that keep pace with the service
   * rather than a backlog of every document at once (default: no limit).
   */
  maxInFlight?: number;
}

/**
 * The submission scenario of the embedded runtime: the shipped `sandbox-submit` flow (validate,
 * transform, sign, submit, response) against the sandbox answering `failRate` of submissions with 503,
 * the runtime's default store (or `store`) and persistent bus in a temporary folder, the retry timer
 * every second. Every document is a different invoice. Resolves when every document has finished, or
 * `timeoutMs` (default 30 minutes) passed, which the result says. Finishing is observed as it happens (the pipeline's status changes,
 * counted), never by reading the records while the run lasts: they are read once at the end, a page at a
 * time, for the figures. Nothing is kept per document, so that a long run measures the runtime's memory.
 */
export async function submissionRun(options: SubmissionRunOptions): Promise<SubmissionRunResult> {
  const receiver = options.receiverUrl
    ? undefined
    : new Sandbox({ faults: { errorRatio: options.failRate } });
  const url = options.receiverUrl ?? (await receiver!.start());
  const dir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'einvoice-submission-')));
  const settings = scenarioSettings(dir, options.store, url);
  await ensureSelfSignedCertificate(settings.keyDir, settings.signingCertificate);
  const bus = new InProcessMessageBus({ dir: join(dir, 'bus') });
  // documents that reached a final status, as the pipeline tells it (a count: no state per document)
  let finished = 0;
  const pace = new InFlightLimit(options.maxInFlight ?? Infinity);
  const services = createServices(settings, {
    bus,
    logger: silentLogger,
    exclusive: true,
    onStatusChange: (record, previous) => {
      const change = Number(isTerminal(record.status)) - Number(isTerminal(previous)); // -1: resubmitted
      finished += change;
      if (change === 1) pace.finished();
      else if (change === -1) pace.started();
      if (change !== 0) options.onFinished?.(finished);
    },
  });
  const timer = setInterval(() => void services.pipeline.redriveDue().catch(() => undefined), 1000);
  try {
    await services.tenants.create('bench', 'Submission run');
    for (const stage of STAGES)
      bus.subscribe(settings.topics[stage], settings.subscription, (m) =>
        services.pipeline.runStep(m.body as StageMessage),
      );
    bus.subscribe(settings.notifyTopic, settings.subscription, async (m) => {
      if (isNotificationMessage(m.body)) await services.notifier.deliver(m.body);
    });
    const started = Date.now();
    let submitted = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < options.documents) {
          const n = next++;
          await pace.slot();
          options.onProgress?.(finished);
          const invoice = { ...sampleInvoice(5), id: `SUB-${String(n).padStart(6, '0')}` };
          await services.pipeline.submit({
            tenantId: 'bench',
            context: { flowId: 'sandbox-submit' },
            content: Buffer.from(JSON.stringify(invoice)),
            contentType: 'application/json',
          });
          submitted++;
        }
      }),
    );
    const timeoutMs = options.timeoutMs ?? 30 * 60_000;
    const deadline = started + timeoutMs;
    for (;;) {
      options.onProgress?.(finished);
      if (finished >= submitted || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const seconds = (Date.now() - started) / 1000;
    const timedOut = finished < submitted;
    return {
      documents: options.documents,
      ...(await tally(services.documents)),
      seconds: Math.round(seconds * 10) / 10,
      perSec: Math.round((options.documents / seconds) * 10) / 10,
      timedOut,
      timeoutMs,
      receiver: receiver ? receiver.stats() : await receiverStats(url),
    };
  } finally {
    clearInterval(timer);
    await services.close();
    await receiver?.stop();
    if (!options.dataDir) await rm(dir, { recursive: true, force: true });
  }
}

/** The scenario's settings on a data folder: the shipped flows, the store named or the default one. */
function scenarioSettings(dir: string, store: 'journal' | 'level' | undefined, receiverUrl: string): Settings {
  return loadSettings({
    ...process.env,
    EINVOICE_DATA_DIR: dir,
    EINVOICE_STORE: store ?? '',
    EINVOICE_FLOWS_DIR: '',
    SANDBOX_URL: receiverUrl,
  });
}

/**
 * The services started on a scenario's data folder after a run, as the runtime composes them: store and
 * persistent bus opened, nothing received (no receiver is running: the start-up is what is measured).
 */
export function startedServices(dir: string, store: 'journal' | 'level'): Services {
  const settings = scenarioSettings(dir, store, 'http://127.0.0.1:9');
  const bus = new InProcessMessageBus({ dir: join(dir, 'bus') });
  return createServices(settings, { bus, logger: silentLogger, exclusive: true });
}

/** The run's figures from the records, read a page at a time. */
async function tally(
  documents: DocumentStore,
): Promise<Pick<SubmissionRunResult, 'completed' | 'notCompleted' | 'attempts' | 'transient' | 'postponed'>> {
  const figures = {
    completed: 0,
    notCompleted: {} as Record<string, number>,
    attempts: 0,
    transient: 0,
    postponed: 0,
  };
  let cursor: string | undefined;
  do {
    const page = await documents.list('bench', { limit: 500, cursor });
    for (const r of page.records) {
      if (r.status === 'completed') figures.completed++;
      else {
        const code = `${r.status}: ${r.history.at(-1)?.code ?? 'none'}`;
        figures.notCompleted[code] = (figures.notCompleted[code] ?? 0) + 1;
      }
      for (const e of r.history.filter((x) => x.action === 'submit-http')) {
        if (e.outcome !== 'postponed') figures.attempts++;
        if (e.outcome === 'transient') figures.transient++;
        if (e.outcome === 'postponed') figures.postponed++;
      }
    }
    cursor = page.next;
  } while (cursor);
  return figures;
}

async function receiverStats(url: string): Promise<SandboxStats> {
  const response = await fetch(`${url}/stats`);
  if (!response.ok) throw new Error(`The sandbox at ${url} answered ${response.status} for its stats`);
  return (await response.json()) as SandboxStats;
}

/** Holds submitters back while `limit` documents are in flight; each finished document lets one go on. */
class InFlightLimit {
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async slot(): Promise<void> {
    while (this.inFlight >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
  }

  started(): void {
    this.inFlight++;
  }

  finished(): void {
    this.inFlight--;
    this.waiting.shift()?.();
  }
}
