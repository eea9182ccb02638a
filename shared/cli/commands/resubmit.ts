import { clientOptions, ServiceClient } from '../client';
import type { CommandSpec } from '../command';
import { JSON_OPTION, SERVICE_OPTIONS } from '../options';

export const resubmit: CommandSpec = {
  name: 'resubmit',
  description: 'start a failed, rejected or cancelled document again',
  usage: 'einvoice resubmit ID [--url URL] [--api-key KEY] [--json]',
  details:
    'Prints the new status and the id. Exit 1 when the service refuses (a completed document, or one ' +
    'still running, answers document.not-resubmittable).',
  options: [...SERVICE_OPTIONS, { ...JSON_OPTION, description: 'print the JSON answer' }],
  args: [{ name: 'ID', required: true, description: 'the document id' }],
  examples: [
    {
      command: 'einvoice resubmit 01KAX3R1ZJ2M7N4P5Q6R7S8T9V',
      comment: 'retry a document that failed (after fixing what made it fail)',
    },
  ],
  async run(args, io) {
    const client = new ServiceClient(
      clientOptions({ url: args.string('url'), apiKey: args.string('api-key') }, io.env),
    );
    const answer = await client.json<{ id: string; status: string }>(
      'POST',
      `/invoices/${encodeURIComponent(args.positionals[0]!)}/resubmit`,
    );
    io.stdout.write(
      args.flag('json')
        ? `${JSON.stringify(answer, null, 2)}\n`
        : `${answer.status.padEnd(10)} ${answer.id}\n`,
    );
    return 0;
  },
};
