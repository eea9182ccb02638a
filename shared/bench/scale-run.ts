import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { JournalObjectStore } from '../adapters/journal-object-store';
import { LevelObjectStore } from '../adapters/level-object-store';
import type { ObjectStore } from '../ports/object-store';
import { Sandbox } from '../sandbox/sandbox';
import { packageRoot } from '../util/package-root';
import type { SubmissionRunResult } from './submission-run';

export type ScaleStore = 'journal' | 'level';

export interface ScaleRunOptions {
  /** The smaller run (5,000), made before and after the larger one, whose rate is compared with theirs. */
  baseline: number;
  /** The larger run. */
  scale: number;
  store: ScaleStore;
  failRate: number;
  /** Each run stops after this long, saying so. */
  timeoutMs: number;
  /** Documents submitted and not finished at most (clients keeping pace, not a backlog of all of them). */
  maxInFlight?: number;
  /** A line of progress (no newline), every few seconds while a run lasts. */
  onProgress?: (line: string) => void;
}

/** Memory of the runtime process, in bytes. */
export interface MemoryFigures {
  /** Resident memory, as `ps` shows it. */
  rss: number;
  /**
   * Its anonymous part: what the process itself allocated (heaps, caches, buffers). The rest of the
   * resident memory is files mapped for reading (the Node binary, LevelDB's tables): page cache the
   * kernel shares and takes back under pressure. Linux only; elsewhere the resident memory.
   */
  anonymous: number;
  /** The JavaScript heap in use. */
  heap: number;
}

export interface ScalePoint {
  /** The documents measured. */
  documents: number;
  /** All the run's documents, the warm-up ones included, and how many of them completed. */
  runDocuments: number;
  completed: number;
  notCompleted: Record<string, number>;
  timedOut: boolean;
  /** Documents run before these, left out of the figures: start-up, compiling code, filling caches. */
  warmUp: number;
  /** How long the documents took once the warm-up ones had finished, and their rate. */
  seconds: number;
  perSec: number;
  /**
   * Processor time of the runtime process (all its threads) per document, over the same span: less
   * sensitive than the rate to other work on a shared machine.
   */
  cpuMsPerDocument: number;
  /** The highest of each figure, sampled every 250 ms while documents were being processed. */
  peak: MemoryFigures;
  /**
   * What is left once the last document finished and a full garbage collection ran: the memory the
   * runtime keeps (caches, indexes), without the garbage that the peaks include.
   */
  retained: MemoryFigures;
  /** The kernel's resident high-water mark (`VmHWM`, or `getrusage`), start-up included. */
  highWaterRssBytes: number;
  /** The whole data folder (store, bus, keys, outbox) after the run. */
  diskBytes: number;
  /** Per document in the folder, the warm-up ones included. */
  diskBytesPerDocument: number;
  /** The store's own folder (`journal/` or `level/`). */
  storeBytes: number;
  /** Opening the store on that data in a fresh process, until its first read is answered. */
  startupMs: number;
  /** That fresh process's memory once the store is open. */
  startupMemory: MemoryFigures;
  /**
   * The whole service started on that data folder in a fresh process: its code loaded, the store and the
   * bus opened, the log's first page read and one pass of the retry timer over the due index.
   */
  serviceStartupMs: number;
  /** That process's memory once the service is ready. */
  serviceStartupMemory: MemoryFigures;
}

export interface ScaleRunResult {
  store: ScaleStore;
  failRate: number;
  maxInFlight: number;
  /** The smaller run, the larger one, the smaller one again. */
  points: ScalePoint[];
  /** The larger run's rate over the mean of the smaller runs': 1 is a flat cost. */
  ratio: number;
  /** The same with documents per processor second (the inverse of the processor time per document). */
  cpuRatio: number;
}

const SAMPLE_MS = 250;
const PROGRESS_MS = 5000;
const DEFAULT_MAX_IN_FLIGHT = 200;
/** Documents run before the measured ones at most: the first seconds compile code and fill caches. */
const WARM_UP_DOCUMENTS = 2000;

