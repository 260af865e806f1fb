// The outbox facts a decision's changes make: one per ledger row, with the plan in force, the source
// of the grant a credit created, and the money and ids analytics count.
import { describe, expect, it } from 'vitest';
import type { Transaction } from '../../../../src/account/contract/rpc';
import { decideCredit } from '../../../../src/account/core/credit';
import { catchUp, newAccountState, openAccount } from '../../../../src/account/core/cycle';
import { Draft, type Change } from '../../../../src/account/core/draft';
import { decidePromo } from '../../../../src/account/core/promoCredit';
import { decideUsage } from '../../../../src/account/core/usage';
import { outboxFactsOf } from '../../../../src/account/stores/outboxRows';
import { after, FREE, PRICE } from '../core/state';

const NOW = Date.parse('2030-05-10T10:00:00Z');

/** The ledger rows a store would append for these changes, seq from 1. */
function rowsOf(changes: readonly Change[]): Transaction[] {
  let seq = 0;
  return changes.flatMap((c) =>
    c.kind !== 'append'
      ? []
      : [
          {
            seq: ++seq,
            type: c.entry.type,
            tokens: c.entry.tokens,
            tokensBefore: c.entry.tokensBefore,
            tokensAfter: c.entry.tokensAfter,
            at: c.entry.at,
            agent: c.entry.agent ?? null,
            model: c.entry.model ?? null,
            inputTokens: c.entry.inputTokens ?? null,
            outputTokens: c.entry.outputTokens ?? null,
            costUsdMicros: c.entry.costUsdMicros ?? null,
            costInrPaise: c.entry.costInrPaise ?? null,
            description: c.entry.description,
            movements: c.entry.allocations.map(([grantId, tokens]) => ({ grantId, tokens })),
            detail: c.entry.detail,
          },
        ],
  );
}

function opened(): Draft {
  const draft = new Draft(newAccountState(FREE, NOW, '2030-05-10'));
  openAccount(draft, NOW);
  return new Draft(after(draft, '2030-05-10'));
}

describe('outbox facts', () => {
  it('one fact per ledger row: a new account’s allowance, with its plan and source', () => {
    const draft = new Draft(newAccountState(FREE, NOW, '2030-05-10'));
    openAccount(draft, NOW);
    expect(outboxFactsOf(draft.changes, rowsOf(draft.changes))).toEqual([
      expect.objectContaining({
        day: '2030-05-10',
        kind: 'monthly_reset',
        planId: 'free',
        source: 'monthly',
        tokens: 10_000,
      }),
    ]);
  });

  it('usage adds no outbox fact: the flush reads usage rows from the ledger', () => {
    const draft = opened();
    const decided = decideUsage(
      draft,
      { agent: 'code', model: 'haiku', inputTokens: 1_000, outputTokens: 500, price: PRICE, usdInrPaise: 8_300 },
      NOW,
    );
    expect(decided.ok).toBe(true);
    expect(rowsOf(draft.changes).map((r) => r.type)).toEqual(['usage']);
    expect(outboxFactsOf(draft.changes, rowsOf(draft.changes))).toEqual([]);
  });

  it('a promo credit names its code; a purchase its package and the money paid', () => {
    const draft = opened();
    decidePromo(
      draft,
      { code: 'LAUNCH50', attemptId: 'a', tokens: 50_000, grantValidityDays: null, allowedPlans: null },
      NOW,
    );
    decideCredit(
      draft,
      {
        source: 'purchase',
        transactionType: 'purchase',
        tokens: 50_000,
        description: 'Starter Pack purchase',
        expiresAt: null,
        detail: { package_id: 'starter', amount_paise: 9_900 },
      },
      NOW,
    );
    const facts = outboxFactsOf(draft.changes, rowsOf(draft.changes));
    expect(facts).toEqual([
      expect.objectContaining({ kind: 'bonus', source: 'promo', promoCode: 'LAUNCH50', tokens: 50_000 }),
      expect.objectContaining({ kind: 'purchase', source: 'purchase', productId: 'starter', amountPaise: 9_900 }),
    ]);
  });

  it('a reset gives rollover, expiry and allowance facts, each with its source', () => {
    const draft = opened();
    decideUsage(
      draft,
      { agent: 'code', model: 'haiku', inputTokens: 2_000, outputTokens: 0, price: PRICE, usdInrPaise: 8_300 },
      NOW,
    );
    const next = new Draft(after(draft, '2030-06-01'));
    catchUp(next, Date.parse('2030-06-01T00:00:00Z'), () => FREE);
    const facts = outboxFactsOf(next.changes, rowsOf(next.changes)).map((f) => [f.kind, f.source, f.tokens, f.day]);
    expect(facts).toEqual([
      ['rollover', 'rollover', 0, '2030-06-01'],
      ['expiry', 'monthly', -3_000, '2030-06-01'],
      ['monthly_reset', 'monthly', 10_000, '2030-06-01'],
    ]);
  });

  it('refuses to guess when an append has no ledger row', () => {
    const draft = opened();
    decideCredit(
      draft,
      { source: 'bonus', transactionType: 'bonus', tokens: 1, description: 'x', expiresAt: null },
      NOW,
    );
    expect(() => outboxFactsOf(draft.changes, [])).toThrow(/without its ledger row/);
  });
});
