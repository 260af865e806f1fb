import { describe, expect, it } from 'vitest';
import { newAccountState, openAccount } from '../../../../src/account/core/cycle';
import { Draft } from '../../../../src/account/core/draft';
import { decidePlanChange } from '../../../../src/account/core/planChange';
import { after, BASIC, FREE } from './state';

const NOW = Date.parse('2027-05-10T00:00:00Z');
const DAY = '2027-05-10';

function onFree(): Draft {
  const draft = new Draft(newAccountState(FREE, NOW, DAY));
  openAccount(draft, NOW);
  return new Draft(after(draft, DAY));
}

describe('core: plan changes', () => {
  it('an upgrade switches at once and tops the month up to the new allowance', () => {
    const draft = onFree();
    const decided = decidePlanChange(
      draft,
      { terms: BASIC, active: true },
      { planId: 'basic', when: 'auto', reason: 'up' },
      NOW,
    );
    expect(decided).toMatchObject({ ok: true, value: { effective: 'now', entry: { tokens: 40_000 } } });
    expect(draft.terms).toEqual(BASIC);
    expect(draft.balanceTokens()).toBe(BASIC.tokensPerMonth);
  });

  it('a downgrade waits for the reset and moves no tokens', () => {
    const draft = new Draft({ ...after(onFree(), DAY), terms: BASIC });
    const decided = decidePlanChange(
      draft,
      { terms: FREE, active: true },
      { planId: 'free', when: 'auto', reason: 'down' },
      NOW,
    );
    expect(decided).toMatchObject({ ok: true, value: { effective: 'next_reset', entry: { tokens: 0 } } });
    expect(draft.terms).toEqual(BASIC);
    expect(draft.pendingTerms).toEqual(FREE);
  });

  it('refuses an unknown plan and a retired one the user is not on, changing nothing', () => {
    const draft = onFree();
    expect(decidePlanChange(draft, undefined, { planId: 'x', when: 'auto', reason: 'r' }, NOW)).toMatchObject({
      ok: false,
      failure: { code: 'not_found' },
    });
    expect(
      decidePlanChange(draft, { terms: BASIC, active: false }, { planId: 'basic', when: 'now', reason: 'r' }, NOW),
    ).toMatchObject({ ok: false });
    expect(draft.changes).toEqual([]);
  });
});
