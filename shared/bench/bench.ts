import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyXmlSignature } from '../signing/verify';
import { signEnveloped } from '../signing/xmldsig';
import { validateInvoice } from '../model/validate-invoice';
import { ensureSelfSignedCertificate, FolderCertificateStore } from '../adapters/folder-certificate-store';
import { createServices } from '../composition';
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
  for (let i = 0; i < 3; i++) fn(); // warm-up
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

/**
 * Documents per second through the embedded pipeline: journal store, persistent bus. The measured flow is
 * the outbox flow (validate → transform → sign → deliver to the outbox folder); with `deliver: false`, its
 * steps up to signing, so that the figure is what the service itself costs, without an export channel.
 */
export async function pipelineRate(documents: number, options: { deliver?: boolean } = {}): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'einvoice-bench-'));
  try {
    const flowsDir = join(dir, 'flows');
    await mkdir(flowsDir);
    const outbox = JSON.parse(
      await readFile(join(packageRoot(), 'flows', 'peppol-outbox.json'), 'utf8'),
    ) as FlowDefinition;
    const flow =
      options.deliver === false
        ? { ...outbox, steps: outbox.steps.filter((s) => s.action !== 'deliver-folder') }
        : outbox;
    await writeFile(join(flowsDir, 'bench.json'), JSON.stringify(flow));
    const settings = loadSettings({
      ...process.env,
      EINVOICE_DATA_DIR: dir,
      EINVOICE_STORE: 'journal',
      EINVOICE_FLOWS_DIR: flowsDir,
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
    await submitOne();
    await bus.whenIdle();
    const start = process.hrtime.bigint();
    for (let i = 0; i < documents; i++) await submitOne();
    await bus.whenIdle();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const { records } = await services.documents.list('bench', { status: 'completed', limit: 500 });
    if (records.length !== documents + 1)
      throw new Error(`pipeline bench: ${records.length - 1}/${documents} completed`);
    await services.close();
    return documents / seconds;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `einvoice bench`: throughput figures as ratios to the raw RSA-2048 signing rate of this machine, now. */
export async function runBench(options: { json: boolean; quick: boolean }): Promise<number> {
  const durationMs = options.quick ? 300 : 1500;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const digestInput = Buffer.alloc(64, 7);
  const results: Array<{ name: string; perSec: number }> = [];
  results.push({
    name: 'rsa-2048-sign',
    perSec: measure(() => sign('sha256', digestInput, privateKey), durationMs),
  });
  const invoice20 = sampleInvoice(20);
  const invoice100 = sampleInvoice(100);
  results.push({ name: 'validate-20', perSec: measure(() => void validateInvoice(invoice20), durationMs) });
  results.push({ name: 'transform-20', perSec: measure(() => void renderPeppolUbl(invoice20), durationMs) });
  const keyDir = await mkdtemp(join(tmpdir(), 'einvoice-bench-keys-'));
  try {
    await ensureSelfSignedCertificate(keyDir, 'bench');
    const credential = await new FolderCertificateStore(keyDir).get('bench');
    const key = { privateKey: credential.privateKey, certificate: credential.certificates[0]! };
    const xml20 = renderPeppolUbl(invoice20);
    const xml100 = renderPeppolUbl(invoice100);
    results.push({
      name: 'sign-xmldsig-20',
      perSec: measure(() => void signEnveloped(xml20, key, 'ubl-extensions'), durationMs),
    });
    results.push({
      name: 'sign-xmldsig-100',
      perSec: measure(() => void signEnveloped(xml100, key, 'ubl-extensions'), durationMs),
    });
    const signed20 = signEnveloped(xml20, key, 'ubl-extensions').xml;
    results.push({
      name: 'verify-xmldsig-20',
      perSec: measure(() => void verifyXmlSignature(signed20), durationMs),
    });
  } finally {
    await rm(keyDir, { recursive: true, force: true });
  }
  const documents = options.quick ? 20 : 300;
  results.push({ name: 'pipeline-20', perSec: await pipelineRate(documents, { deliver: false }) });
  results.push({ name: 'pipeline-outbox-20', perSec: await pipelineRate(documents) });
  const baseline = results[0]!.perSec;
  const out: BenchResult[] = results.map((r) => ({
    name: r.name,
    perSec: Math.round(r.perSec * 10) / 10,
    ratio: Math.round((r.perSec / baseline) * 10000) / 10000,
  }));
  if (options.json) process.stdout.write(JSON.stringify({ results: out }) + '\n');
  else {
    process.stdout.write('benchmark            per second   ratio to rsa-2048-sign\n');
    for (const r of out)
      process.stdout.write(
        `${r.name.padEnd(20)} ${r.perSec.toFixed(1).padStart(10)}   ${r.ratio.toFixed(4)}\n`,
      );
  }
  return 0;
}