/** What the runtime process is asked to do: the argument it is started with. */
type WorkerTask =
  | {
      kind: 'run';
      documents: number;
      warmUp: number;
      store: ScaleStore;
      dataDir: string;
      receiverUrl: string;
      timeoutMs: number;
      maxInFlight: number;
    }
  | { kind: 'open'; store: ScaleStore; dir: string }
  | { kind: 'start'; store: ScaleStore; dataDir: string };

/** What it reports back over IPC. */
type WorkerMessage =
  | { kind: 'progress'; finished: number; cpuMs: number; memory: MemoryFigures }
  | {
      kind: 'done';
      result: SubmissionRunResult;
      /** Documents finished after the warm-up, in how long, with how much processor time. */
      steadyDocuments: number;
      steadySeconds: number;
      steadyCpuMs: number;
      peak: MemoryFigures;
      retained: MemoryFigures;
      highWaterRssBytes: number;
    }
  | { kind: 'opened'; ms: number; memory: MemoryFigures }
  | { kind: 'started'; ms: number; memory: MemoryFigures };

/**
 * `einvoice bench --scale N`: the submission scenario at the smaller size, at N and at the smaller size
 * again (whatever drifts on the machine meanwhile, or favours the first run, weighs on both sides), each
 * in a fresh data folder and a fresh process, so that the memory figures are the runtime's alone: the
 * sandbox receiving the submissions runs in this process, and nothing of one run is left in the next
 * one's heap. The store is then opened on the run's data in another fresh process, to time a start-up
 * after that much history.
 */
export async function scaleRun(options: ScaleRunOptions): Promise<ScaleRunResult> {
  const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  const points: ScalePoint[] = [];
  for (const documents of [options.baseline, options.scale, options.baseline])
    points.push(await runSize(documents, maxInFlight, options));
  const [before, large, after] = points as [ScalePoint, ScalePoint, ScalePoint];
  const baseRate = (before.perSec + after.perSec) / 2;
  const baseCpu = (before.cpuMsPerDocument + after.cpuMsPerDocument) / 2;
  return {
    store: options.store,
    failRate: options.failRate,
    maxInFlight,
    points,
    ratio: Math.round((large.perSec / baseRate) * 1000) / 1000,
    cpuRatio: Math.round((baseCpu / large.cpuMsPerDocument) * 1000) / 1000,
  };
}

