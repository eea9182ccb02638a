import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Action } from '../engine/action';

/**
 * `deliver-folder`: the export channel. Writes an artifact into `{folder}/{tenantId}/{fileName}` through a
 * temporary file and a rename, so a reader of the folder never sees a partial file. Delivering the same
 * document again replaces the file: the step is idempotent.
 */
export function deliverFolderAction(defaultFolder: string): Action {
  return {
    name: 'deliver-folder',
    stage: 'submit',
    description: 'Deliver an artifact to an outbox folder',
    paramsSchema: {
      type: 'object',
      required: ['input'],
      additionalProperties: false,
      properties: {
        input: { type: 'string' },
        folder: { type: 'string', minLength: 1 },
        fileName: { type: 'string', pattern: '^[A-Za-z0-9._{}-]+$' },
      },
    },
    async run(context) {
      const input = context.params.input as string;
      const folder = join(
        (context.params.folder as string | undefined) ?? defaultFolder,
        context.record.tenantId,
      );
      const fileName = (context.params.fileName as string | undefined) ?? `${context.record.id}-${input}`;
      const content = await context.readArtifact(input);
      await mkdir(folder, { recursive: true });
      const temp = join(folder, `.${fileName}.${randomBytes(4).toString('hex')}.tmp`);
      await writeFile(temp, content);
      await rename(temp, join(folder, fileName));
      await context.writeArtifact(
        'delivery.json',
        JSON.stringify({ channel: 'folder', fileName, size: content.length, at: new Date().toISOString() }),
        'application/json',
      );
      return { outcome: 'accepted' };
    },
  };
}
