import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { applyLocalSettingsFile } from '../settings';
import { isObject } from '../util/json';
import { CommandFailure, UsageError, type CommandArgs, type CommandIo } from './command';

export interface ClientOptions {
  /** The service's origin and path prefix without `/api` and without a final slash. */
  base: string;
  /** The URL as people see it (`http://127.0.0.1:7071/api`), for messages. */
  display: string;
  apiKey?: string;
  /** Where the API key came from, for the hint after a 401. */
  keySource: string;
}

/**
 * Accepts the URL the server prints (`http://127.0.0.1:7071/api`) or its origin (`http://127.0.0.1:7071`),
 * with or without a trailing slash; returns it without `/api`. Undefined when it is not an http(s) URL.
 */
export function serviceBase(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  const path = parsed.pathname.replace(/\/+$/, '').replace(/\/api$/, '');
  return `${parsed.origin}${path}`;
}

/**
 * URL and API key: the options, then EINVOICE_URL / EINVOICE_API_KEY, then the local runtime's (its port
 * and data folder, from the environment or local.settings.json as `einvoice serve` reads them).
 */
export function clientOptions(
  flags: { url?: string | undefined; apiKey?: string | undefined },
  env: Record<string, string | undefined> = process.env,
): ClientOptions {
  const merged = { ...env };
  try {
    applyLocalSettingsFile(resolve('local.settings.json'), merged);
  } catch {
    // an unreadable local.settings.json is the runtime's problem (einvoice doctor reports it)
  }
  const url = flags.url || merged.EINVOICE_URL || `http://127.0.0.1:${merged.EINVOICE_PORT || '7071'}`;
  const base = serviceBase(url);
  if (base === undefined) {
    const source = flags.url ? '--url' : merged.EINVOICE_URL ? 'EINVOICE_URL' : 'EINVOICE_PORT';
    if (flags.url) throw new UsageError(`--url must be an http:// or https:// URL; got "${url}"`);
    throw new CommandFailure(`${source} does not make an http:// or https:// URL: "${url}"`);
  }
  let apiKey = flags.apiKey || merged.EINVOICE_API_KEY || merged.EINVOICE_LOCAL_API_KEY || undefined;
  let keySource = flags.apiKey
    ? '--api-key'
    : merged.EINVOICE_API_KEY
      ? 'EINVOICE_API_KEY'
      : 'EINVOICE_LOCAL_API_KEY';
  if (!apiKey) {
    const file = join(resolve(merged.EINVOICE_DATA_DIR || '.data'), 'local-api-key');
    keySource = file;
    if (existsSync(file)) apiKey = readFileSync(file, 'utf8').trim();
  }
  return { base, display: `${base}/api`, ...(apiKey ? { apiKey } : {}), keySource };
}

/** A problem+json answer (RFC 9457, with the service's `code` and located `errors`). */
export interface Problem {
  code?: string;
  title?: string;
  detail?: string;
  status?: number;
  instance?: string;
  errors?: Array<{ path?: string; message?: string; code?: string }>;
}

export interface Answer {
  status: number;
  contentType: string;
  headers: Headers;
  body: Buffer;
  /** The body as JSON, when it is JSON. */
  json?: unknown;
}

/** The service could not be reached at all. */
export class Unreachable extends CommandFailure {}

/**
 * Why a request failed, from the error and its causes: a code such as `ECONNREFUSED`, or a timeout.
 * (Duck-typed: errors of fetch may come from another realm than this module's `Error`.)
 */
