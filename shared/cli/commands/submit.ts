import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { DocumentRecord, HistoryEntry } from '../../model/record';
import { isObject } from '../../util/json';
import {
  LiveCounts,
  ProblemAnswer,
  ProgressBar,
  serviceClient,
  Unreachable,
  type ServiceClient,
} from '../client';
import { CommandFailure, UsageError, type CommandSpec } from '../command';
import { checks, JSON_OPTION, parseDurationText, SERVICE_OPTIONS } from '../options';

const FINAL = new Set(['completed', 'failed', 'rejected', 'cancelled']);
const FAILING = new Set(['rejected', 'failed', 'transient']);
const POLL_MS = 300;
const PARALLEL = 8;

interface Submitted {
  file: string;
  id?: string;
  status: string;
  duplicate?: boolean;
  /** The raw answer to the submission (or the problem). */
  answer?: unknown;
  /** Why the file was not accepted: `code: detail` and located errors. */
  problem?: string[];
  record?: DocumentRecord;
}

/** Reads a submission file: an envelope `{context, document}`, a bare canonical JSON document, or XML. */
function readSubmission(
  file: string,
  extra: Record<string, unknown>,
): { content: string; contentType: string } {
  const text = readFileSync(file, 'utf8');
  if (extname(file).toLowerCase() === '.xml' || text.trimStart().startsWith('<')) {
    return { content: JSON.stringify({ context: extra, document: text }), contentType: 'application/json' };
  }
  const parsed: unknown = JSON.parse(text);
  const envelope = isObject(parsed) && 'document' in parsed ? parsed : { context: {}, document: parsed };
  const context = { ...(isObject(envelope.context) ? envelope.context : {}), ...extra };
  return { content: JSON.stringify({ ...envelope, context }), contentType: 'application/json' };
}

/** Runs `work` on every item, `PARALLEL` at a time; the first Unreachable stops everything. */
async function eachParallel<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
}

/** The step, code and message of the last failing history entry (what a person needs to act). */
export function whyNotCompleted(record: DocumentRecord): string {
  const last = [...record.history].reverse().find((h) => FAILING.has(h.outcome));
  const describe = (h: HistoryEntry) =>
    `step ${h.stepId || record.stepId || '?'}: ${[h.code, h.message].filter(Boolean).join(': ') || h.outcome}` +
    (h.attempt > 1 ? ` (after ${h.attempt} attempts)` : '');
  if (record.status === 'cancelled') {
    const cancelled = [...record.history].reverse().find((h) => h.outcome === 'cancelled');
    return `step ${cancelled?.stepId || record.stepId || '?'}: cancelled${cancelled ? ` at ${cancelled.at}` : ''}`;
  }
  if (FINAL.has(record.status))
    return last ? describe(last) : `step ${record.stepId ?? '?'}: ${record.status}`;
  const still = `step ${record.stepId ?? '?'}: still ${record.status}${record.nextAttemptAt ? `, next attempt at ${record.nextAttemptAt}` : ''}`;
  return last ? `${still}; last failure ${describe(last).replace(/^step [^:]*: /, '')}` : still;
}

