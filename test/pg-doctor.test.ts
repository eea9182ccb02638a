import { main } from '../shared/cli/main';
import type { CommandIo } from '../shared/cli/command';
import { postgresForTests } from './support/postgres';
import { freePort, tempDir } from './support/temp';

const { describePg, server } = postgresForTests('the doctor tests on PostgreSQL');

async function doctor(env: Record<string, string>): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const io: CommandIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: () => true },
    env: {
      PATH: process.env.PATH,
      EINVOICE_DATA_DIR: tempDir(),
      EINVOICE_URL: `http://127.0.0.1:${await freePort()}`,
      ...env,
    },
  };
  const code = await main(['doctor'], io);
  return { code, stdout };
}

describe('einvoice doctor with the store on PostgreSQL', () => {
  it('fails, naming the server, when the database cannot be reached', async () => {
    const port = await freePort();
    const { code, stdout } = await doctor({
      EINVOICE_STORE: 'postgres',
      EINVOICE_POSTGRES_URL: `postgres://einvoice@127.0.0.1:${port}/einvoice`,
    });
    expect(code).toBe(1);
    expect(stdout).toMatch(
      new RegExp(
        `^FAIL postgres: PostgreSQL at 127\\.0\\.0\\.1:${port}/einvoice is not available \\(.*ECONNREFUSED`,
        'm',
      ),
    );
  });

  it('says when the URL is missing', async () => {
    const { code, stdout } = await doctor({ EINVOICE_STORE: 'postgres' });
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /^FAIL postgres: EINVOICE_STORE=postgres and EINVOICE_BUS=postgres need EINVOICE_POSTGRES_URL/m,
    );
  });
});

describePg('einvoice doctor with a PostgreSQL server', () => {
  it("reaches the database and says the version and whether the service's schema is there", async () => {
    const schema = server.schema();
    const env = {
      EINVOICE_STORE: 'postgres',
      EINVOICE_POSTGRES_URL: server.url,
      EINVOICE_POSTGRES_SCHEMA: schema,
    };
    const before = await doctor(env);
    expect(before.stdout).toMatch(
      new RegExp(
        `^ok {3}postgres: PostgreSQL \\d+\\.\\d+.* at 127\\.0\\.0\\.1:${server.port}/postgres, schema ${schema} created on first start$`,
        'm',
      ),
    );
    expect(before.stdout).not.toMatch(/^FAIL/m);
    // the bus alone on PostgreSQL is checked too, and a schema in place is said so
    const pg = await import('pg');
    const client = new pg.default.Client({ connectionString: server.url });
    await client.connect();
    await client.query(`CREATE SCHEMA "${schema}"`);
    await client.end();
    const after = await doctor({ ...env, EINVOICE_STORE: 'level', EINVOICE_BUS: 'postgres' });
    expect(after.stdout).toMatch(new RegExp(`^ok {3}postgres: .* schema ${schema} in place$`, 'm'));
  });
});
