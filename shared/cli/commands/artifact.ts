import { writeFileSync } from 'node:fs';
import { serviceClient } from '../client';
import type { CommandSpec } from '../command';
import { OUTPUT_OPTION, SERVICE_OPTIONS } from '../options';

export const artifact: CommandSpec = {
  name: 'artifact',
  description: "save or print one of a document's stored artifacts",
  usage: 'einvoice artifact ID NAME [-o FILE] [--url URL] [--api-key KEY]',
  details:
    "The bytes are checked against the artifact's sha256 before they are written. The names are those " +
    '`einvoice status ID` lists under artifacts. Exit 1 when the document or the artifact does not exist.',
  options: [...SERVICE_OPTIONS, OUTPUT_OPTION],
  args: [
    { name: 'ID', required: true, description: 'the document id' },
    { name: 'NAME', required: true, description: 'the artifact name, e.g. signed.xml' },
  ],
  examples: [
    {
      command: 'einvoice artifact 01kax3r1zj2m7n4p5q6r7s8t9v signed.xml -o signed.xml',
      comment: 'save the signed invoice',
    },
    {
      command: 'einvoice artifact 01kax3r1zj2m7n4p5q6r7s8t9v validation.json',
      comment: 'print the validation report',
    },
  ],
  async run(args, io) {
    const [id, name] = args.positionals as [string, string];
    const client = serviceClient(args, io);
    const bytes = await client.bytes(
      `/invoices/${encodeURIComponent(id)}/artifacts/${encodeURIComponent(name)}`,
    );
    const output = args.string('output');
    if (output === undefined) io.stdout.write(bytes);
    else {
      writeFileSync(output, bytes);
      io.stderr.write(`wrote ${output} (${bytes.length} bytes)\n`);
    }
    return 0;
  },
};