export const submit: CommandSpec = {
  name: 'submit',
  description: 'submit documents to the service',
  usage:
    'einvoice submit FILE... [--url URL] [--api-key KEY] [--flow ID] [--context JSON] [--wait [--timeout T]] [--json]',
  details:
    'Prints one line per document: its status, id and file (`received 01K...  samples/invoice.json`). ' +
    'With --wait it waits for each document to reach a final status, showing the counts per status on a ' +
    'terminal, and for each document that did not complete prints the failed step and the code and ' +
    'message of its last failure. Exit 0 when every document was accepted (with --wait: completed), ' +
    '1 otherwise.',
  options: [
    ...SERVICE_OPTIONS,
    { name: 'flow', type: 'string', value: 'ID', description: 'run this flow (sets context.flowId)' },
    {
      name: 'context',
      type: 'string',
      value: 'JSON',
      description: "context fields to add to each document's, as a JSON object",
      check: checks.jsonObject,
    },
    {
      name: 'wait',
      type: 'boolean',
      description: 'wait until every document reached a final status; exit 0 only when all completed',
    },
    {
      name: 'timeout',
      type: 'string',
      value: 'T',
      description: 'with --wait: stop waiting after T (90s, 10m, 1h; default 10m)',
      check: checks.duration,
    },
    { ...JSON_OPTION, description: 'print the answers (and with --wait the final records) as JSON' },
  ],
  args: [
    {
      name: 'FILE',
      required: true,
      variadic: true,
      description: 'a canonical invoice (JSON, bare or as {context, document}) or an XML document',
    },
  ],
  examples: [
    {
      command: 'einvoice submit samples/invoice.json --wait',
      comment: 'submit the sample invoice and wait until it is completed',
    },
    {
      command: 'einvoice submit samples/invoice.json --flow sandbox-submit --wait',
      comment: 'send it through the flow that submits to `einvoice sandbox`',
    },
    {
      command: 'einvoice submit invoices/*.json --context \'{"companyId":"CRONUS-DE"}\'',
      comment: 'submit many documents, adding a context field to each',
    },
  ],
  async run(args, io) {
    const wait = args.flag('wait');
    if (args.has('timeout') && !wait) throw new UsageError('--timeout applies to --wait');
    const client = serviceClient(args, io);
    const extra = JSON.parse(args.string('context') ?? '{}') as Record<string, unknown>;
    const flow = args.string('flow');
    if (flow !== undefined) extra.flowId = flow;
    const files = args.positionals;
    const results: Submitted[] = files.map((file) => ({ file, status: 'error' }));

    const bar = files.length > 1 ? new ProgressBar(files.length, io.stderr) : undefined;
    await eachParallel(results, async (result) => {
      let body;
      try {
        body = readSubmission(result.file, extra);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const why =
          code === 'ENOENT'
            ? 'no such file'
            : code === 'EISDIR'
              ? 'a folder'
              : error instanceof SyntaxError
                ? `not JSON (${error.message})`
                : (error as Error).message;
        result.problem = [`cannot read ${result.file}: ${why}`];
        bar?.tick(result.file);
        return;
      }
      try {
        const answer = await client.json<{ id?: string; status?: string; duplicate?: boolean }>(
          'POST',
          '/invoices',
          body,
        );
        result.answer = answer;
        if (typeof answer.id !== 'string') result.problem = ['the service answered without a document id'];
        else {
          result.id = answer.id;
          result.status = answer.status ?? 'received';
          if (answer.duplicate === true) result.duplicate = true;
        }
      } catch (error) {
        if (!(error instanceof ProblemAnswer)) throw error;
        result.answer = error.answer.json ?? error.answer.body.toString('utf8');
        result.status = 'refused';
        result.problem = [error.message, ...error.lines];
      }
      bar?.tick(result.file);
    });

    if (wait) await waitForAll(client, results, io, parseDurationText(args.string('timeout') ?? '10m')!);

    if (args.flag('json')) {
      // The answers as the service gave them; a file that could not be read has its reason instead.
      io.stdout.write(
        `${JSON.stringify(
          results.map((r) => ({
            file: r.file,
            ...(r.answer !== undefined ? { answer: r.answer } : { error: r.problem?.join('\n') }),
            ...(r.record ? { record: r.record } : {}),
          })),
          null,
          2,
        )}\n`,
      );
    } else {
      for (const r of results) {
        let line = `${r.status.padEnd(10)} ${r.id ?? '-'}  ${r.file}`;
        if (r.duplicate) line += '  (duplicate: submitted before with the same client key)';
        if (wait && r.record && r.record.status !== 'completed') line += `  ${whyNotCompleted(r.record)}`;
        io.stdout.write(`${line}\n`);
      }
    }
    const json = args.flag('json');
    for (const r of json ? [] : results) {
      if (!r.problem) continue;
      io.stderr.write(`einvoice submit: ${r.file}: ${r.problem[0]}\n`);
      for (const line of r.problem.slice(1)) io.stderr.write(`  ${line}\n`);
    }
    const good = results.filter((r) => (wait ? r.status === 'completed' : r.id !== undefined)).length;
    if (!json && (good < results.length || files.length > 1))
      io.stderr.write(`${good}/${results.length} ${wait ? 'completed' : 'accepted'}\n`);
    return good === results.length ? 0 : 1;
  },
};

/** Polls each accepted document's record until it is final (or the time is up), showing live counts. */
async function waitForAll(
  client: ServiceClient,
  results: Submitted[],
  io: Parameters<CommandSpec['run']>[1],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const live = new LiveCounts(io.stderr);
  const counts = () => {
    const map = new Map<string, number>();
    for (const r of results) map.set(r.status, (map.get(r.status) ?? 0) + 1);
    return map;
  };
  // Every accepted document's record is read at least once: a duplicate may already be final.
  let pending = results.filter((r) => r.id !== undefined);
  try {
    while (pending.length > 0) {
      const started = Date.now();
      await eachParallel(pending, async (r) => {
        try {
          r.record = await client.json<DocumentRecord>('GET', `/invoices/${encodeURIComponent(r.id!)}`);
          r.status = r.record.status;
        } catch (error) {
          if (error instanceof Unreachable || !(error instanceof CommandFailure)) throw error;
          r.status = 'error';
          r.problem = [error.message, ...error.lines];
        }
      });
      live.show(counts());
      pending = pending.filter((r) => r.status !== 'error' && !FINAL.has(r.status));
      if (pending.length === 0 || Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, POLL_MS - (Date.now() - started))));
    }
  } finally {
    live.end();
  }
  if (pending.length > 0)
    io.stderr.write(
      `einvoice submit: stopped waiting after ${Math.round(timeoutMs / 1000)} s; ${pending.length} not final yet\n`,
    );
}
