import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { idempotencyKeys } from '../../../src/account/contract/keys';
import { accountStub, expectAuditOk, newUserId, postUsage, type AccountStub } from '../../support/helpers';

// What the hot paths cost in SQLite rows written (every index entry a row, and rows are most of the
// bill). The bounds are today's counts: a change that writes more on every deduction fails here.

/** Count rows written by every statement the object runs from now on; `read` returns the total so far. */
async function countRowsWritten(stub: AccountStub): Promise<{ read: () => Promise<number> }> {
  await runInDurableObject(stub, (_instance, state) => {
    const sql = state.storage.sql as SqlStorage & { rowsCounted?: number };
    if (sql.rowsCounted !== undefined) return;
    const exec = sql.exec.bind(sql);
    sql.rowsCounted = 0;
    sql.exec = ((query: string, ...args: SqlStorageValue[]) => {
      const cursor = exec(query, ...args);
      // Written rows are counted once the statement ran: read them after its rows were taken.
      const raw = cursor.raw.bind(cursor);
      let counted = false;
      const count = () => {
        if (!counted) sql.rowsCounted! += cursor.rowsWritten;
        counted = true;
      };
      cursor.raw = (() => {
        const rows = [...raw()];
        count();
        return rows[Symbol.iterator]();
      }) as typeof cursor.raw;
      queueMicrotask(count);
      return cursor;
    }) as typeof sql.exec;
  });
  return {
    read: () =>
      runInDurableObject(
        stub,
        (_instance, state) => (state.storage.sql as SqlStorage & { rowsCounted: number }).rowsCounted,
      ),
  };
}

const usage = { agent: 'code', model: 'haiku', input_tokens: 120, output_tokens: 80 };

describe('rows written on the hot paths', () => {
  it('a usage deduction over HTTP writes at most 9 rows once the day has begun', async () => {
    const userId = newUserId('rows');
    const stub = accountStub(userId);
    // The first deduction opens the account and the day's counters, and fills the price book.
    expect((await postUsage(userId, usage)).status).toBe(200);
    const rows = await countRowsWritten(stub);
    const before = await rows.read();
    expect((await postUsage(userId, usage)).status).toBe(200);
    const written = (await rows.read()) - before;
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThanOrEqual(9);
    await expectAuditOk(stub);
  });

  it('a reservation writes at most 4 rows and its commit at most 10', async () => {
    const userId = newUserId('rows');
    const stub = accountStub(userId);
    expect((await postUsage(userId, usage)).status).toBe(200);
    const rows = await countRowsWritten(stub);
    const before = await rows.read();
    const held = await stub.reserve({
      agent: 'code',
      model: 'haiku',
      estimatedTokens: 500,
      idempotencyKey: idempotencyKeys.reservation(crypto.randomUUID()),
    });
    if (!held.ok) throw new Error(held.failure.message);
    const reserved = (await rows.read()) - before;
    const committed = await stub.commitReservation({
      reservationId: held.value.result.id,
      inputTokens: 200,
      outputTokens: 100,
    });
    expect(committed.ok).toBe(true);
    const written = (await rows.read()) - before;
    expect(reserved).toBeLessThanOrEqual(4);
    expect(written - reserved).toBeLessThanOrEqual(10);
    await expectAuditOk(stub);
  });
});
