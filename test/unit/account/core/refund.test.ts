import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newAccountState, openAccount } from '../../../../src/account/core/cycle';
import { Draft } from '../../../../src/account/core/draft';
import { decideRefund } from '../../../../src/account/core/refund';
import { after, FREE } from './state';

const NOW = Date.parse('2027-05-10T00:00:00Z');
const DAY = '2027-05-10';

describe('core: refunds', () => {
  it('cumulative refunds never take more than was owed, nor more than the grant holds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 4 }),
        (tokens, spentRaw, refundSteps) => {
          const spent = Math.min(spentRaw, tokens);
          const start = new Draft(newAccountState(FREE, NOW, DAY));
          openAccount(start, NOW);
          const grantId = start.insertGrant({
            source: 'purchase',
            amount: tokens,
            expiresAt: null,
            createdAt: NOW,
            period: null,
          });
          start.append({ type: 'purchase', at: NOW, allocations: [[grantId, tokens]] });
          if (spent > 0) start.move(grantId, -spent, true);
          let state = after(start, DAY);
          const chargePaise = 10_000;
          let refunded = 0;
          let taken = 0;
          for (const step of refundSteps) {
            refunded = Math.min(chargePaise, refunded + step);
            const draft = new Draft(state);
            const purchase = { sessionId: 's', packageId: 'p', grantId, tokens };
            taken += decideRefund(
              draft,
              purchase,
              { chargeId: 'c', chargeAmountPaise: chargePaise, refundedPaise: refunded, tokensTaken: taken },
              NOW,
            );
            state = after(draft, DAY);
          }
          const owed = refunded >= chargePaise ? tokens : Math.floor((tokens * refunded) / chargePaise);
          expect(taken).toBeLessThanOrEqual(owed);
          expect(taken).toBeLessThanOrEqual(tokens - spent);
          expect(taken).toBe(Math.min(owed, tokens - spent));
        },
      ),
    );
  });
});
