import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { idempotencyKeys } from '../../../src/account/contract/keys';
import { CATALOG_TTL_MS, OUTBOX_FLUSH_DELAY_MS, PROJECTS_PER_USER_MAX } from '../../../src/money/limits';
import {
  accountStub,
  expectAuditOk,
  grantTokens,
  newUserId,
  postUsage,
  setClock,
  type AccountStub,
} from '../../support/helpers';
import { execute, newProject } from '../../support/projectHelpers';

// What the hot paths cost in SQLite rows written (every index entry a row, and rows are most of the
// bill: docs/scale.md), statements run and rows read. The bounds are the targets the storage is
// built to: a change that writes more on every deduction fails here. "All-in" counts the alarm's
// flush to D1 too, and the keys table (where a purge would later delete what a request wrote).

interface Counts {
  statements: number;
  rowsWritten: number;
  rowsRead: number;
}

type Counted = SqlStorage & { counts?: Counts };

/** Count every statement the object runs from now on; `read` returns the totals so far. */
async function countStorage(stub: AccountStub): Promise<{ read: () => Promise<Counts> }> {
  await runInDurableObject(stub, (_instance, state) => {
    const sql = state.storage.sql as Counted;
    if (sql.counts !== undefined) return;
    const exec = sql.exec.bind(sql);
    const counts: Counts = { statements: 0, rowsWritten: 0, rowsRead: 0 };
    sql.counts = counts;
    sql.exec = ((query: string, ...args: SqlStorageValue[]) => {
      const cursor = exec(query, ...args);
      counts.statements++;
      // A statement's rows are counted once it ran: read them after its rows were taken.
      const raw = cursor.raw.bind(cursor);
      let counted = false;
      const count = () => {
        if (counted) return;
        counted = true;
        counts.rowsWritten += cursor.rowsWritten;
        counts.rowsRead += cursor.rowsRead;
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
    read: () => runInDurableObject(stub, (_instance, state) => ({ ...(state.storage.sql as Counted).counts! })),
  };
}

/** What `step` cost: the difference in counts across it. */
async function costOf(counter: { read: () => Promise<Counts> }, step: () => Promise<unknown>): Promise<Counts> {
  const before = await counter.read();
  await step();
  const after = await counter.read();
  return {
    statements: after.statements - before.statements,
    rowsWritten: after.rowsWritten - before.rowsWritten,
    rowsRead: after.rowsRead - before.rowsRead,
  };
}

const keysInTable = (stub: AccountStub) =>
  runInDurableObject(stub, (_i, state) =>
    Number(state.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM idempotency_keys').one().n),
  );

const usage = { agent: 'code', model: 'haiku', input_tokens: 120, output_tokens: 80 };
const T0 = Date.UTC(2031, 2, 3, 9, 0);

/** An account opened and warm: the day begun, the price book filled. */
async function warmAccount(prefix: string): Promise<{ userId: string; stub: AccountStub }> {
  const userId = newUserId(prefix);
  const stub = accountStub(userId);
  await setClock(stub, T0);
  expect((await postUsage(userId, usage)).status).toBe(200);
  return { userId, stub };
}

/** Wait for the background refresh of the object's price copy that a call at `at` began. */
async function refreshed(stub: AccountStub, at: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const fetchedAt = await runInDurableObject(
      stub,
      (instance) =>
        (instance as unknown as { shell: { prices: { copy?: { fetchedAt: number } } } }).shell.prices.copy?.fetchedAt,
    );
    if (fetchedAt === at) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the price copy was not refreshed');
}

/** Run the alarm at the flush's time, so the object's share of the flush is counted. */
async function flush(stub: AccountStub, at: number): Promise<void> {
  await setClock(stub, at + OUTBOX_FLUSH_DELAY_MS);
  await runDurableObjectAlarm(stub);
}

describe('rows written on the hot paths', () => {
  it('a usage deduction over HTTP writes at most 5 rows all-in; its replay writes none', async () => {
    const { userId, stub } = await warmAccount('rows');
    await flush(stub, T0);
    const counter = await countStorage(stub);
    const keys = await keysInTable(stub);
    const key = crypto.randomUUID();
    const deduction = await costOf(counter, async () => {
      expect((await postUsage(userId, usage, key)).status).toBe(200);
      await flush(stub, T0);
    });
    expect(deduction.rowsWritten).toBeGreaterThan(0);
    expect(deduction.rowsWritten).toBeLessThanOrEqual(5);
    // No key row of its own, so no purge to come.
    expect(await keysInTable(stub)).toBe(keys);
    const replay = await costOf(counter, async () => {
      const answer = await postUsage(userId, usage, key);
      expect(answer.status).toBe(200);
      expect(await answer.json()).toMatchObject({ replayed: true });
    });
    expect(replay.rowsWritten).toBe(0);
    await expectAuditOk(stub);
  });

  it('a deduction that refreshes the object’s price copy writes no price row when the prices are unchanged', async () => {
    const { userId, stub } = await warmAccount('rows-prices');
    await flush(stub, T0);
    const counter = await countStorage(stub);
    const later = T0 + OUTBOX_FLUSH_DELAY_MS + CATALOG_TTL_MS + 1;
    await setClock(stub, later);
    const deduction = await costOf(counter, async () => {
      expect((await postUsage(userId, usage)).status).toBe(200);
      await refreshed(stub, later);
      await flush(stub, later);
    });
    // The ledger row and its key's index entry, the grant, the day's rollup row: the prices are not rewritten.
    expect(deduction.rowsWritten).toBeGreaterThan(0);
    expect(deduction.rowsWritten).toBeLessThanOrEqual(4);
  });

  it('a reservation and its commit write at most 8 rows all-in, in at most 12 statements', async () => {
    const { stub } = await warmAccount('rows');
    await flush(stub, T0);
    const counter = await countStorage(stub);
    const keys = await keysInTable(stub);
    let reservationId = 0;
    const reserved = await costOf(counter, async () => {
      const held = await stub.reserve({
        agent: 'code',
        model: 'haiku',
        estimatedTokens: 500,
        idempotencyKey: idempotencyKeys.reservation(crypto.randomUUID()),
      });
      if (!held.ok) throw new Error(held.failure.message);
      reservationId = held.value.result.id;
    });
    const committed = await costOf(counter, async () => {
      const done = await stub.commitReservation({ reservationId, inputTokens: 200, outputTokens: 100 });
      expect(done.ok).toBe(true);
    });
    const flushed = await costOf(counter, () => flush(stub, T0));
    expect(reserved.rowsWritten + committed.rowsWritten + flushed.rowsWritten).toBeLessThanOrEqual(8);
    expect(reserved.statements + committed.statements).toBeLessThanOrEqual(12);
    expect(await keysInTable(stub)).toBe(keys);
    await expectAuditOk(stub);
  });

  it('a reservation and its release write at most 5 rows all-in', async () => {
    const { stub } = await warmAccount('rows');
    await flush(stub, T0);
    const counter = await countStorage(stub);
    const keys = await keysInTable(stub);
    const released = await costOf(counter, async () => {
      const held = await stub.reserve({
        agent: 'code',
        model: 'haiku',
        estimatedTokens: 500,
        idempotencyKey: idempotencyKeys.reservation(crypto.randomUUID()),
      });
      if (!held.ok) throw new Error(held.failure.message);
      expect((await stub.releaseReservation(held.value.result.id)).ok).toBe(true);
      await flush(stub, T0);
    });
    expect(released.rowsWritten).toBeGreaterThan(0);
    expect(released.rowsWritten).toBeLessThanOrEqual(5);
    expect(await keysInTable(stub)).toBe(keys);
  });

  it('a seven-agent project, created and run over HTTP, writes at most 90 rows all-in', async () => {
    const { userId, stub } = await warmAccount('rows-project');
    expect((await grantTokens(userId, { tokens: 40_000, reason: 'room for a project run' })).status).toBe(201);
    await flush(stub, T0);
    const counter = await countStorage(stub);
    const run = await costOf(counter, async () => {
      const id = await newProject(userId);
      const answer = await execute(userId, id);
      expect(answer.status).toBe(200);
      const { project } = await answer.json<{ project: { status: string; agents: unknown[] } }>();
      expect(project.status).toBe('completed');
      expect(project.agents).toHaveLength(7);
      await flush(stub, T0);
    });
    // Per agent its reservation and commit (9 rows), its step's two updates and the lease's; the project and its keys.
    expect(run.rowsWritten).toBeGreaterThan(7 * 9);
    expect(run.rowsWritten).toBeLessThanOrEqual(90);
    await expectAuditOk(stub);
  });

  it('a new account opened by its first deduction stores its user id with the account row, in at most 15 statements', async () => {
    const userId = newUserId('rows-new');
    const stub = accountStub(userId);
    await setClock(stub, T0);
    const counter = await countStorage(stub);
    const opened = await costOf(counter, async () => {
      expect((await postUsage(userId, usage)).status).toBe(200);
    });
    expect(opened.statements).toBeLessThanOrEqual(15);
    const stored = await runInDurableObject(stub, (_i, state) =>
      state.storage.sql.exec<{ user_id: string | null }>('SELECT user_id FROM account').one(),
    );
    expect(stored.user_id).toBe(userId);
  });

  it('a balance read reads as many rows on an account with months of history as on a new one', async () => {
    const young = await warmAccount('rows-young');
    const old = await warmAccount('rows-old');
    // Six months of usage on the old account, a few days a month; both then read on the same day.
    for (let month = 1; month <= 6; month++) {
      for (const day of [2, 9, 17]) {
        await setClock(old.stub, Date.UTC(2031, 2 + month, day, 9));
        expect((await postUsage(old.userId, usage)).status).toBe(200);
      }
    }
    const readAt = Date.UTC(2031, 8, 20, 9);
    const reads: number[] = [];
    for (const account of [young, old]) {
      await setClock(account.stub, readAt);
      expect((await account.stub.balance()).ok).toBe(true); // due resets applied, the month begun
      await setClock(account.stub, readAt + 1);
      const counter = await countStorage(account.stub);
      reads.push((await costOf(counter, () => account.stub.balance())).rowsRead);
    }
    // Both accounts' live rows are the same shape (this month's grant, rollover): what is read is too.
    expect(reads[1]).toBeLessThanOrEqual(reads[0]! + 4);
  });

  it('a project creation writes its row, its seven steps and its key (10 rows, as before the bound on projects); one refused at the bound writes none', async () => {
    const { stub } = await warmAccount('rows-project');
    const create = () =>
      stub.createProject({
        title: 'Rows',
        mode: 'student',
        description: null,
        model: 'sonnet',
        agents: ['idea', 'srs', 'code', 'uml', 'report', 'ppt', 'viva'],
        idempotencyKey: idempotencyKeys.projectCreate(crypto.randomUUID()),
      });
    expect((await create()).ok).toBe(true);
    const counter = await countStorage(stub);
    // Measured before the bound existed: 10 rows written (project row and its id index, seven steps, the key).
    const created = await costOf(counter, async () => expect((await create()).ok).toBe(true));
    expect(created.rowsWritten).toBeLessThanOrEqual(10);
    for (let i = 2; i < PROJECTS_PER_USER_MAX; i++) expect((await create()).ok).toBe(true);
    const refused = await costOf(counter, async () =>
      expect(await create()).toMatchObject({ ok: false, failure: { code: 'limit_exceeded' } }),
    );
    expect(refused.rowsWritten).toBe(0);
  });
});
