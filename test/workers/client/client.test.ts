// The platform's client against the real service in the runtime: SELF.fetch is its transport.
import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  stepKey,
  TokenServiceClient,
  TokenServiceError,
  TokenServiceUnavailableError,
  type FetchLike,
} from '../../../packages/client/src/index.ts';
import { newUserId } from '../../support/helpers';

const selfFetch: FetchLike = (input, init) => SELF.fetch(input, init);

function clientWith(fetchImpl: FetchLike = selfFetch, attempts = 3) {
  return new TokenServiceClient({
    baseUrl: 'https://tokens.test/',
    serviceToken: env.SERVICE_TOKEN!,
    fetch: fetchImpl,
    attempts,
    retryDelayMs: 1,
  });
}

const run = (tokens: number) => ({ agent: 'code', model: 'sonnet', estimated_tokens: tokens });

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
}

describe('TokenServiceClient', () => {
  it('runs reserve → commit for several runs and leaves the balance at what was used', async () => {
    const client = clientWith();
    const user = newUserId();
    for (let i = 0; i < 3; i++) {
      const runId = `run-${i}-${crypto.randomUUID()}`;
      const { reservation } = await client.reserve(user, run(2000), stepKey(runId, 'reserve'));
      expect(reservation.status).toBe('open');
      const committed = await client.commit(
        user,
        reservation.id,
        { input_tokens: 600, output_tokens: 400 },
        stepKey(runId, 'commit'),
      );
      expect(committed).toMatchObject({ tokens_charged: 1000, uncovered_tokens: 0, replayed: false });
      expect(committed.reservation.status).toBe('committed');
    }
    const balance = await client.balance(user);
    expect(balance).toMatchObject({ remaining_tokens: 7000, held_tokens: 0, used_tokens: 3000 });
    expect((await client.reservations(user)).reservations).toEqual([]);
  });

  it('releases a hold when the model call fails, charging nothing', async () => {
    const client = clientWith();
    const user = newUserId();
    const { reservation } = await client.reserve(user, run(3000), stepKey('failed-run', 'reserve'));
    expect((await client.balance(user)).held_tokens).toBe(3000);
    const released = await client.release(user, reservation.id, stepKey('failed-run', 'release'));
    expect(released.reservation.status).toBe('released');
    expect(await client.balance(user)).toMatchObject({ remaining_tokens: 10000, held_tokens: 0 });
  });

  it('surfaces 402 as a typed error with the upgrade URL and a package that covers the shortfall', async () => {
    const client = clientWith();
    const user = newUserId();
    await client.recordUsage(user, { agent: 'code', model: 'sonnet', input_tokens: 8000, output_tokens: 0 }, 'u-1');
    const error = await caught(client.reserve(user, run(5000), stepKey('big-run', 'reserve')));
    expect(error).toBeInstanceOf(TokenServiceError);
    const refusal = error as TokenServiceError;
    expect(refusal).toMatchObject({ status: 402, code: 'insufficient_tokens', retryAfterSeconds: undefined });
    expect(refusal.insufficientTokens).toBe(true);
    expect(refusal.upgradeUrl).toEqual(expect.any(String));
    expect(refusal.suggestedPackage?.tokens).toBeGreaterThanOrEqual(3000);
    expect(refusal.body.needed_tokens).toBe(3000);
  });

  it('names the request a refusal answered, so it can be quoted', async () => {
    const client = clientWith();
    const user = newUserId();
    const error = (await caught(
      client.reserve(user, run(50_000), stepKey('huge-run', 'reserve')),
    )) as TokenServiceError;
    expect(error).toBeInstanceOf(TokenServiceError);
    expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('retries a step whose answer was lost with the same key, and charges it once', async () => {
    const user = newUserId();
    const keysSent: (string | null)[] = [];
    let lose = true;
    // The first attempt reaches the service and is charged; its answer never arrives.
    const flaky: FetchLike = async (input, init) => {
      keysSent.push(new Headers(init.headers).get('Idempotency-Key'));
      const response = await SELF.fetch(input, init);
      if (lose) {
        lose = false;
        throw new TypeError('network connection lost');
      }
      return response;
    };
    const client = clientWith(flaky);
    const usage = { agent: 'code', model: 'sonnet', input_tokens: 1500, output_tokens: 500 };
    const answer = await client.recordUsage(user, usage, stepKey('run-lost', 'usage'));
    expect(answer.replayed).toBe(true);
    expect(keysSent).toEqual(['run-lost:usage', 'run-lost:usage']);
    // The caller retrying the same step later is answered the same way, again without a charge.
    const later = await clientWith().recordUsage(user, usage, stepKey('run-lost', 'usage'));
    expect(later).toMatchObject({ replayed: true, transaction_id: answer.transaction_id });
    expect((await clientWith().balance(user)).remaining_tokens).toBe(8000);
  });

  it('gives up with TokenServiceUnavailableError after its attempts, so the caller retries the step later', async () => {
    const down: FetchLike = async () => new Response('upstream down', { status: 503 });
    const error = await caught(clientWith(down, 2).balance(newUserId()));
    expect(error).toBeInstanceOf(TokenServiceUnavailableError);
    expect((error as TokenServiceUnavailableError).status).toBe(503);
  });

  it('surfaces 429 with retryAfterSeconds once the day’s requests are used', async () => {
    const client = clientWith();
    const user = newUserId();
    const records = Array.from({ length: 100 }, (_, i) => ({
      user_id: user,
      idempotency_key: `batch-${i}`,
      agent: 'code',
      model: 'haiku',
      input_tokens: 1,
      output_tokens: 0,
    }));
    expect((await client.batch(records)).ok).toBe(100);
    // The same batch again changes nothing: every record is a replay.
    expect((await client.batch(records)).replayed).toBe(100);
    const error = (await caught(client.reserve(user, run(10), 'late-run:reserve'))) as TokenServiceError;
    expect(error).toBeInstanceOf(TokenServiceError);
    expect(error).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(error.retryAfterSeconds).toBeGreaterThan(0);
    expect(error.retryAfterSeconds).toBe(error.body.retry_after_seconds);
  });

  it('throws an Idempotency-Key reused with another body as a 409, never as a charge', async () => {
    const client = clientWith();
    const user = newUserId();
    const key = stepKey('run-x', 'usage');
    await client.recordUsage(user, { agent: 'code', model: 'sonnet', input_tokens: 10, output_tokens: 0 }, key);
    const error = (await caught(
      client.recordUsage(user, { agent: 'code', model: 'sonnet', input_tokens: 99, output_tokens: 0 }, key),
    )) as TokenServiceError;
    expect(error).toMatchObject({ status: 409, code: 'idempotency_key_reused' });
    expect((await client.balance(user)).used_tokens).toBe(10);
  });
});
