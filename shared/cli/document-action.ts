import { serviceClient } from './client';
import type { CommandSpec } from './command';
import { JSON_OPTION, SERVICE_OPTIONS } from './options';

/**
 * A command that POSTs one of a document's actions (`/invoices/{id}/<action>`) and prints the status it
 * reached and the id; a refusal (409 and its code) is a problem printed by the client, exit 1.
 */
export function documentActionCommand(spec: {
  action: 'cancel' | 'resubmit';
  description: string;
  details: string;
  example: { command: string; comment: string };
}): CommandSpec {
  return {
    name: spec.action,
    description: spec.description,
    usage: `einvoice ${spec.action} ID [--url URL] [--api-key KEY] [--json]`,
    details: spec.details,
    options: [...SERVICE_OPTIONS, { ...JSON_OPTION, description: 'print the JSON answer' }],
    args: [{ name: 'ID', required: true, description: 'the document id' }],
    examples: [spec.example],
    async run(args, io) {
      const client = serviceClient(args, io);
      const answer = await client.json<{ id: string; status: string }>(
        'POST',
        `/invoices/${encodeURIComponent(args.positionals[0]!)}/${spec.action}`,
      );
      io.stdout.write(
        args.flag('json')
          ? `${JSON.stringify(answer, null, 2)}\n`
          : `${answer.status.padEnd(10)} ${answer.id}\n`,
      );
      return 0;
    },
  };
}
