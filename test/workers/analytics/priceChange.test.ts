// Costs reach D1 as each ledger row stored them: a price change after usage changes the cost of
// later usage only, never what was already counted. Its own file: it changes a model's price.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { idempotencyKeys } from '../../../src/account/contract/keys';
import { invalidateCatalog } from '../../../src/account/stores/catalogCache';
import { CATALOG_TTL_MS } from '../../../src/money/limits';
import { aggregatesInD1, drainFacts, expectedFromLogs, ledgerOf } from '../../support/analyticsHelpers';
import { accountStub, newUserId, setClock } from '../../support/helpers';

const T = (iso: string) => Date.parse(iso);

async function opusDay(day: string) {
  return env.DB.prepare(
    "SELECT requests, cost_usd_micros, cost_inr_paise FROM analytics_usage_daily WHERE day = ? AND model = 'opus'",
  )
    .bind(day)
    .first();
}

describe('a price change after usage', () => {
  it('leaves the costs already counted unchanged', async () => {
    const id = newUserId('price');
    const stub = accountStub(id);
    let n = 0;
    const use = async () => {
      const result = await stub.recordUsage({
        agent: 'code',
        model: 'opus',
        inputTokens: 1_000,
        outputTokens: 1_000,
        idempotencyKey: idempotencyKeys.usage(`p${++n}`),
      });
      if (!result.ok) throw new Error(result.failure.message);
      return result.value.result;
    };
    await setClock(stub, T('2038-01-10T10:00:00Z'));
    const before = await use();
    await drainFacts(stub);
    const counted = await opusDay('2038-01-10');
    expect(counted).toEqual({
      requests: 1,
      cost_usd_micros: before.costUsdMicros,
      cost_inr_paise: before.costInrPaise,
    });

    // Opus costs ten times as much from now on.
    await env.DB.prepare(
      "UPDATE models SET input_usd_micros_per_mtok = input_usd_micros_per_mtok * 10, output_usd_micros_per_mtok = output_usd_micros_per_mtok * 10 WHERE id = 'opus'",
    ).run();
    invalidateCatalog();
    // The object refreshes its own copy once it is older than the TTL (in the background).
    await setClock(stub, T('2038-01-11T10:00:00Z') + CATALOG_TTL_MS);
    await use();
    let after = await use();
    for (let i = 0; i < 5 && after.costUsdMicros === before.costUsdMicros; i++) after = await use();
    expect(after.costUsdMicros).toBe(before.costUsdMicros! * 10);
    await drainFacts(stub);

    expect(await opusDay('2038-01-10')).toEqual(counted);
    const expected = expectedFromLogs([{ userId: id, rows: await ledgerOf(stub) }]);
    expect(await aggregatesInD1('2038-01-01', '2038-12-31', [id])).toEqual(expected);
  });
});
