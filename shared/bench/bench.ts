import type { FeatureManifest } from '../features/catalogue';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyXmlSignature } from '../signing/verify';
import { signEnveloped } from '../signing/xmldsig';
import { validateInvoice } from '../model/validate-invoice';
import { ensureSelfSignedCertificate, FolderCertificateStore } from '../adapters/folder-certificate-store';
import { createServices } from '../composition';
import { shippedFormats } from '../formats/mapping';
import { renderPeppolUbl } from '../formats/peppol-ubl';
import { silentLogger } from '../log';
import type { StageMessage } from '../model/message';
import { STAGES } from '../model/record';
import { sampleInvoice } from '../model/sample-invoice';
import { loadSettings } from '../settings';
import { InProcessMessageBus } from '../adapters/in-process-bus';
import type { FlowDefinition } from '../flows/types';
import { packageRoot } from '../util/package-root';

export interface BenchResult {
  name: string;
  perSec: number;
  ratio: number;
}

function measure(fn: () => void, durationMs: number): number {
  // Warm-up: three runs and half the measuring time, so that lazily compiled code (a mapping's reader,
  // a schema) and the JIT are settled before the clock starts.
  const warmUntil = process.hrtime.bigint() + BigInt(durationMs) * 500_000n;
  for (let i = 0; i < 3 || process.hrtime.bigint() < warmUntil; i++) fn();
  let count = 0;
  const start = process.hrtime.bigint();
  const limit = BigInt(durationMs) * 1_000_000n;
  let elapsed = 0n;
  do {
    fn();
    count++;
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < limit);
  return count / (Number(elapsed) / 1e9);
}

const CORE_ACTIONS = new Set(['validate', 'transform', 'sign-xml']);

/**
 * Documents per second through the embedded pipeline: journal store, persistent bus. The measured flow is
 * the outbox flow (validate → transform → schema check → sign → deliver to the outbox folder; no schemas are
 * installed for the bench, so the schema step only records its notice); with `deliver: false`, just
 * validate → transform → sign, so that the figure is what the service itself costs.
 * Signing runs on the configured signing threads (`EINVOICE_SIGNING_THREADS`) unless `signingThreads` says
 * otherwise; 0 keeps everything on one thread.
 */
export async function pipelineRate(
  documents: number,
  options: { deliver?: boolean; signingThreads?: number; warmUp?: number } = {},
): Promise<number> {
  const warmUp = options.warmUp ?? 1;
  const dir = await mkdtemp(join(tmpdir(), 'einvoice-bench-'));
  try {
    // The flow runs as part of a feature, as the service runs it: with the PEPPOL feature's parameters.
    const flowsDir = join(dir, 'flows');
    await mkdir(join(flowsDir, 'bench'), { recursive: true });
    const shipped = join(packageRoot(), 'flows', 'peppol-bis3');
    const outbox = JSON.parse(
      await readFile(join(shipped, 'flows', 'peppol-outbox.json'), 'utf8'),
    ) as FlowDefinition;
    const flow =
      options.deliver === false
        ? { ...outbox, steps: outbox.steps.filter((s) => CORE_ACTIONS.has(s.action)) }
        : outbox;
    const manifest = JSON.parse(await readFile(join(shipped, 'feature.json'), 'utf8')) as FeatureManifest;
    await writeFile(
      join(flowsDir, 'bench', 'feature.json'),
      JSON.stringify({
        id: 'bench',
        version: '1.0.0',
        title: 'Benchmark',
        direction: 'outbound',
        flows: ['flow.json'],
        ...(manifest.parameters ? { parameters: manifest.parameters } : {}),
        ...(manifest.certificates ? { certificates: manifest.certificates } : {}),
      }),
    );
    await writeFile(join(flowsDir, 'bench', 'flow.json'), JSON.stringify(flow));
    const settings = loadSettings({
      ...process.env,
      EINVOICE_DATA_DIR: dir,
      EINVOICE_STORE: 'journal',
      EINVOICE_FLOWS_DIR: flowsDir,
      ...(options.signingThreads !== undefined
        ? { EINVOICE_SIGNING_THREADS: String(options.signingThreads) }
        : {}),
    });
    await ensureSelfSignedCertificate(settings.keyDir, settings.signingCertificate);
    const bus = new InProcessMessageBus({ dir: join(dir, 'bus') });
    const services = createServices(settings, { bus, logger: silentLogger, exclusive: true });
    await services.tenants.create('bench', 'Benchmark');
    for (const stage of STAGES) {
      bus.subscribe(
        settings.topics[stage],
        settings.subscription,
        (m) => services.pipeline.runStep(m.body as StageMessage),
        {
          concurrency: 4,
        },
      );
    }
    const content = Buffer.from(JSON.stringify(sampleInvoice(20)));
    const submitOne = () =>
      services.pipeline.submit({
        tenantId: 'bench',
        context: { format: 'peppol-bis3-ubl' },
        content,
        contentType: 'application/json',
      });
    // Warm-up: the first documents pay for compiling the flow's code paths; the figure is the steady state.
    for (let i = 0; i < warmUp; i++) await submitOne();
    await bus.whenIdle();
    const start = process.hrtime.bigint();
    // Eight clients submitting at once, as HTTP intake or a batch would.
    let submitted = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (submitted < documents) {
          submitted++;
          await submitOne();
        }
      }),
    );
    await bus.whenIdle();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    let completed = 0;
    let cursor: string | undefined;
    do {
      const page = await services.documents.list('bench', { status: 'completed', limit: 500, cursor });
      completed += page.records.length;
      cursor = page.next;
    } while (cursor);
    if (completed !== documents + warmUp)
      throw new Error(`pipeline bench: ${completed - warmUp}/${documents} completed`);
    await services.close();
    return documents / seconds;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * `einvoice bench`: throughput figures as ratios to the raw RSA-2048 signing rate of this machine, now.
 * Shared machines are noisy, so every figure is taken in several rounds, each next to its own baseline
 * measurement, and the medians are reported.
 */
