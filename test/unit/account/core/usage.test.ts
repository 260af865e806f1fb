import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newAccountState, openAccount } from '../../../../src/account/core/cycle';
import { Draft } from '../../../../src/account/core/draft';
import { decideUsage } from '../../../../src/account/core/usage';
import { after, FREE, loggedTokens, PRICE } from './state';

const NOW = Date.parse('2027-03-10T12:00:00Z');
const DAY = '2027-03-10';

function openedWith(bonusTokens: number[]): Draft {
  const draft = new Draft(newAccountState(FREE, NOW, DAY));
  openAccount(draft, NOW);
  for (const tokens of bonusTokens) {
    const id = draft.insertGrant({ source: 'bonus', amount: tokens, expiresAt: null, createdAt: NOW, period: null });
    draft.append({ type: 'bonus', at: NOW, allocations: [[id, tokens]] });
  }
  return new Draft(after(draft, DAY));
}

const usage = (inputTokens: number, outputTokens: number) => ({
  agent: 'code',
  model: 'haiku',
  inputTokens,
  outputTokens,
  price: PRICE,
  usdInrPaise: 8300,
});

describe('core: usage', () => {
  it('charges all or nothing: a refusal drafts no change, an acceptance moves exactly the tokens asked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 20_000 }), { maxLength: 4 }),
        fc.integer({ min: 0, max: 8_192 }),
        fc.integer({ min: 0, max: 8_192 }),
        (bonuses, input, output) => {
          fc.pre(input + output <= FREE.maxTokensPerRequest);
          const draft = openedWith(bonuses);
          const before = draft.balanceTokens();
          const decided = decideUsage(draft, usage(input, output), NOW);
          if (!decided.ok) {
            expect(decided.failure.code).toBe('insufficient_tokens');
            expect(before).toBeLessThan(input + output);
            expect(draft.changes).toEqual([]);
            return;
          }
          expect(draft.balanceTokens()).toBe(before - input - output);
          expect(loggedTokens(draft)).toBe(0 - (input + output));
          expect(decided.value.tokensAfter).toBe(draft.balanceTokens());
          for (const grant of draft.liveGrants()) expect(grant.remaining).toBeGreaterThanOrEqual(0);
        },
      ),
      // The edges: an empty run, and one that takes the whole allowance.
      {
        examples: [
          [[], 0, 0],
          [[], 8_192, 1_808],
        ],
      },
    );
  });

  it('refuses over the per-request cap and at the daily request cap, naming the limit', () => {
    const draft = openedWith([]);
    const big = decideUsage(draft, usage(8_000, 193), NOW);
    expect(big).toMatchObject({ ok: false, failure: { code: 'limit_exceeded', details: { limit_value: 8192 } } });
    const busy = new Draft({ ...after(draft, DAY), today: { day: DAY, requests: 100, tokens: 0 } });
    const refused = decideUsage(busy, usage(1, 0), NOW);
    expect(refused).toMatchObject({ ok: false, failure: { code: 'rate_limited', retryAfterSeconds: 12 * 3600 } });
    expect(busy.changes).toEqual([]);
  });

  it('prices from the given price: fractions of a µUSD round up, INR to the nearest paisa', () => {
    const draft = openedWith([]);
    const decided = decideUsage(draft, usage(4_000, 200), NOW);
    expect(decided).toMatchObject({ ok: true, value: { costUsdMicros: 5_000, costInrPaise: 42 } });
  });
});
