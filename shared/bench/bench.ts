import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
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

/** Documents per second through the embedded pipeline: file store, persistent bus, validate → deliver. */
export async function pipelineRate(documents: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'einvoice-bench-'));
  try {
    const settings = loadSettings({ ...process.env, EINVOICE_DATA_DIR: dir, EINVOICE_STORE: 'file' });
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
  results.push({ name: 'pipeline-20', perSec: await pipelineRate(options.quick ? 20 : 100) });
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
