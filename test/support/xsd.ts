import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface XsdResult {
  file: string;
  errors: Array<{ line: number; message: string }>;
}

/** Validates XML documents against an XSD with libxml2 (in a child process: the library is ESM-only). */
export async function validateXsd(schema: string, documents: Record<string, string>): Promise<XsdResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'einvoice-xsd-'));
  try {
    const files: string[] = [];
    for (const [name, xml] of Object.entries(documents)) {
      const file = join(dir, name);
      await writeFile(file, xml);
      files.push(file);
    }
    const { stdout } = await run(process.execPath, [join(__dirname, 'xsd-validate.mjs'), schema, ...files], {
      maxBuffer: 64 * 1024 * 1024,
    });
    return (JSON.parse(stdout) as XsdResult[]).map((r) => ({ ...r, file: r.file.slice(dir.length + 1) }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
