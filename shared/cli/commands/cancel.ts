import { clientOptions, ServiceClient } from '../client';
import type { CommandSpec } from '../command';
import { JSON_OPTION, SERVICE_OPTIONS } from '../options';

export const cancel: CommandSpec = {
  name: 'cancel',
  description: 'stop a document that has not finished',
  usage: 'einvoice cancel ID [--url URL] [--api-key KEY] [--json]',
  details:
    'Prints `cancelled ID`. Exit 1 when the service refuses: a document that already reached a final ' +
    'status answers document.finished.',
  options: [...SERVICE_OPTIONS, { ...JSON_OPTION, description: 'print the JSON answer' }],
  args: [{ name: 'ID', required: true, description: 'the document id' }],
  examples: [
    {
      command: 'einvoice cancel 01KAX3R1ZJ2M7N4P5Q6R7S8T9V',
      comment: 'stop a document waiting for its next submission attempt',
    },
  ],
  async run(args, io) {
    const client = new ServiceClient(
      clientOptions({ url: args.string('url'), apiKey: args.string('api-key') }, io.env),
    );
    const answer = await client.json<{ id: string; status: string }>(
      'POST',
      `/invoices/${encodeURIComponent(args.positionals[0]!)}/cancel`,
    );
    io.stdout.write(
      args.flag('json')
        ? `${JSON.stringify(answer, null, 2)}\n`
        : `${answer.status.padEnd(10)} ${answer.id}\n`,
    );
    return 0;
  },
};
