import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSelfSignedCertificate } from '../adapters/folder-certificate-store';
import { InProcessMessageBus } from '../adapters/in-process-bus';
import { createServices } from '../composition';
import { isNotificationMessage } from '../engine/notifier';
import { silentLogger } from '../log';
import type { StageMessage } from '../model/message';
import { isTerminal, STAGES, type DocumentRecord } from '../model/record';
import { sampleInvoice } from '../model/sample-invoice';
import { Sandbox, type SandboxStats } from '../sandbox/sandbox';
import { loadSettings } from '../settings';

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

/**
 * The submission scenario of the embedded runtime: the shipped `sandbox-submit` flow (validate,
 * transform, sign, submit, response) against the sandbox answering `failRate` of submissions with 503,
 * journal store and persistent bus in a temporary folder, the retry timer every second. Every document is
 * a different invoice. Resolves when every document has finished, or `timeoutMs` (default 30 minutes) passed,
 * which the result says. Finishing is observed as it happens (the pipeline's status changes, counted), never by
 * reading the records while the run lasts: they are read once at the end, for the figures.
 */
export async function submissionRun(options: {
  documents: number;
  failRate: number;
  timeoutMs?: number;
  onProgress?: (finished: number) => void;
}): Promise<SubmissionRunResult> {
  const receiver = new Sandbox({ faults: { errorRatio: options.failRate } });
  const url = await receiver.start();
  const dir = await mkdtemp(join(tmpdir(), 'einvoice-submission-'));
  const settings = loadSettings({
    ...process.env,
    EINVOICE_DATA_DIR: dir,
    EINVOICE_STORE: 'journal',
    EINVOICE_FLOWS_DIR: '',
    SANDBOX_URL: url,
  });
  await ensureSelfSignedCertificate(settings.keyDir, settings.signingCertificate);
  const bus = new InProcessMessageBus({ dir: join(dir, 'bus') });
  // documents that reached a final status, as the pipeline tells it
  const finished = new Set<string>();
  const services = createServices(settings, {
    bus,
    logger: silentLogger,
    exclusive: true,
    onStatusChange: (record) => {
      if (isTerminal(record.status)) finished.add(record.id);
      else finished.delete(record.id); // resubmitted: not finished any more
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
    const ids: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < options.documents) {
          const n = next++;
          const invoice = { ...sampleInvoice(5), id: `SUB-${String(n).padStart(6, '0')}` };
          const { record } = await services.pipeline.submit({
            tenantId: 'bench',
            context: { flowId: 'sandbox-submit' },
            content: Buffer.from(JSON.stringify(invoice)),
            contentType: 'application/json',
          });
          ids.push(record.id);
        }
      }),
    );
    const timeoutMs = options.timeoutMs ?? 30 * 60_000;
    const deadline = started + timeoutMs;
    for (;;) {
      options.onProgress?.(finished.size);
      if (finished.size >= ids.length || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const seconds = (Date.now() - started) / 1000;
    const timedOut = finished.size < ids.length;
    const records: DocumentRecord[] = await Promise.all(ids.map((id) => services.pipeline.get('bench', id)));
    const notCompleted: Record<string, number> = {};
    for (const r of records.filter((x) => x.status !== 'completed')) {
      const code = `${r.status}: ${r.history.at(-1)?.code ?? 'none'}`;
      notCompleted[code] = (notCompleted[code] ?? 0) + 1;
    }
    const submits = records.flatMap((r) => r.history.filter((e) => e.action === 'submit-http'));
    return {
      documents: options.documents,
      completed: records.filter((r) => r.status === 'completed').length,
      notCompleted,
      seconds: Math.round(seconds * 10) / 10,
      perSec: Math.round((options.documents / seconds) * 10) / 10,
      timedOut,
      timeoutMs,
      attempts: submits.filter((e) => e.outcome !== 'postponed').length,
      transient: submits.filter((e) => e.outcome === 'transient').length,
      postponed: submits.filter((e) => e.outcome === 'postponed').length,
      receiver: receiver.stats(),
    };
  } finally {
    clearInterval(timer);
    await services.close();
    await receiver.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
