import { readFileSync } from 'node:fs';
import { serviceClient } from '../client';
import { UsageError, type CommandSpec } from '../command';
import { checks, JSON_OPTION, SERVICE_OPTIONS } from '../options';

export const related: CommandSpec = {
  name: 'related',
  description: 'start a document that refers to another: a cancellation, a correction',
  usage: 'einvoice related ID --kind KIND [--data JSON|@FILE] [--url URL] [--api-key KEY] [--json]',
  details:
    "POSTs /api/invoices/{id}/related. The kinds are those the document's feature declares (docs/features.md), " +
    'each allowed from some statuses of the original: a refusal (related.not-allowed, 409) exits 1. Prints the ' +
    "new document's status and id; both records then name each other (relatedTo, related).",
  options: [
    ...SERVICE_OPTIONS,
    {
      name: 'kind',
      type: 'string',
      value: 'KIND',
      required: true,
      description: 'the kind of related submission (cancel, correct, ...)',
      check: (value) => (/^[a-z][a-z0-9-]{0,31}$/.test(value) ? undefined : 'a kind such as cancel'),
    },
    { name: 'data', type: 'string', value: 'JSON', description: "the related document's input, or @FILE" },
    { ...JSON_OPTION, description: 'print the JSON answer' },
  ],
  args: [{ name: 'ID', required: true, description: 'the document it refers to' }],
  examples: [
    {
      command: 'einvoice related 01kax3r1zj2m7n4p5q6r7s8t9v --kind cancel --data \'{"reason":"02"}\'',
      comment: 'cancel an accepted invoice at the authority',
    },
  ],
  async run(args, io) {
    const text = args.string('data');
    let data: unknown = {};
    if (text !== undefined) {
      const source = text.startsWith('@') ? readFileSync(text.slice(1), 'utf8') : text;
      const problem = checks.jsonObject(source);
      if (problem) throw new UsageError(`--data must be ${problem}`);
      data = JSON.parse(source);
    }
    const client = serviceClient(args, io);
    const answer = await client.json<{ id: string; status: string }>(
      'POST',
      `/invoices/${encodeURIComponent(args.positionals[0]!)}/related`,
      { content: JSON.stringify({ kind: args.string('kind'), data }), contentType: 'application/json' },
    );
    io.stdout.write(
      args.flag('json')
        ? `${JSON.stringify(answer, null, 2)}\n`
        : `${answer.status.padEnd(10)} ${answer.id}\n`,
    );
    return 0;
  },
};
