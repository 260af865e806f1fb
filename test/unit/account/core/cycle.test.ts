import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { catchUp, newAccountState, nextDeadline, openAccount } from '../../../../src/account/core/cycle';
import { Draft } from '../../../../src/account/core/draft';
import { decideUsage } from '../../../../src/account/core/usage';
import { dayOf } from '../../../../src/money/period';
import { after, BASIC, FREE, loggedTokens, PRICE } from './state';

const OPEN = Date.parse('2027-01-15T00:00:00Z');
const same = (id: string) => (id === FREE.id ? FREE : id === BASIC.id ? BASIC : undefined);

function opened(): Draft {
  const draft = new Draft(newAccountState(FREE, OPEN, dayOf(OPEN)));
  openAccount(draft, OPEN);
  return new Draft(after(draft, dayOf(OPEN)));
}

describe('core: the monthly cycle', () => {
  it('catching up is idempotent and conserves tokens: the log explains every change of balance', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 400 }), (spent, daysLater) => {
        const draft = opened();
        if (spent > 0) {
          const used = decideUsage(
            draft,
            {
              agent: 'a',
              model: 'm',
              inputTokens: Math.min(spent, 8_192),
              outputTokens: 0,
              price: PRICE,
              usdInrPaise: 1,
            },
            OPEN,
          );
          expect(used.ok).toBe(true);
        }
        const now = OPEN + daysLater * 86_400_000;
        const before = draft.balanceTokens();
        const logBefore = loggedTokens(draft);
        catchUp(draft, now, same);
        expect(draft.balanceTokens() - before).toBe(loggedTokens(draft) - logBefore);
        expect(nextDeadline(after(draft, dayOf(now)))).toBeGreaterThan(now);
        const again = new Draft(after(draft, dayOf(now)));
        catchUp(again, now, same);
        expect(again.changes).toEqual([]);
      }),
    );
  });

  it('rolls over unused allowance up to the cap of the plan in force that month', () => {
    const draft = opened();
    catchUp(draft, Date.parse('2027-02-01T00:00:00Z'), same);
    const rollover = draft.liveGrants().find((g) => g.source === 'rollover');
    expect(rollover?.remaining).toBe(FREE.rolloverCapTokens);
    expect(draft.balanceTokens()).toBe(FREE.tokensPerMonth + FREE.rolloverCapTokens);
  });

  it('keeps the stored terms, and says so, when the catalog has no row for the plan at the reset', () => {
    const draft = new Draft({ ...after(opened(), '2027-01-15'), terms: BASIC });
    catchUp(draft, Date.parse('2027-02-01T00:00:00Z'), () => undefined);
    expect(draft.terms).toEqual(BASIC);
    expect(draft.liveGrants().find((g) => g.source === 'monthly')?.amount).toBe(BASIC.tokensPerMonth);
    expect(draft.warnings.join()).toContain("plan 'basic'");
  });
});
