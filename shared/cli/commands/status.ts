import type { DocumentRecord } from '../../model/record';
import { serviceClient } from '../client';
import type { CommandSpec } from '../command';
import { JSON_OPTION, SERVICE_OPTIONS } from '../options';

/** The record as lines: status, then its history, then its artifacts. */
export function recordLines(record: DocumentRecord): string[] {
  const lines = [
    `${record.id}  ${record.status}  flow ${record.flowId}${record.stepId ? `  step ${record.stepId}` : ''}` +
      `  attempt ${record.attempt}  updated ${record.updatedAt}`,
  ];
  if (record.nextAttemptAt) lines.push(`next attempt at ${record.nextAttemptAt}`);
  lines.push('history:');
  for (const h of record.history) {
    const what = [h.code, h.message].filter(Boolean).join(': ');
    lines.push(
      `  ${h.at}  ${h.stepId || '-'} (${h.action}) #${h.attempt}  ${h.outcome}${what ? `  ${what}` : ''}`,
    );
  }
  lines.push('artifacts:');
  for (const a of record.artifacts)
    lines.push(`  ${a.name}  ${a.contentType}  ${a.size} bytes  sha256 ${a.sha256}`);
  if (record.variables && Object.keys(record.variables).length > 0) {
    lines.push('variables:');
    for (const [name, value] of Object.entries(record.variables)) lines.push(`  ${name} = ${value}`);
  }
  return lines;
}

export const status: CommandSpec = {
  name: 'status',
  description: "print a document's record: status, history, artifacts",
  usage: 'einvoice status ID [--url URL] [--api-key KEY] [--json]',
  details: 'Exit 0 when the record was read (whatever its status), 1 when it could not be.',
  options: [...SERVICE_OPTIONS, { ...JSON_OPTION, description: 'print the record as the API returns it' }],
  args: [{ name: 'ID', required: true, description: 'the document id that submit printed' }],
  examples: [
    { command: 'einvoice status 01kax3r1zj2m7n4p5q6r7s8t9v', comment: 'the record of one document' },
    {
      command: 'einvoice status 01kax3r1zj2m7n4p5q6r7s8t9v --json',
      comment: 'the same, as the JSON of GET /api/invoices/{id}',
    },
  ],
  async run(args, io) {
    const client = serviceClient(args, io);
    const record = await client.json<DocumentRecord>(
      'GET',
      `/invoices/${encodeURIComponent(args.positionals[0]!)}`,
    );
    if (args.flag('json')) io.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
    else io.stdout.write(`${recordLines(record).join('\n')}\n`);
    return 0;
  },
};
