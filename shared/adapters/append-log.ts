import { closeSync, fdatasync, fstatSync, openSync, writevSync } from 'node:fs';
import { transientFailure } from '../errors';

export interface AppendLogOptions {
  /** `fdatasync` after every group of writes, so that an acknowledged write survives a power loss. */
  sync?: boolean;
}

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * One file that is only ever appended to, with group commit: the chunks appended while a write is under
 * way go out together in one `writev`, and each `append` resolves when its bytes are in the file (and on
 * the disk, with `sync`). Appends land in the order they were made. Creating and renaming files costs
 * hundreds of microseconds on ordinary file systems; appending to an open file costs a few.
 *
 * After a failed write (a full disk, say) the log refuses every further append: what follows a lost chunk
 * must not land after it. The owner recovers by reopening the file, whose valid prefix is the truth.
 */
export class AppendLog {
  private readonly fd: number;
  private pending: Buffer[] = [];
  private waiters: Waiter[] = [];
  private writing = false;
  private failure: Error | undefined;
  private closed = false;
  /** Bytes in the file, including those appended but not yet written. */
  size: number;

  constructor(
    readonly path: string,
    private readonly options: AppendLogOptions = {},
  ) {
    this.fd = openSync(path, 'a');
    this.size = fstatSync(this.fd).size;
  }

  /** Appends `chunk`; returns the offset it starts at and a promise that settles when it is written. */
  append(chunk: Buffer): { offset: number; written: Promise<void> } {
    if (this.failure) return { offset: this.size, written: Promise.reject(this.failure) };
    if (this.closed) throw new Error(`${this.path} is closed`);
    const offset = this.size;
    this.size += chunk.length;
    this.pending.push(chunk);
    const written = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.writing) {
      this.writing = true;
      setImmediate(() => this.flush());
    }
    return { offset, written };
  }

  /** Resolves when everything appended so far is written. */
  async drain(): Promise<void> {
    if (this.pending.length === 0 && !this.writing) return;
    await this.append(Buffer.alloc(0)).written;
  }

  private flush(): void {
    const chunks = this.pending;
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    this.writing = true;
    this.writeAll(chunks, (error) => {
      this.writing = false;
      if (error) {
        this.failure = transientFailure(
          'store.write-failed',
          `Writing ${this.path} failed: ${error.message}`,
        );
        for (const w of [...waiters, ...this.waiters]) w.reject(this.failure);
        this.pending = [];
        this.waiters = [];
        return;
      }
      for (const w of waiters) w.resolve();
      if (this.pending.length > 0) this.flush();
    });
  }

  private writeAll(chunks: Buffer[], done: (error?: Error) => void): void {
    // Appends reach the page cache in microseconds: a synchronous write is cheaper than a thread-pool
    // round trip. Only the flush to disk, when asked for, is left to the thread pool.
    let rest = chunks;
    try {
      while (rest.length > 0) rest = remainder(rest, writevSync(this.fd, rest));
    } catch (error) {
      return done(error as Error);
    }
    if (!this.options.sync) return done();
    fdatasync(this.fd, (syncError) => done(syncError ?? undefined));
  }

  /** Waits for outstanding writes, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.drain().catch(() => undefined);
    this.closed = true;
    closeSync(this.fd);
  }
}

function remainder(chunks: Buffer[], written: number): Buffer[] {
  const rest: Buffer[] = [];
  let skip = written;
  for (const chunk of chunks) {
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    rest.push(skip > 0 ? chunk.subarray(skip) : chunk);
    skip = 0;
  }
  return rest;
}