export async function runBench(options: { json: boolean; quick: boolean }): Promise<number> {
  const rounds = options.quick ? 1 : 5;
  const durationMs = options.quick ? 300 : 400;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const digestInput = Buffer.alloc(64, 7);
  const baseline = () => measure(() => sign('sha256', digestInput, privateKey), durationMs);
  const invoice20 = sampleInvoice(20);
  const invoice100 = sampleInvoice(100);
  const keyDir = await mkdtemp(join(tmpdir(), 'einvoice-bench-keys-'));
  const samples = new Map<string, Array<{ perSec: number; ratio: number }>>();
  const record = (name: string, perSec: number, base: number) =>
    samples.set(name, [...(samples.get(name) ?? []), { perSec, ratio: perSec / base }]);
  try {
    await ensureSelfSignedCertificate(keyDir, 'bench');
    const credential = await new FolderCertificateStore(keyDir).get('bench');
    const key = { privateKey: credential.privateKey, certificate: credential.certificates[0]! };
    const xml20 = renderPeppolUbl(invoice20);
    const xml100 = renderPeppolUbl(invoice100);
    const signed20 = signEnveloped(xml20, key, 'ubl-extensions').xml;
    const peppol = shippedFormats().find((f) => f.id === 'peppol-bis3-ubl')!;
    // An invoice as received: read the PEPPOL UBL into the model and judge it (EN 16931 and the PEPPOL
    // rules its specification identifier calls for, and the UBL syntax rules), the figures checked as sent.
    const rules20 = () => {
      const { invoice, source } = peppol.read!(xml20);
      const result = validateInvoice(invoice, 'check', { inPlace: true, source });
      if (!result.valid)
        throw new Error(`rules-20: the bench invoice is not valid: ${result.problems[0]?.code}`);
    };
    const micro: Array<[string, () => void]> = [
      ['validate-20', () => void validateInvoice(invoice20)],
      ['transform-20', () => void renderPeppolUbl(invoice20)],
      ['rules-20', rules20],
      ['sign-xmldsig-20', () => void signEnveloped(xml20, key, 'ubl-extensions')],
      ['sign-xmldsig-100', () => void signEnveloped(xml100, key, 'ubl-extensions')],
      ['verify-xmldsig-20', () => void verifyXmlSignature(signed20)],
    ];
    // A warm-up pass before the rounds: the JIT needs a few seconds of a large code path (a mapping's reader
    // and some 1,800 rules) before it runs at the speed a long-running service sees.
    for (const [, fn] of micro) measure(fn, options.quick ? 50 : 1500);
    for (let round = 0; round < rounds; round++) {
      const base = baseline();
      record('rsa-2048-sign', base, base);
      for (const [name, fn] of micro) record(name, measure(fn, durationMs), base);
    }
  } finally {
    await rm(keyDir, { recursive: true, force: true });
  }
  const documents = options.quick ? 20 : 500;
  for (let round = 0; round < Math.min(rounds, 3); round++) {
    for (const [name, pipelineOptions] of [
      ['pipeline-20', { deliver: false }],
      ['pipeline-20-no-thread', { deliver: false, signingThreads: 0 }],
      ['pipeline-outbox-20', { deliver: true }],
    ] as const) {
      const before = baseline();
      const perSec = await pipelineRate(documents, { ...pipelineOptions, warmUp: documents / 5 });
      record(name, perSec, (before + baseline()) / 2);
    }
  }
  const out: BenchResult[] = [...samples].map(([name, values]) => ({
    name,
    perSec: Math.round(median(values.map((v) => v.perSec)) * 10) / 10,
    ratio: Math.round(median(values.map((v) => v.ratio)) * 10000) / 10000,
  }));
  // how the runtime was started, as it changes the figures (the young generation's size, say)
  const node = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].filter(Boolean);
  if (options.json) process.stdout.write(JSON.stringify({ rounds, node, results: out }) + '\n');
  else {
    process.stdout.write(
      `benchmark                per second   ratio to rsa-2048-sign (medians of ${rounds} rounds; pipelines ${Math.min(rounds, 3)})\n` +
        `node options: ${node.length > 0 ? node.join(' ') : 'none'}\n`,
    );
    for (const r of out)
      process.stdout.write(
        `${r.name.padEnd(24)} ${r.perSec.toFixed(1).padStart(10)}   ${r.ratio.toFixed(4)}\n`,
      );
  }
  return 0;
}
