import { ProgressBar } from '../client';
import { UsageError, type CommandArgs, type CommandIo, type CommandSpec } from '../command';
import { benchmarks, scaleScenario, submissionScenario } from '../lazy';
import { checks, parseDurationText } from '../options';

/**
 * `--scale N`: the submission scenario at `--documents` (default 5,000), at N and at 5,000 again, each in
 * a fresh process and data folder; the rates, memory, disk use and start-up time, and the ratios of the rates.
 */
async function runScale(args: CommandArgs, io: CommandIo): Promise<number> {
  const { scaleRun, scaleReport } = scaleScenario();
  const scale = args.number('scale')!;
  const baseline = args.number('documents') ?? 5000;
  if (baseline >= scale) throw new UsageError(`--scale ${scale} must be more than --documents ${baseline}`);
  // the runs are in new data folders, whose default store is level
  const store = (args.string('store') ?? 'level') as 'journal' | 'level';
  const json = args.flag('json');
  const result = await scaleRun({
    baseline,
    scale,
    store,
    failRate: args.number('fail-rate') ?? 0,
    timeoutMs: parseDurationText(args.string('time-limit') ?? '6h')!,
    onProgress: (line) => io.stderr.write(`${line}\n`),
  });
  io.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : scaleReport(result));
  return result.points.every((p) => p.completed === p.runDocuments) ? 0 : 1;
}

export const bench: CommandSpec = {
  name: 'bench',
  description: 'throughput figures, or the submission scenario with failures',
  usage:
    'einvoice bench [--json] [--quick] | einvoice bench --submission [--documents N] [--fail-rate R] [--json] | ' +
    'einvoice bench --scale N [--store S] [--documents M] [--time-limit D] [--json]',
  details:
    'Without --submission: validate, transform, sign and the whole pipeline on one core, each as a ratio to ' +
    'crypto.sign with RSA-2048 measured in the same run (npm run bench). With --submission: N documents ' +
    'through the shipped flow sandbox-submit against an in-process sandbox that fails R of the ' +
    'submissions; exit 0 when every document completed once, with no duplicate at the receiver. ' +
    'With --scale N: the submission scenario at M (default 5000), at N and at M documents again, each in ' +
    'a fresh process and data folder after 2000 warm-up documents, clients keeping at most 200 documents in ' +
    'flight (no failures unless --fail-rate); prints for each documents per second, processor time per ' +
    'document, peak memory (resident, anonymous and heap, sampled every 250 ms), the heap retained ' +
    'after a full collection, disk use per document, the start-up times of the store and of the whole ' +
    'service reopened on the data (each in a fresh process), and the ratios of the rates; progress goes ' +
    'to stderr. Exit 0 when every document completed.',
  options: [
    { name: 'json', type: 'boolean', description: 'print the results as one JSON object' },
    { name: 'quick', type: 'boolean', description: 'fewer rounds (a smoke test, not a measurement)' },
    { name: 'submission', type: 'boolean', description: 'run the submission scenario instead' },
    {
      name: 'documents',
      type: 'string',
      value: 'N',
      description:
        'with --submission: how many documents (default 2000); with --scale: the smaller run (5000)',
      check: checks.positive,
    },
    {
      name: 'fail-rate',
      type: 'string',
      value: 'R',
      description:
        'with --submission: the share of submissions the sandbox fails (default 0.3; with --scale: 0)',
      check: checks.ratio,
    },
    {
      name: 'scale',
      type: 'string',
      value: 'N',
      description: 'compare the submission scenario at N documents with the smaller run',
      check: checks.positive,
    },
    {
      name: 'store',
      type: 'string',
      value: 'S',
      description: 'with --submission or --scale: the embedded store, level (default) or journal',
      allowed: ['level', 'journal'],
    },
    {
      name: 'time-limit',
      type: 'string',
      value: 'D',
      description: 'with --scale: stop each run after this long, saying so (default 6h)',
      check: checks.duration,
    },
  ],
  args: [],
  examples: [
    { command: 'einvoice bench --quick', comment: 'a quick run of the throughput figures' },
    {
      command: 'einvoice bench --submission --documents 200 --fail-rate 0.3',
      comment: '200 documents through sandbox-submit with 30% of the submissions failing',
    },
    {
      command: 'einvoice bench --scale 100000',
      comment: 'the level store at 5,000 and 100,000 documents: rates, memory, disk, start-up',
    },
    {
      command: 'einvoice bench --scale 20000 --store journal',
      comment: 'the same for the journal store, whose index grows with the documents',
    },
  ],
  async run(args, io) {
    const submission = args.flag('submission');
    const scale = args.has('scale');
    if (submission && scale) throw new UsageError('--submission and --scale are different runs: choose one');
    if (args.has('time-limit') && !scale) throw new UsageError('--time-limit applies to --scale');
    for (const name of ['documents', 'fail-rate', 'store'])
      if (args.has(name) && !submission && !scale)
        throw new UsageError(`--${name} applies to --submission or --scale`);
    if (args.has('quick') && (submission || scale))
      throw new UsageError('--quick does not apply to --submission or --scale');
    if (scale) return runScale(args, io);
    if (!submission) {
      const { runBench } = benchmarks();
      return runBench({ json: args.flag('json'), quick: args.flag('quick') });
    }
    const { submissionRun } = submissionScenario();
    const documents = args.number('documents') ?? 2000;
    const failRate = args.number('fail-rate') ?? 0.3;
    const json = args.flag('json');
    const progress = json ? undefined : new ProgressBar(documents, io.stderr);
    const result = await submissionRun({
      documents,
      failRate,
      store: args.string('store') as 'journal' | 'level' | undefined,
      onProgress: (n) => progress?.set(n),
    });
    if (json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      const r = result.receiver;
      io.stdout.write(
        `${result.completed}/${result.documents} completed in ${result.seconds} s (${result.perSec}/s), ` +
          `fail rate ${failRate}\n` +
          `submit attempts ${result.attempts} (transient ${result.transient}, postponed by the circuit ${result.postponed})\n` +
          `receiver: accepted ${r.accepted}, rejected ${r.rejected}, duplicates ${r.duplicates}, ` +
          `replays ${r.replays}, injected ${JSON.stringify(r.faults)}\n`,
      );
      if (result.timedOut)
        io.stdout.write(
          `stopped after ${Math.round(result.timeoutMs / 60_000)} min with ${result.documents - result.completed} not finished\n`,
        );
      for (const [code, n] of Object.entries(result.notCompleted)) io.stdout.write(`  ${n} ${code}\n`);
    }
    return result.completed === documents &&
      result.receiver.duplicates === 0 &&
      result.receiver.accepted === documents
      ? 0
      : 1;
  },
};
