import { ConcurrencyError } from '../errors';
import type { ListOptions, ObjectStore, PutOptions, StoredObject } from '../ports/object-store';
import { checkKey, contentTypeOf } from './object-keys';
import type { PgConnection } from './pg-connection';

/** Tables of the store in the connection's schema. */
export const PG_OBJECTS_TABLE = 'objects';
const VERSIONS_SEQUENCE = 'object_versions';

/**
 * `"p<version>"`: versions come from one sequence, so an object deleted and created again never gets an
 * ETag it had before, and a writer holding the old one cannot overwrite the new object.
 */
function etagOf(version: string): string {
  return `"p${version}"`;
}

function versionOf(etag: string): string | undefined {
  return /^"p(\d{1,19})"$/.exec(etag)?.[1];
}

/**
 * The direct children of a folder, in one statement, by a walk over the primary key's index (a "loose index
 * scan"): each step seeks the first key after the previous child and takes the name up to the next `/`;
 * after a sub-folder `name/` it seeks past everything beneath it, at `name0` (`0` follows `/` in byte
 * order). So a folder with ten children and a million objects beneath them costs ten index seeks, not a
 * million rows. Parameters: $1 the folder (ending in `/`), $2 the first key to consider (inclusive), $3
 * the position after the folder's name, $4 the bound past the folder's last key (exclusive), $5 how many.
 * Keys compare bytewise (`COLLATE "C"`), as the port requires.
 */
export function folderListingSql(table: string): string {
  const child = (alias: string) => `substring(substr(${alias}.key, $3::int) FROM '^[^/]*/?')`;
  const after = `CASE WHEN right(w.name, 1) = '/' THEN $1 || left(w.name, -1) || '0' ELSE $1 || w.name || chr(1) END`;
  return `WITH RECURSIVE walk(name, n) AS (
      (SELECT ${child('o')}, 1 FROM ${table} o
        WHERE o.key >= $2::text COLLATE "C" AND o.key < $4::text COLLATE "C"
        ORDER BY o.key LIMIT 1)
      UNION ALL
      SELECT (SELECT ${child('o')} FROM ${table} o
                WHERE o.key >= (${after}) COLLATE "C" AND o.key < $4::text COLLATE "C"
                ORDER BY o.key LIMIT 1),
             w.n + 1
        FROM walk w WHERE w.name IS NOT NULL AND w.n < $5::int
    )
    SELECT name FROM walk WHERE name IS NOT NULL ORDER BY n`;
}

/** The parameters of `folderListingSql` for a folder and the port's listing options. */
export function folderListingParams(prefix: string, options: ListOptions = {}): unknown[] {
  const folder = prefix.endsWith('/') ? prefix : `${prefix}/`;
  const after = options.after;
  // the smallest key past `after` and, for a sub-folder, past everything beneath it (chr(1) is the
  // smallest character a key can continue with: PostgreSQL text holds no NUL)
  const start =
    after === undefined
      ? folder
      : after.endsWith('/')
        ? `${folder}${after.slice(0, -1)}0`
        : `${folder}${after}\u0001`;
  const end = `${folder.slice(0, -1)}0`;
  return [folder, start, folder.length + 1, end, options.limit ?? 2_147_483_647];
}

/**
 * An `ObjectStore` in PostgreSQL, shared by every process of the service on the same database: one row
 * per object (key, body as `bytea`, content type, version). Each write is one statement, so readers see the
 * old or the new object; `ifMatch` is an `UPDATE ... WHERE version = ...` and `ifNoneMatch: '*'` an
 * `INSERT ... ON CONFLICT DO NOTHING`, so of concurrent conditional writers on any number of machines
 * exactly one wins, and the others get the `ConcurrencyError` every store throws. The table is created at
 * the first use (`CREATE TABLE IF NOT EXISTS`).
 */
export class PgObjectStore implements ObjectStore {
  private ready: Promise<void> | undefined;
  private readonly table: string;
  private readonly listing: string;

  constructor(private readonly db: PgConnection) {
    this.table = db.name(PG_OBJECTS_TABLE);
    this.listing = folderListingSql(this.table);
  }

  /** The schema, at the first use; a failure (the server not up yet) is tried again by the next call. */
  private schema(): Promise<void> {
    if (!this.ready) {
      const sequence = this.db.name(VERSIONS_SEQUENCE);
      const creating = this.db.ensureSchema([
        `CREATE SEQUENCE IF NOT EXISTS ${sequence}`,
        `CREATE TABLE IF NOT EXISTS ${this.table} (
          key text COLLATE "C" PRIMARY KEY,
          body bytea NOT NULL,
          content_type text NOT NULL,
          version bigint NOT NULL DEFAULT nextval('${sequence.replace(/'/g, "''")}'),
          updated_at timestamptz NOT NULL DEFAULT now()
        )`,
      ]);
      creating.catch(() => {
        if (this.ready === creating) this.ready = undefined;
      });
      this.ready = creating;
    }
    return this.ready;
  }

  private async query(text: string, values: unknown[]) {
    await this.schema();
    return this.db.query(text, values);
  }

  async get(key: string): Promise<StoredObject | undefined> {
    checkKey(key);
    const { rows } = await this.query(
      `SELECT body, content_type, version FROM ${this.table} WHERE key = $1`,
      [key],
    );
    const row = rows[0] as { body: Buffer; content_type: string; version: string } | undefined;
    return row && { body: row.body, etag: etagOf(row.version), contentType: row.content_type };
  }

  async put(key: string, body: Buffer | string, options: PutOptions = {}): Promise<string> {
    checkKey(key);
    const data = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    const contentType = options.contentType ?? contentTypeOf(key);
    // Both conditions at once can never hold: an existing object fails one, a missing object the other.
    if (options.ifMatch !== undefined && options.ifNoneMatch) throw new ConcurrencyError(key);
    const { rows } =
      options.ifMatch !== undefined
        ? await this.replace(key, data, contentType, options.ifMatch)
        : await this.query(
            `INSERT INTO ${this.table} (key, body, content_type) VALUES ($1, $2, $3)
             ON CONFLICT (key) ${
               options.ifNoneMatch
                 ? 'DO NOTHING'
                 : 'DO UPDATE SET body = EXCLUDED.body, content_type = EXCLUDED.content_type, version = EXCLUDED.version, updated_at = now()'
             }
             RETURNING version`,
            [key, data, contentType],
          );
    const version = (rows[0] as { version: string } | undefined)?.version;
    if (version === undefined) throw new ConcurrencyError(key);
    return etagOf(version);
  }

  /** Writes over the object only while it still has the version the ETag names. */
  private async replace(key: string, data: Buffer, contentType: string, etag: string) {
    const expected = versionOf(etag);
    // An ETag this store never gave out (another store's) matches no version.
    if (expected === undefined) return { rows: [] };
    return this.query(
      `UPDATE ${this.table} SET body = $2, content_type = $3, version = DEFAULT, updated_at = now()
       WHERE key = $1 AND version = $4 RETURNING version`,
      [key, data, contentType, expected],
    );
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    await this.query(`DELETE FROM ${this.table} WHERE key = $1`, [key]);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<string[]> {
    checkKey(prefix, true);
    if (options.limit !== undefined && options.limit <= 0) return [];
    const { rows } = await this.query(this.listing, folderListingParams(prefix, options));
    return rows.map((row) => (row as { name: string }).name);
  }
}