async function runSize(
  documents: number,
  maxInFlight: number,
  options: ScaleRunOptions,
): Promise<ScalePoint> {
  const receiver = new Sandbox({ faults: { errorRatio: options.failRate } });
  const receiverUrl = await receiver.start();
  const dataDir = await mkdtemp(join(tmpdir(), 'einvoice-scale-'));
  // a smoke run of a few documents gets a warm-up in proportion
  const warmUp = Math.min(WARM_UP_DOCUMENTS, Math.ceil(documents / 2));
  try {
    const total = warmUp + documents;
    const task = { documents: total, warmUp, store: options.store, dataDir, receiverUrl, maxInFlight };
    const progress = new ProgressLines(total);
    const run = await inWorker({ kind: 'run', ...task, timeoutMs: options.timeoutMs }, (message) => {
      if (message.kind === 'progress') options.onProgress?.(progress.line(message));
    });
    if (run.kind !== 'done') throw new Error(`The runtime process answered ${run.kind}`);
    const storeDir = join(dataDir, options.store);
    const [diskBytes, storeBytes] = [await folderBytes(dataDir), await folderBytes(storeDir)];
    const opened = await inWorker({ kind: 'open', store: options.store, dir: storeDir });
    if (opened.kind !== 'opened') throw new Error(`The start-up process answered ${opened.kind}`);
    const started = await inWorker({ kind: 'start', store: options.store, dataDir });
    if (started.kind !== 'started') throw new Error(`The start-up process answered ${started.kind}`);
    const { result } = run;
    return {
      documents,
      runDocuments: total,
      completed: result.completed,
      notCompleted: result.notCompleted,
      timedOut: result.timedOut,
      warmUp,
      seconds: Math.round(run.steadySeconds * 10) / 10,
      perSec: Math.round((run.steadyDocuments / run.steadySeconds) * 10) / 10,
      cpuMsPerDocument: Math.round((run.steadyCpuMs / Math.max(run.steadyDocuments, 1)) * 100) / 100,
      peak: run.peak,
      retained: run.retained,
      highWaterRssBytes: run.highWaterRssBytes,
      diskBytes,
      diskBytesPerDocument: Math.round(diskBytes / total),
      storeBytes,
      startupMs: Math.round(opened.ms),
      startupMemory: opened.memory,
      serviceStartupMs: Math.round(started.ms),
      serviceStartupMemory: started.memory,
    };
  } finally {
    await receiver.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Progress with the rate and processor time of the last interval, where a slowdown would show. */
class ProgressLines {
  private readonly started = Date.now();
  private last = { at: Date.now(), finished: 0, cpuMs: 0 };

  constructor(private readonly documents: number) {}

  line(message: { finished: number; cpuMs: number; memory: MemoryFigures }): string {
    const { finished, cpuMs, memory } = message;
    const now = Date.now();
    const done = finished - this.last.finished;
    const rate = (done / (now - this.last.at)) * 1000;
    const cpu = done > 0 ? `${((cpuMs - this.last.cpuMs) / done).toFixed(2)} ms` : '-';
    this.last = { at: now, finished, cpuMs };
    return (
      `${this.documents} documents: ${finished} finished in ${Math.round((now - this.started) / 1000)} s; ` +
      `lately ${Math.round(rate)}/s, CPU/doc ${cpu}; RSS ${megabytes(memory.rss)} ` +
      `(anonymous ${megabytes(memory.anonymous)}, heap ${megabytes(memory.heap)})`
    );
  }
}

/** This module, compiled: the runtime process runs it (from the TypeScript sources, the built copy). */
function workerModule(): string {
  return __filename.endsWith('.ts')
    ? join(packageRoot(), 'dist', 'shared', 'bench', 'scale-run.js')
    : __filename;
}

/** Runs `task` in a fresh Node process (with this one's flags), passing its progress to `onMessage`. */
function inWorker(task: WorkerTask, onMessage?: (message: WorkerMessage) => void): Promise<WorkerMessage> {
  return new Promise((resolve, reject) => {
    const child = fork(workerModule(), [JSON.stringify(task)], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      // gc() is called once, after the last document: the retained memory
      execArgv: [...process.execArgv, '--expose-gc'],
    });
    let answer: WorkerMessage | undefined;
    child.on('message', (message: WorkerMessage) => {
      if (message.kind === 'progress') onMessage?.(message);
      else answer = message;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (answer) resolve(answer);
      else
        reject(
          new Error(`The ${task.kind} process stopped (${signal ?? `exit code ${code}`}) without a result`),
        );
    });
  });
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await folderBytes(path);
    else if (entry.isFile()) total += (await stat(path)).size;
  }
  return total;
}

function megabytes(bytes: number): string {
  return `${Math.round(bytes / 1e6)} MB`;
}

