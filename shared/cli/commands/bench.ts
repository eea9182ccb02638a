import { ProgressBar } from '../client';
import { UsageError, type CommandSpec } from '../command';
import { benchmarks, submissionScenario } from '../lazy';
import { checks } from '../options';

export const bench: CommandSpec = {
  name: 'bench',
  description: 'throughput figures, or the submission scenario with failures',
  usage:
    'einvoice bench [--json] [--quick] | einvoice bench --submission [--documents N] [--fail-rate R] [--json]',
  details:
    'Without --submission: validate, transform, sign and the whole pipeline on one core, each as a ratio to ' +
    'crypto.sign with RSA-2048 measured in the same run (npm run bench). With --submission: N documents ' +
    'through the shipped flow sandbox-submit against an in-process sandbox that fails R of the ' +
    'submissions; exit 0 when every document completed once, with no duplicate at the receiver.',
  options: [
    { name: 'json', type: 'boolean', description: 'print the results as one JSON object' },
    { name: 'quick', type: 'boolean', description: 'fewer rounds (a smoke test, not a measurement)' },
    { name: 'submission', type: 'boolean', description: 'run the submission scenario instead' },
    {
      name: 'documents',
      type: 'string',
      value: 'N',
      description: 'with --submission: how many documents (default 2000)',
      check: checks.positive,
    },
    {
      name: 'fail-rate',
      type: 'string',
      value: 'R',
      description: 'with --submission: the share of submissions the sandbox fails (default 0.3)',
      check: checks.ratio,
    },
  ],
  args: [],
  examples: [
    { command: 'einvoice bench --quick', comment: 'a quick run of the throughput figures' },
    {
      command: 'einvoice bench --submission --documents 200 --fail-rate 0.3',
      comment: '200 documents through sandbox-submit with 30% of the submissions failing',
    },
  ],
  async run(args, io) {
    const submission = args.flag('submission');
    for (const name of ['documents', 'fail-rate'])
      if (args.has(name) && !submission) throw new UsageError(`--${name} applies to --submission`);
    if (args.has('quick') && submission) throw new UsageError('--quick does not apply to --submission');
    if (!submission) {
      const { runBench } = benchmarks();
      return runBench({ json: args.flag('json'), quick: args.flag('quick') });
    }
    const { submissionRun } = submissionScenario();
    const documents = args.number('documents') ?? 2000;
    const failRate = args.number('fail-rate') ?? 0.3;
    const json = args.flag('json');
    const progress = json ? undefined : new ProgressBar(documents, io.stderr);
    const result = await submissionRun({ documents, failRate, onProgress: (n) => progress?.set(n) });
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
