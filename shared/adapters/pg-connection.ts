import pg from 'pg';
import { EInvoiceError } from '../errors';
import { checkPostgresSchema, checkPostgresUrl, DEFAULT_PG_SCHEMA, describePostgresUrl } from '../settings';

export interface PgConnectionOptions {
  /**
   * A `postgres://` (or `postgresql://`) connection string. What it leaves out comes from the driver's
   * standard variables (PGHOST, PGUSER, PGPASSWORD, PGSSLMODE, ...).
   */
  url: string;
  /** The PostgreSQL schema that holds the service's tables, created when missing. Default `einvoice`. */
  schema?: string;
  /** Connections this process opens at most (the listener for notifications comes on top). Default 10. */
  poolSize?: number;
  /**
   * Asked once, before the first connection, when the URL carries no password: PGPASSWORD, or a secret.
   * Undefined leaves authentication to the server's rules (trust, peer) and the driver.
   */
  password?: () => Promise<string | undefined>;
  /** Told of errors on idle connections (the pool drops them and opens new ones when needed). */
  onIdleError?: (error: Error) => void;
}

/** SQLSTATE classes and socket errors that say the server cannot be reached or refused us, not the query. */
const CONNECTION_CLASSES = ['08', '28', '3D', '53', '57'];
const SOCKET_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
]);

function isConnectionFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string')
    return (
      error instanceof Error &&
      /Connection terminated|timeout exceeded when trying to connect/i.test(error.message)
    );
  return SOCKET_ERRORS.has(code) || CONNECTION_CLASSES.some((c) => code.startsWith(c));
}

/**
 * One process's connections to the PostgreSQL database the store and the bus share: a `pg.Pool`, opened
 * at the first query (so that a password from the secret store can be looked up first), the schema the
 * tables live in, and the schema creation both adapters run at start. Failures become `EInvoiceError`s
 * that say which server (and never with what password): `postgres.unavailable` when the server cannot be
 * reached or refused the connection, `postgres.failed` otherwise; both are retryable, so a stage message
 * whose step met them is redelivered.
 */
export class PgConnection {
  readonly schema: string;
  /** `host:port/database`, for messages. */
  readonly where: string;
  private pool: Promise<pg.Pool> | undefined;
  private ended = false;

  constructor(private readonly options: PgConnectionOptions) {
    checkPostgresUrl(options.url);
    this.schema = checkPostgresSchema(options.schema ?? DEFAULT_PG_SCHEMA);
    this.where = describePostgresUrl(options.url);
  }

  /** A table (or sequence) of the service's schema, quoted for SQL. */
  name(table: string): string {
    return `${pg.escapeIdentifier(this.schema)}.${pg.escapeIdentifier(table)}`;
  }

  /** The driver's configuration: the URL, with the password looked up when it carries none. */
  private async config(): Promise<pg.ClientConfig> {
    const url = new URL(this.options.url);
    if (!url.password && this.options.password) {
      const password = await this.options.password();
      // A URL without a host (a local socket given as ?host=) cannot carry one: the driver's PGPASSWORD applies.
      if (password && url.host) url.password = encodeURIComponent(password);
    }
    return {
      connectionString: url.toString(),
      application_name: 'einvoice',
      keepAlive: true,
      // a server that does not answer (a dropped route) fails a query in 10 s, not after TCP's minutes
      connectionTimeoutMillis: 10_000,
    };
  }

  private openPool(): Promise<pg.Pool> {
    if (this.ended) return Promise.reject(this.failure(new Error('the connection pool is closed')));
    if (!this.pool) {
      const opening = this.config().then((config) => {
        const pool = new pg.Pool({ ...config, max: this.options.poolSize ?? 10 });
        // Without a listener, an idle connection the server drops would crash the process.
        pool.on('error', (error) => this.options.onIdleError?.(error));
        return pool;
      });
      // A failed password lookup is tried again by the next query.
      opening.catch(() => {
        if (this.pool === opening) this.pool = undefined;
      });
      this.pool = opening;
    }
    return this.pool;
  }

  /** The same failure, said in the service's terms, with the server it concerns. */
  failure(error: unknown): EInvoiceError {
    if (error instanceof EInvoiceError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return isConnectionFailure(error)
      ? new EInvoiceError(
          'postgres.unavailable',
          `PostgreSQL at ${this.where} is not available (${message}): check EINVOICE_POSTGRES_URL and that the server runs`,
          { status: 503, retryable: true, cause: error },
        )
      : new EInvoiceError('postgres.failed', `PostgreSQL at ${this.where}: ${message}`, {
          status: 503,
          retryable: true,
          cause: error,
        });
  }

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    const pool = await this.openPool().catch((error: unknown) => {
      throw this.failure(error);
    });
    try {
      return await pool.query<R>(text, values);
    } catch (error) {
      throw this.failure(error);
    }
  }

  /** Runs `work` in one transaction on one connection: committed when it returns, rolled back when it throws. */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await (await this.openPool()).connect();
    } catch (error) {
      throw this.failure(error);
    }
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      // A connection in an unknown state is not given back to the pool.
      client.release(true);
      throw this.failure(error);
    }
  }

  /**
   * Creates the schema and runs `statements` (each `CREATE ... IF NOT EXISTS`) in one transaction. Several
   * processes starting at once take turns on an advisory lock: concurrent `CREATE TABLE IF NOT EXISTS` of
   * the same table can otherwise fail on PostgreSQL's catalogue.
   */
  async ensureSchema(statements: string[]): Promise<void> {
    await this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`einvoice-schema:${this.schema}`]);
      // Created only when missing: a schema a DBA made needs no CREATE right on the database.
      const found = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.schema]);
      if (found.rowCount === 0) await client.query(`CREATE SCHEMA ${pg.escapeIdentifier(this.schema)}`);
      for (const statement of statements) await client.query(statement);
    });
  }

  /** A connection of its own, outside the pool (LISTEN keeps one for the life of the process). */
  async dedicatedClient(): Promise<pg.Client> {
    if (this.ended) throw this.failure(new Error('the connection pool is closed'));
    const client = new pg.Client(await this.config());
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw this.failure(error);
    }
    return client;
  }

  /** Whether `end` was called: nothing opens again. */
  get isEnded(): boolean {
    return this.ended;
  }

  /** Closes every pooled connection; later queries fail. */
  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    const pool = await this.pool?.catch(() => undefined);
    await pool?.end();
  }
}
