import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { idempotencyKeys } from '../../../src/account/contract/keys';
import type { AccountStore } from '../../../src/account/stores/accountStore';
import { ensureSchema, MIGRATIONS, PLAN_SUBSCRIPTION_STEP, SCHEMA_VERSION } from '../../../src/account/stores/schema';
import { Sql } from '../../../src/account/stores/sql';
import { drive } from '../../support/drive';
import { accountStub, expectAuditOk, newUserId, type AccountStub } from '../../support/helpers';
import { deliverOk, stripeEvent, subscriptionObject, subscriptionSession } from '../../support/stripeHelpers';

// The step that names the subscription giving an account its plan, and adds the checkout mark,
// upgrading objects written by the version before it: accounts whose plan a live subscription pays
// for are backfilled with that subscription; others name none.

const STEP_COLUMNS = ['plan_subscription_id', 'checkout_attempt_id', 'checkout_idempotency_key', 'checkout_until'];
const subId = () => `sub_test_${crypto.randomUUID().slice(0, 8)}`;

function accountColumns(sql: SqlStorage): string[] {
  return sql
    .exec<{ name: string }>("SELECT name FROM pragma_table_info('account')")
    .toArray()
    .map((c) => c.name);
}

/** Put the object back on the version before the step: its columns gone, its stored version the one before. */
function onVersionBefore(sql: SqlStorage): number {
  const before = MIGRATIONS.indexOf(PLAN_SUBSCRIPTION_STEP);
  expect(before).toBeGreaterThan(0);
  for (const column of STEP_COLUMNS) sql.exec(`ALTER TABLE account DROP COLUMN ${column}`);
  sql.exec('UPDATE schema_version SET version = ?', before);
  return before;
}

function rowCounts(sql: SqlStorage): Record<string, number> {
  const names = ['grants', 'transactions', 'stripe_subscriptions', 'holds', 'account'];
  return Object.fromEntries(
    names.map((name) => [name, sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM "${name}"`).one().n]),
  );
}

/** Upgrade by the chain; answers the account row's new columns. */
async function upgrade(stub: AccountStub) {
  return runInDurableObject(stub, (instance, state) => {
    const sql = state.storage.sql;
    onVersionBefore(sql);
    expect(accountColumns(sql).filter((c) => STEP_COLUMNS.includes(c))).toEqual([]);
    const was = rowCounts(sql);
    ensureSchema(new Sql(sql), state.storage);
    expect(sql.exec<{ version: number }>('SELECT version FROM schema_version').one().version).toBe(SCHEMA_VERSION);
    expect(rowCounts(sql)).toEqual(was);
    // The next decision loads the upgraded row, not a state the object kept from before.
    (instance as unknown as { shell: { store: AccountStore } }).shell.store.forget();
    return sql.exec<Record<string, string | number | null>>(`SELECT ${STEP_COLUMNS.join(', ')} FROM account`).one();
  });
}

async function withHistory(stub: AccountStub): Promise<void> {
  const used = await stub.recordUsage({
    agent: 'code',
    model: 'haiku',
    inputTokens: 1_200,
    outputTokens: 300,
    idempotencyKey: idempotencyKeys.usage(crypto.randomUUID()),
  });
  expect(used.ok).toBe(true);
  const held = await stub.reserve({
    agent: 'srs',
    model: 'haiku',
    estimatedTokens: 2_000,
    idempotencyKey: idempotencyKeys.reservation(crypto.randomUUID()),
  });
  expect(held.ok).toBe(true);
}

describe('the plan-subscription schema step', () => {
  it('backfills the live subscription that pays for the plan, so another subscription’s end leaves the plan', async () => {
    const user = newUserId('plan-sub-step');
    const stub = accountStub(user);
    const a = subId();
    const b = subId();
    await deliverOk(stripeEvent('checkout.session.completed', subscriptionSession(user, 'basic', a)));
    await withHistory(stub);

    const columns = await upgrade(stub);
    expect(columns).toEqual({
      plan_subscription_id: a,
      checkout_attempt_id: null,
      checkout_idempotency_key: null,
      checkout_until: null,
    });
    await expectAuditOk(stub);

    // A second subscription (opened before the one-subscription rule) ends: the plan A pays for stays.
    await deliverOk(stripeEvent('checkout.session.completed', subscriptionSession(user, 'basic', b)));
    await deliverOk(stripeEvent('customer.subscription.deleted', subscriptionObject(user, b, 'basic', 'canceled')));
    const { plan } = await drive(stub).balance();
    expect({ plan_id: plan.plan_id, pending_plan_id: plan.pending_plan_id }).toEqual({
      plan_id: 'basic',
      pending_plan_id: null,
    });
    await expectAuditOk(stub);
  });

  it('names no subscription where none pays for the plan (ended, or never subscribed)', async () => {
    const ended = newUserId('plan-sub-step');
    const a = subId();
    await deliverOk(stripeEvent('checkout.session.completed', subscriptionSession(ended, 'basic', a)));
    await deliverOk(stripeEvent('customer.subscription.deleted', subscriptionObject(ended, a, 'basic', 'canceled')));
    expect((await upgrade(accountStub(ended))).plan_subscription_id).toBeNull();

    const never = accountStub(newUserId('plan-sub-step'));
    await withHistory(never);
    expect((await upgrade(never)).plan_subscription_id).toBeNull();
    await expectAuditOk(never);
    const used = await never.recordUsage({
      agent: 'code',
      model: 'haiku',
      inputTokens: 100,
      outputTokens: 50,
      idempotencyKey: idempotencyKeys.usage(crypto.randomUUID()),
    });
    expect(used.ok).toBe(true);
  });
});
