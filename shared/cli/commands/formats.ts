import type { CommandSpec } from '../command';
import { registeredFormats } from '../documents';
import { JSON_OPTION } from '../options';

export const formats: CommandSpec = {
  name: 'formats',
  description: 'list the formats, and whether each also reads documents',
  usage: 'einvoice formats [--json]',
  options: [{ ...JSON_OPTION, description: 'print [{ id, description, reads }]' }],
  args: [],
  examples: [{ command: 'einvoice formats', comment: 'the format ids convert --to and flows accept' }],
  run(args, io) {
    const list = registeredFormats(io.env).list();
    if (args.flag('json'))
      io.stdout.write(
        `${JSON.stringify(
          list.map((f) => ({ id: f.id, description: f.description, reads: f.read !== undefined })),
          null,
          2,
        )}\n`,
      );
    else
      for (const f of list)
        io.stdout.write(`${f.id.padEnd(20)} ${f.description} (${f.read ? 'reads and writes' : 'writes'})\n`);
    return 0;
  },
};
