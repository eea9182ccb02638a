import { DOCUMENT_STATUSES, type DocumentRecord } from '../../model/record';
import { serviceClient, type ServiceClient } from '../client';
import type { CommandSpec } from '../command';
import { checks, JSON_OPTION, parseDurationText, SERVICE_OPTIONS } from '../options';

const DEFAULT_LIMIT = 50;

/** `--since`: an ISO date or date-time, or a duration (`30m`, `2h`, `1d`) meaning that long ago. */
export function sinceTime(value: string, now = Date.now()): number | undefined {
  const ago = parseDurationText(value);
  if (ago !== undefined && /[a-z]$/i.test(value.trim())) return now - ago;
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

/** The records in `statuses` (all when empty) from `from` on, following `next` until `limit` records. */
async function fetchRecords(
  client: ServiceClient,
  statuses: string[],
  from: number | undefined,
  limit: number,
): Promise<{ records: DocumentRecord[]; more: boolean }> {
  const records: DocumentRecord[] = [];
  let cursor: string | undefined;
  for (;;) {
    const query = new URLSearchParams();
    if (statuses.length > 0) query.set('status', statuses.join(','));
    if (from !== undefined) query.set('from', new Date(from).toISOString());
    if (cursor) query.set('cursor', cursor);
    query.set('limit', String(Math.min(500, limit - records.length)));
    const page = await client.json<{ items: DocumentRecord[]; next?: string }>(
      'GET',
      `/invoices?${query.toString()}`,
    );
    records.push(...page.items);
    cursor = page.next;
    if (!cursor) return { records, more: false };
    if (records.length >= limit) return { records: records.slice(0, limit), more: true };
  }
}

export const list: CommandSpec = {
  name: 'list',
  description: "list the tenant's documents: id, status, flow, step, last change",
  usage: 'einvoice list [--status S[,S2]] [--since T] [--limit N] [--url URL] [--api-key KEY] [--json]',
  details:
    `Prints one line per document. At most --limit documents (default ${DEFAULT_LIMIT}) are listed; when ` +
    'there are more, a note on stderr says so.',
  options: [
    ...SERVICE_OPTIONS,
    {
      name: 'status',
      type: 'string',
      value: 'S',
      list: true,
      allowed: DOCUMENT_STATUSES,
      description: 'only documents in these statuses, comma-separated',
    },
    {
      name: 'since',
      type: 'string',
      value: 'T',
      description:
        'only documents created since T: an ISO date or date-time, or a duration ago (30m, 2h, 1d)',
      check: (value) =>
        sinceTime(value) === undefined
          ? 'an ISO date or date-time (2026-11-02, 2026-11-02T08:00:00Z) or a duration such as 30m, 2h, 1d'
          : undefined,
    },
    {
      name: 'limit',
      type: 'string',
      value: 'N',
      description: `list at most N documents (default ${DEFAULT_LIMIT})`,
      check: checks.positive,
    },
    { ...JSON_OPTION, description: 'print the records as a JSON array' },
  ],
  args: [],
  examples: [
    { command: 'einvoice list --status completed', comment: 'the completed documents' },
    {
      command: 'einvoice list --status failed,rejected --since 1d',
      comment: 'what did not go through in the last day',
    },
    { command: 'einvoice list --limit 500 --json', comment: 'the first 500 records, as JSON' },
  ],
  async run(args, io) {
    const client = serviceClient(args, io);
    const limit = args.number('limit') ?? DEFAULT_LIMIT;
    const since = args.string('since');
    const from = since === undefined ? undefined : sinceTime(since);
    const { records, more } = await fetchRecords(client, [...new Set(args.list('status'))], from, limit);
    if (args.flag('json')) io.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
    else {
      const width = Math.max(0, ...records.map((r) => r.flowId.length));
      for (const r of records)
        io.stdout.write(
          `${r.id}  ${r.status.padEnd(10)} ${r.flowId.padEnd(width)}  ${(r.stepId ?? '-').padEnd(10)} ${r.updatedAt}\n`,
        );
    }
    if (more) io.stderr.write(`more documents than --limit ${limit}: pass a larger --limit or --since\n`);
    else if (records.length === 0 && !args.flag('json')) io.stderr.write('no documents\n');
    return 0;
  },
};