/** The figures as a table, and the ratios. */
export function scaleReport(result: ScaleRunResult): string {
  const header = [
    'documents',
    'docs/s',
    'CPU/doc',
    'peak RSS',
    'peak anon',
    'peak heap',
    'retained heap',
    'disk/doc',
    'store open',
    'service start',
    'start anon',
  ];
  const rows = result.points.map((p) => [
    p.documents.toLocaleString('en'),
    p.perSec.toFixed(1),
    `${p.cpuMsPerDocument.toFixed(2)} ms`,
    megabytes(p.peak.rss),
    megabytes(p.peak.anonymous),
    megabytes(p.peak.heap),
    megabytes(p.retained.heap),
    `${(p.diskBytesPerDocument / 1024).toFixed(1)} KB`,
    `${p.startupMs} ms`,
    `${p.serviceStartupMs} ms`,
    megabytes(p.serviceStartupMemory.anonymous),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  const [before, large] = result.points as [ScalePoint, ScalePoint];
  const within = (ratio: number) => (Math.abs(1 - ratio) <= 0.1 ? 'within' : 'NOT within');
  const sizes =
    `${large.documents.toLocaleString('en')} / at ${before.documents.toLocaleString('en')} ` +
    '(mean of the runs before and after)';
  const lines = [
    `${result.store} store, fail rate ${result.failRate}, at most ${result.maxInFlight} documents in flight, ` +
      `each run after ${[...new Set(result.points.map((p) => p.warmUp))].join(' / ')} warm-up documents`,
    line(header),
    ...rows.map(line),
    `rate at ${sizes}: ${result.ratio.toFixed(3)} (${within(result.ratio)} 10 %)`,
    `documents per processor second at ${sizes}: ${result.cpuRatio.toFixed(3)} (${within(result.cpuRatio)} 10 %)`,
  ];
  for (const p of result.points) {
    if (p.timedOut)
      lines.push(
        `${p.documents}: stopped at the time limit with ${p.runDocuments - p.completed} of ${p.runDocuments} not finished`,
      );
    for (const [code, n] of Object.entries(p.notCompleted)) lines.push(`${p.documents}:   ${n} ${code}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `/proc/self/status` fields in bytes, or undefined off Linux. */
function procStatus(): Record<string, number> | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/status', 'utf8');
  } catch {
    return undefined;
  }
  const fields: Record<string, number> = {};
  for (const match of text.matchAll(/^(\w+):\s+(\d+) kB$/gm)) fields[match[1]!] = Number(match[2]) * 1024;
  return fields;
}

function memoryNow(): MemoryFigures {
  const status = procStatus();
  const rss = status?.VmRSS ?? process.memoryUsage.rss();
  return { rss, anonymous: status?.RssAnon ?? rss, heap: process.memoryUsage().heapUsed };
}

/** The memory after a full garbage collection (the process is started with `--expose-gc`). */
function retainedMemory(): MemoryFigures {
  (globalThis as { gc?: () => void }).gc?.();
  return memoryNow();
}

function highWaterRss(): number {
  return procStatus()?.VmHWM ?? process.resourceUsage().maxRSS * 1024;
}

/** The highest memory figures of samples taken until `stop()`. */
class MemoryPeaks {
  readonly peak: MemoryFigures = { rss: 0, anonymous: 0, heap: 0 };
  last: MemoryFigures = memoryNow();
  private readonly timer = setInterval(() => this.sample(), SAMPLE_MS);

  sample(): void {
    this.last = memoryNow();
    for (const name of ['rss', 'anonymous', 'heap'] as const)
      this.peak[name] = Math.max(this.peak[name], this.last[name]);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

function openStore(store: ScaleStore, dir: string): ObjectStore {
  // as the composition root opens them, with their default memory settings
  return store === 'level' ? new LevelObjectStore(dir) : new JournalObjectStore(dir);
}

/** In a fresh process: the store opened on a run's data, timed until its first read is answered. */
async function timeOpening(
  task: Extract<WorkerTask, { kind: 'open' }>,
  send: (message: WorkerMessage) => Promise<void>,
): Promise<void> {
  const started = performance.now();
  const store = openStore(task.store, task.dir);
  await store.get('tenants/bench/config/tenant.json');
  const ms = performance.now() - started;
  const memory = memoryNow();
  await store.close?.();
  await send({ kind: 'opened', ms, memory });
}

/**
 * In a fresh process: the service started on a run's data folder, as `einvoice serve` starts it (the code
 * loaded, the store and the bus opened), until it has answered the console's first page and the retry
 * timer's pass over the due index.
 */
async function timeStarting(
  task: Extract<WorkerTask, { kind: 'start' }>,
  send: (message: WorkerMessage) => Promise<void>,
): Promise<void> {
  const started = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startedServices } = require('./submission-run') as typeof import('./submission-run');
  const services = startedServices(task.dataDir, task.store);
  await services.documents.list('bench', { limit: 50, order: 'desc' });
  await services.pipeline.redriveDue();
  const ms = performance.now() - started;
  const memory = memoryNow();
  await services.close();
  await send({ kind: 'started', ms, memory });
}

/**
 * In the runtime process: the run, with memory sampled beside it until the last document finished (the
 * records the scenario reads afterwards for its figures are the benchmark's, not the runtime's).
 */
async function timeRun(
  task: Extract<WorkerTask, { kind: 'run' }>,
  send: (message: WorkerMessage) => Promise<void>,
): Promise<void> {
  // required here, not at the top: the start-up process loads the store alone, not the whole service
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { submissionRun } = require('./submission-run') as typeof import('./submission-run');
  const memory = new MemoryPeaks();
  const deadline = Date.now() + task.timeoutMs;
  let finished = 0;
  let warmedAt: number | undefined;
  let warmedCpu: NodeJS.CpuUsage | undefined;
  type End = {
    at: number;
    cpu: NodeJS.CpuUsage;
    finished: number;
    highWaterRssBytes: number;
    retained: MemoryFigures;
  };
  let ended: End | undefined;
  const end = (n: number): End => {
    const at = performance.now();
    const cpu = process.cpuUsage(warmedCpu);
    memory.sample();
    memory.stop();
    return { at, cpu, finished: n, highWaterRssBytes: highWaterRss(), retained: retainedMemory() };
  };
  const onFinished = (n: number) => {
    finished = n;
    if (warmedAt === undefined && n >= task.warmUp) {
      warmedAt = performance.now();
      warmedCpu = process.cpuUsage();
    }
    if (ended === undefined && (n >= task.documents || Date.now() > deadline)) ended = end(n);
  };
  const progress = setInterval(() => {
    const cpu = process.cpuUsage();
    void send({ kind: 'progress', finished, cpuMs: (cpu.user + cpu.system) / 1000, memory: memory.last });
  }, PROGRESS_MS);
  try {
    const result = await submissionRun({
      documents: task.documents,
      failRate: 0, // the sandbox in the parent process injects the failures
      store: task.store,
      dataDir: task.dataDir,
      receiverUrl: task.receiverUrl,
      timeoutMs: task.timeoutMs,
      maxInFlight: task.maxInFlight,
      onFinished,
      // the time limit passes without a document finishing when none can
      onProgress: (n) => {
        if (ended === undefined && Date.now() > deadline) ended = end(n);
      },
    });
    const last = ended ?? end(finished);
    await send({
      kind: 'done',
      result,
      // a run that never got past its warm-up has no rate
      steadyDocuments: warmedAt === undefined ? 0 : last.finished - task.warmUp,
      steadySeconds: warmedAt === undefined ? 1 : (last.at - warmedAt) / 1000,
      steadyCpuMs: (last.cpu.user + last.cpu.system) / 1000,
      peak: memory.peak,
      retained: last.retained,
      highWaterRssBytes: last.highWaterRssBytes,
    });
  } finally {
    memory.stop();
    clearInterval(progress);
  }
}

if (require.main === module) {
  const send = (message: WorkerMessage) =>
    new Promise<void>((resolve, reject) =>
      process.send!(message, undefined, {}, (error) => (error ? reject(error) : resolve())),
    );
  const task = JSON.parse(process.argv[2]!) as WorkerTask;
  // the answer is sent once it is final, so the process need not wind down on its own
  (task.kind === 'open'
    ? timeOpening(task, send)
    : task.kind === 'start'
      ? timeStarting(task, send)
      : timeRun(task, send)
  ).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
