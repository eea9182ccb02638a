// The ObjectStore contract runs over PostgreSQL with the other adapters in object-store.test.ts; these are
// the properties of the PostgreSQL store itself: bytewise order whatever the database's collation, folder
// listings by index, several processes (pools) on one database, and failures that name the server.
import { readFileSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { PgConnection } from '../shared/adapters/pg-connection';
import { folderListingParams, folderListingSql, PgObjectStore } from '../shared/adapters/pg-object-store';
import { ConcurrencyError } from '../shared/errors';
import { freePort, onTeardown } from './support/temp';
import { postgresForTests } from './support/postgres';

const { describePg, server } = postgresForTests('the PostgreSQL store tests');

/** A connection pool as one process of the service has it, closed after the file. */
function connect(schema: string): PgConnection {
  const db = new PgConnection({ url: server.url, schema });
  onTeardown(() => db.end());
  return db;
}

interface PlanNode {
  'Node Type': string;
  'Actual Rows': number;
  'Actual Loops': number;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

describePg('PgObjectStore', () => {
  it('lists in byte order, though the database collates in English', async () => {
    const store = new PgObjectStore(connect(server.schema()));
    const names = ['b', 'B', 'a', 'Z', '_u', '-m', '.d', '0', '@x', '=e', '+p', 'b.x', 'b0', 'b-'];
    for (const name of names) await store.put(`f/${name}`, name);
    await store.put('f/b/inner', 'x');
    const expected = [...names, 'b/'].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    expect(await store.list('f/')).toEqual(expected);
    // after a sub-folder, past everything beneath it; after a name, its sub-folder of the same name comes next
    expect(await store.list('f/', { after: 'b/' })).toEqual(expected.slice(expected.indexOf('b/') + 1));
    expect(await store.list('f/', { after: 'b', limit: 2 })).toEqual(['b-', 'b.x']);
    expect(await store.list('f/', { after: 'b.x', limit: 1 })).toEqual(['b/']);
    // the folder's own name is a prefix of its neighbours': they are not its children
    await store.put('fa/x', 'x');
    await store.put('f0', 'x');
    expect(await store.list('f/')).toEqual(expected);
  });

  it('lists a folder by index seeks, not by reading what lies beneath its children', async () => {
    const db = connect(server.schema());
    const store = new PgObjectStore(db);
    await store.put('seed/x', 'x'); // creates the table
    // 3 children, one of them a folder with 20,000 objects beneath it
    await db.query(
      `INSERT INTO ${db.name('objects')} (key, body, content_type)
       SELECT 'big/docs/' || lpad(i::text, 6, '0') || '/record.json', '\\x00', 'application/json'
         FROM generate_series(1, 20000) AS i`,
    );
    await store.put('big/a.json', '{}');
    await store.put('big/z.json', '{}');
    await db.query(`ANALYZE ${db.name('objects')}`);
    expect(await store.list('big/')).toEqual(['a.json', 'docs/', 'z.json']);
    const explained = await db.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${folderListingSql(db.name('objects'))}`,
      folderListingParams('big/'),
    );
    const plan = nodes(explained.rows[0]!['QUERY PLAN'][0]!.Plan);
    expect(plan.filter((n) => n['Node Type'] === 'Seq Scan')).toEqual([]);
    const rowsRead = plan
      .filter((n) => n['Node Type'].startsWith('Index'))
      .reduce((sum, n) => sum + n['Actual Rows'] * n['Actual Loops'], 0);
    expect(rowsRead).toBeLessThan(10);
    // the documents folder pages by the same walk
    const page = await store.list('big/docs/', { after: '010000/', limit: 2 });
    expect(page).toEqual(['010001/', '010002/']);
  });

  it('lets one of two processes win a conditional write, and never gives an ETag out twice', async () => {
    const schema = server.schema();
    const [one, two] = [new PgObjectStore(connect(schema)), new PgObjectStore(connect(schema))];
    const etag = await one.put('r/record.json', 'v1', { ifNoneMatch: '*' });
    await expect(two.put('r/record.json', 'v1', { ifNoneMatch: '*' })).rejects.toBeInstanceOf(
      ConcurrencyError,
    );
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? one : two).put('r/record.json', `w${i}`, { ifMatch: etag }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const current = (await two.get('r/record.json'))!;
    await one.delete('r/record.json');
    const recreated = await two.put('r/record.json', current.body);
    expect(recreated).not.toBe(current.etag);
    expect(recreated).not.toBe(etag);
    // an ETag of another store matches nothing
    await expect(one.put('r/record.json', 'x', { ifMatch: '"j1"' })).rejects.toBeInstanceOf(ConcurrencyError);
  });

  it('keeps bodies byte for byte, with their content type', async () => {
    const store = new PgObjectStore(connect(server.schema()));
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await store.put('bin/all.bytes', bytes, { contentType: 'application/octet-stream' });
    await store.put('bin/doc.xml', '<a>ü</a>');
    expect((await store.get('bin/all.bytes'))!.body.equals(bytes)).toBe(true);
    expect(await store.get('bin/doc.xml')).toMatchObject({ contentType: 'application/xml' });
  });

  it('creates its tables once when several processes start on a fresh schema at the same moment', async () => {
    const schema = server.schema();
    const stores = Array.from({ length: 4 }, () => new PgObjectStore(connect(schema)));
    await Promise.all(stores.map((store, i) => store.put(`start/${i}`, String(i))));
    expect(await stores[0]!.list('start/')).toEqual(['0', '1', '2', '3']);
  });

  it('says which server is unavailable, never with the password', async () => {
    const port = await freePort();
    const db = new PgConnection({ url: `postgres://einvoice:s3cret-pw@127.0.0.1:${port}/docs` });
    onTeardown(() => db.end());
    const failure = await new PgObjectStore(db).get('any/key').catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'postgres.unavailable', retryable: true });
    expect((failure as Error).message).toContain(`127.0.0.1:${port}/docs`);
    expect((failure as Error).message).not.toContain('s3cret-pw');
  });

  it('takes the password from the lookup when the URL has none, special characters and all', async () => {
    // a user who must give a password (SCRAM) on this server, whose other users are trusted
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query(`CREATE ROLE pw_user LOGIN PASSWORD 'p@ss/wo:rd%'`);
    // a schema made for it beforehand, as a DBA would: it needs no right on the database itself
    const schema = server.schema();
    await admin.query(`CREATE SCHEMA ${schema} AUTHORIZATION pw_user`);
    const hba = (await admin.query<{ hba_file: string }>('SHOW hba_file')).rows[0]!.hba_file;
    writeFileSync(hba, `host all pw_user 127.0.0.1/32 scram-sha-256\n${readFileSync(hba, 'utf8')}`);
    await admin.query('SELECT pg_reload_conf()');
    await admin.end();
    const url = server.url.replace('postgres@', 'pw_user@');
    const connectWith = (password: string) => {
      const db = new PgConnection({
        url,
        schema,
        password: () => Promise.resolve(password),
      });
      onTeardown(() => db.end());
      return new PgObjectStore(db);
    };
    await expect(connectWith('wrong').get('pw/x')).rejects.toMatchObject({ code: 'postgres.unavailable' });
    await connectWith('p@ss/wo:rd%').put('pw/x', 'x');
  });
});
