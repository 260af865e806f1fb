import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ensureSchema, MIGRATIONS, SCHEMA_VERSION } from '../../../src/account/stores/schema';
import { SCHEMA_SNAPSHOT } from '../../../src/account/stores/schemaSnapshot';
import { Sql } from '../../../src/account/stores/sql';
import { accountStub, newUserId } from '../../support/helpers';

// A new object is created from the snapshot of the schema's last version; an object of an older
// version is brought up by the chain. The two must build the same schema, statement for statement.

const OWN_OBJECTS = "name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";

/** The schema as SQLite stores it, in creation order, less the version table ensureSchema makes first. */
function storedSchema(sql: SqlStorage): string[] {
  return sql
    .exec<{ sql: string }>(
      `SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND ${OWN_OBJECTS} AND name <> 'schema_version' ORDER BY rowid`,
    )
    .toArray()
    .map((row) => row.sql);
}

function dropEverything(sql: SqlStorage): void {
  for (const { name } of sql
    .exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND ${OWN_OBJECTS}`)
    .toArray())
    sql.exec(`DROP TABLE "${name}"`);
}

/** The file the snapshot should be, for the failure message. */
function snapshotFile(statements: string[]): string {
  return `export const SCHEMA_SNAPSHOT = {\n  version: ${SCHEMA_VERSION},\n  statements: [\n${statements
    .map((s) => `    \`${s}\`,`)
    .join('\n')}\n  ],\n};`;
}

describe('the schema snapshot', () => {
  it('is what the migration chain builds at its last version', async () => {
    const stub = accountStub(newUserId('snapshot'));
    const { byChain, bySnapshot } = await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      const bySnapshot = storedSchema(sql);
      dropEverything(sql);
      // A copy of the chain: ensureSchema takes the snapshot only for the build's own chain.
      ensureSchema(new Sql(sql), state.storage, [...MIGRATIONS]);
      return { byChain: storedSchema(sql), bySnapshot };
    });
    const regenerate = `src/account/stores/schemaSnapshot.ts is stale; its statements should be:\n${snapshotFile(byChain)}`;
    expect(SCHEMA_SNAPSHOT.version, regenerate).toBe(SCHEMA_VERSION);
    expect(SCHEMA_SNAPSHOT.statements, regenerate).toEqual(byChain);
    // The new object above was built from the snapshot, not the chain.
    expect(bySnapshot).toEqual(byChain);
  });

  it('builds a new object in one schema statement, with its version stored', async () => {
    const stub = accountStub(newUserId('snapshot'));
    const statements = await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      dropEverything(sql);
      const ran: string[] = [];
      const counted = new Sql(sql);
      const exec = sql.exec.bind(sql);
      sql.exec = ((query: string, ...args: SqlStorageValue[]) => {
        ran.push(query.trim().split(/\s+/).slice(0, 3).join(' '));
        return exec(query, ...args);
      }) as typeof sql.exec;
      try {
        ensureSchema(counted, state.storage);
      } finally {
        sql.exec = exec;
      }
      expect(sql.exec<{ version: number }>('SELECT version FROM schema_version').one().version).toBe(SCHEMA_VERSION);
      return ran;
    });
    // The version read (no table yet), the version table, the snapshot, the version row.
    expect(statements).toEqual([
      'SELECT version FROM',
      'CREATE TABLE IF',
      expect.stringMatching(/^CREATE TABLE/),
      'INSERT INTO schema_version',
    ]);
  });

  it('reads the stored version in one statement when the object wakes', async () => {
    const stub = accountStub(newUserId('snapshot'));
    const statements = await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      let ran = 0;
      const exec = sql.exec.bind(sql);
      sql.exec = ((query: string, ...args: SqlStorageValue[]) => {
        ran++;
        return exec(query, ...args);
      }) as typeof sql.exec;
      try {
        ensureSchema(new Sql(sql), state.storage);
      } finally {
        sql.exec = exec;
      }
      return ran;
    });
    expect(statements).toBe(1);
  });
});
