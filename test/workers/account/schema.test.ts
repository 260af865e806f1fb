import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ensureSchema, SCHEMA_VERSION } from '../../../src/account/stores/schema';
import { Sql } from '../../../src/account/stores/sql';
import { accountStub, newUserId } from '../../support/helpers';

describe('the account schema', () => {
  it('is created once at its version, and setting it up again changes nothing', async () => {
    const stub = accountStub(newUserId('schema'));
    expect((await stub.balance({ openIfNew: true })).ok).toBe(true);
    await runInDurableObject(stub, (_instance, state) => {
      ensureSchema(new Sql(state.storage.sql), state.storage);
      expect(state.storage.sql.exec<{ version: number }>('SELECT version FROM schema_version').toArray()).toEqual([
        { version: SCHEMA_VERSION },
      ]);
    });
  });

  it('refuses to run on a version this build does not know, naming both', async () => {
    const stub = accountStub(newUserId('schema'));
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec('UPDATE schema_version SET version = 99');
      expect(() => ensureSchema(new Sql(state.storage.sql), state.storage)).toThrow(
        new RegExp(`stored version 99.*knows only ${SCHEMA_VERSION}`),
      );
      state.storage.sql.exec('UPDATE schema_version SET version = ?', SCHEMA_VERSION);
    });
  });
});
