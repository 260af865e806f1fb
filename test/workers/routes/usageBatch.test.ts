import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { auditOf, balanceOf, call, newUserId } from '../../support/helpers';

function batch(body: unknown): Promise<Response> {
  return call('/api/v1/service/usage/batch', {
    method: 'POST',
    headers: { Authorization: `Bearer ${env.SERVICE_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const record = (user_id: string, input_tokens: number, idempotency_key = crypto.randomUUID()) => ({
  user_id,
  agent: 'code',
  model: 'sonnet',
  input_tokens,
  output_tokens: 0,
  idempotency_key,
});

describe('POST /service/usage/batch', () => {
  it('applies records for many users, one result per record in order, refusals alone', async () => {
    const [a, b] = [newUserId('batch'), newUserId('batch')];
    const response = await batch({
      records: [
        record(a, 5_000, 'a1'),
        record(b, 2_000),
        record(a, 8_000),
        record(a, 1_500),
        { user_id: a, agent: 'code' },
        record(b, 1, 'x'),
      ],
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('X-Tokens-Remaining')).toBeNull();
    const body = await response.json<any>();
    expect(body.results.map((r: any) => r.status)).toEqual(['ok', 'ok', 'refused', 'ok', 'refused', 'ok']);
    expect(body.results[0]).toMatchObject({ index: 0, user_id: a, tokens_charged: 5_000, remaining_tokens: 5_000 });
    expect(body.results[2]).toMatchObject({ code: 'insufficient_tokens', needed_tokens: 3_000 });
    expect(body.results[3]).toMatchObject({ remaining_tokens: 3_500 });
    expect(body.results[4]).toMatchObject({ code: 'invalid_request' });
    expect(body).toMatchObject({ ok: 4, refused: 2, replayed: 0, error: 0 });
    // The same keys again: replayed, nothing charged twice.
    const again = await (await batch({ records: [record(a, 5_000, 'a1')] })).json<any>();
    expect(again.results[0]).toMatchObject({ status: 'replayed', transaction_id: body.results[0].transaction_id });
    expect(await balanceOf(a)).toMatchObject({ remaining_tokens: 3_500, total_requests: 2 });
    expect((await auditOf(a)).ok && (await auditOf(b)).ok).toBe(true);
  });

  it('answers 200 when every record is refused, 400 for a bad envelope, 413 over 500 records, 401 without the service token', async () => {
    const user = newUserId('batch');
    const refused = await (await batch({ records: [record(user, 9_000)] })).json<any>();
    expect(refused.results[0]).toMatchObject({ status: 'refused', code: 'limit_exceeded' });
    expect((await batch({ records: [] })).status).toBe(400);
    expect((await batch({ rows: [] })).status).toBe(400);
    const many = Array.from({ length: 501 }, (_, i) => record(user, 1, `k${i}`));
    expect((await batch({ records: many })).status).toBe(413);
    const anonymous = await call('/api/v1/service/usage/batch', { method: 'POST', body: '{}' });
    expect(anonymous.status).toBe(401);
  });

  it('charges each record once when the same batch races itself and single usage with the same keys', async () => {
    const user = newUserId('batch-race');
    const records = Array.from({ length: 10 }, (_, i) => record(user, 100, `race-${i}`));
    const answers = await Promise.all([
      ...Array.from({ length: 6 }, () => batch({ records })),
      ...records.slice(0, 4).map((r) =>
        call(`/api/v1/service/users/${user}/usage`, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${env.SERVICE_TOKEN}`,
            'Content-Type': 'application/json',
            'Idempotency-Key': r.idempotency_key,
          },
          body: JSON.stringify({ agent: r.agent, model: r.model, input_tokens: 100, output_tokens: 0 }),
        }),
      ),
    ]);
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 9_000, total_requests: 10 });
    expect((await auditOf(user)).ok).toBe(true);
  });

  it('a key repeated within one batch replays the row the batch just wrote; with another body it is refused', async () => {
    const user = newUserId('batch');
    const response = await batch({
      records: [record(user, 1_000, 'k'), record(user, 1_000, 'k'), record(user, 2_000, 'k'), record(user, 500)],
    });
    const body = await response.json<any>();
    expect(body.results.map((r: any) => r.status)).toEqual(['ok', 'replayed', 'refused', 'ok']);
    expect(body.results[1]).toMatchObject({
      transaction_id: body.results[0].transaction_id,
      tokens_charged: 1_000,
      tokens_after: body.results[0].tokens_after,
    });
    expect(body.results[2]).toMatchObject({ code: 'idempotency_key_reused' });
    expect(body.results[3]).toMatchObject({ transaction_id: body.results[0].transaction_id + 1, tokens_after: 8_500 });
    // What the batch wrote is what a read finds: the rows, the replay of the key, the balance.
    const again = await (await batch({ records: [record(user, 1_000, 'k')] })).json<any>();
    expect(again.results[0]).toMatchObject({ status: 'replayed', transaction_id: body.results[0].transaction_id });
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 8_500, total_requests: 2 });
    expect((await auditOf(user)).ok).toBe(true);
  });
});
