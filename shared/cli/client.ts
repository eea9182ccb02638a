import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface ClientOptions {
  url: string;
  apiKey: string;
}

/** URL and API key: flags, then EINVOICE_URL / EINVOICE_API_KEY, then the local runtime's defaults. */
export function clientOptions(flags: { url?: string; 'api-key'?: string }, env = process.env): ClientOptions {
  const url = (flags.url ?? env.EINVOICE_URL ?? `http://127.0.0.1:${env.EINVOICE_PORT ?? '7071'}`).replace(
    /\/$/,
    '',
  );
  let apiKey = flags['api-key'] ?? env.EINVOICE_API_KEY ?? env.EINVOICE_LOCAL_API_KEY;
  if (!apiKey) {
    const file = join(resolve(env.EINVOICE_DATA_DIR ?? '.data'), 'local-api-key');
    if (existsSync(file)) apiKey = readFileSync(file, 'utf8').trim();
  }
  if (!apiKey)
    throw new Error('No API key: pass --api-key, set EINVOICE_API_KEY, or start the local runtime first');
  return { url, apiKey };
}

export async function request(
  options: ClientOptions,
  method: string,
  path: string,
  body?: { content: string; contentType: string },
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(options.url + path, {
    method,
    headers: { 'x-api-key': options.apiKey, ...(body ? { 'content-type': body.contentType } : {}) },
    ...(body ? { body: body.content } : {}),
  });
  const text = await response.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: response.status, json };
}

/** A one-line progress bar on stderr (only on a terminal). */
export class ProgressBar {
  private done = 0;
  constructor(
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  tick(label = ''): void {
    this.set(this.done + 1, label);
  }

  /** Shows `done` of the total as finished (drawn only on a terminal). */
  set(done: number, label = ''): void {
    if (done === this.done && done !== 0) return;
    this.done = done;
    if (!this.stream.isTTY) return;
    const width = 30;
    const filled = Math.round((this.done / this.total) * width);
    this.stream.write(
      `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${this.done}/${this.total} ${label}`.padEnd(70),
    );
    if (this.done === this.total) this.stream.write('\n');
  }
}