export function networkReason(error: unknown, timeoutMs?: number): string {
  let cause: unknown = error;
  for (let depth = 0; depth < 5 && typeof cause === 'object' && cause !== null; depth++) {
    const { code, name, cause: next } = cause as { code?: unknown; name?: unknown; cause?: unknown };
    if (name === 'TimeoutError')
      return timeoutMs ? `no answer within ${timeoutMs / 1000} s` : 'no answer in time';
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
    if (next === undefined) break;
    cause = next;
  }
  const message = (cause as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : String(error);
}

/** The one HTTP client of the commands that talk to the service (submit, status, list, ...). */
/** The client of a command that declares the service options (`--url`, `--api-key`). */
export function serviceClient(args: CommandArgs, io: CommandIo): ServiceClient {
  return new ServiceClient(
    clientOptions({ url: args.string('url'), apiKey: args.string('api-key') }, io.env),
  );
}

export class ServiceClient {
  constructor(readonly options: ClientOptions) {}

  /** Sends a request under `/api`; a network failure is an `Unreachable` naming the URL and the reason. */
  async send(
    method: string,
    path: string,
    body?: { content: string; contentType: string },
    timeoutMs?: number,
  ): Promise<Answer> {
    let response: Response;
    try {
      response = await fetch(`${this.options.base}/api${path}`, {
        method,
        headers: {
          ...(this.options.apiKey ? { 'x-api-key': this.options.apiKey } : {}),
          ...(body ? { 'content-type': body.contentType } : {}),
        },
        ...(body ? { body: body.content } : {}),
        ...(timeoutMs ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
      });
    } catch (error) {
      throw new Unreachable(
        `cannot reach the service at ${this.options.display} (${networkReason(error, timeoutMs)}); ` +
          "start it with 'einvoice serve' (or npm start), or pass --url",
      );
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    const contentType = response.headers.get('content-type') ?? '';
    let json: unknown;
    if (/json/i.test(contentType)) {
      try {
        json = JSON.parse(bytes.toString('utf8'));
      } catch {
        // not JSON after all: the bytes stay
      }
    }
    return {
      status: response.status,
      contentType,
      headers: response.headers,
      body: bytes,
      ...(json !== undefined ? { json } : {}),
    };
  }

  /** A JSON answer of a 2xx; a problem answer becomes a `ProblemAnswer`. */
  async json<T>(method: string, path: string, body?: { content: string; contentType: string }): Promise<T> {
    const answer = await this.send(method, path, body);
    if (answer.status >= 400) throw new ProblemAnswer(answer, this.options);
    if (answer.json === undefined)
      throw new CommandFailure(
        `the service answered ${answer.status} without JSON (${answer.contentType || 'no content type'})`,
      );
    return answer.json as T;
  }

  /** The bytes of a 2xx answer, checked against `x-content-sha256` when the service sends it. */
  async bytes(path: string): Promise<Buffer> {
    const answer = await this.send('GET', path);
    if (answer.status >= 400) throw new ProblemAnswer(answer, this.options);
    const expected = answer.headers.get('x-content-sha256');
    if (expected && createHash('sha256').update(answer.body).digest('hex') !== expected)
      throw new CommandFailure(`the content does not match its sha256 ${expected} (damaged in transit)`);
    return answer.body;
  }
}

/** An answer of 400 or more: printed as `code: detail` and one line per located error. */
export class ProblemAnswer extends CommandFailure {
  readonly problem: Problem;
  constructor(
    readonly answer: Answer,
    options: ClientOptions,
  ) {
    const problem: Problem = isObject(answer.json)
      ? answer.json
      : {
          code: `http.${answer.status}`,
          title: answer.body.toString('utf8').slice(0, 200).trim() || `HTTP ${answer.status}`,
        };
    const lines = problemLines(problem);
    if (answer.status === 401) {
      lines.push(
        options.apiKey
          ? `the API key from ${options.keySource} is not accepted by ${options.display}`
          : `no API key: pass --api-key, set EINVOICE_API_KEY, or run in the folder of the local runtime (${options.keySource} is missing)`,
      );
    }
    super(lines[0]!, lines.slice(1));
    this.problem = problem;
  }
}

/** `code: detail` first, then `code path: message` for each located error. */
export function problemLines(problem: Problem): string[] {
  const text =
    [problem.title, problem.detail].filter((t) => typeof t === 'string' && t !== '').join(': ') ||
    'the service refused the request';
  const instance = typeof problem.instance === 'string' ? ` (instance ${problem.instance})` : '';
  const lines = [`${problem.code ? `${problem.code}: ` : ''}${text}${instance}`];
  for (const e of Array.isArray(problem.errors) ? problem.errors : []) {
    lines.push([e.code, e.path ? `${e.path}:` : undefined, e.message].filter(Boolean).join(' '));
  }
  return lines;
}

/** A one-line progress bar on stderr (only on a terminal). */
export class ProgressBar {
  private done = 0;
  constructor(
    private readonly total: number,
    private readonly stream: { write(text: string): unknown; isTTY?: boolean } = process.stderr,
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

/** A line of counts per status (`3 completed · 1 processing`), redrawn in place on a terminal. */
export class LiveCounts {
  private last = '';
  constructor(private readonly stream: { write(text: string): unknown; isTTY?: boolean }) {}

  show(counts: ReadonlyMap<string, number>): void {
    if (!this.stream.isTTY) return;
    const line = [...counts]
      .filter(([, n]) => n > 0)
      .map(([status, n]) => `${n} ${status}`)
      .join(' · ');
    if (line === this.last) return;
    this.last = line;
    this.stream.write(`\r\x1b[K${line}`);
  }

  /** Clears the line. */
  end(): void {
    if (this.stream.isTTY && this.last) this.stream.write('\r\x1b[K');
    this.last = '';
  }
}
