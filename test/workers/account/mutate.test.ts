// The one mutation path refuses to write what a refusal left on the draft: a decision that moved
// tokens and then refused would otherwise commit the move with no idempotency record.
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { idempotencyKeys } from '../../../src/account/contract/keys';
import { decideCredit } from '../../../src/account/core/credit';
import { mutate, type Operation } from '../../../src/account/operations/mutate';
import type { AccountShell } from '../../../src/account/operations/shell';
import type { UserAccount } from '../../../src/account/UserAccount';
import { accountStub, expectAuditOk, newUserId } from '../../support/helpers';

const shellOf = (instance: UserAccount) => (instance as unknown as { shell: AccountShell }).shell;

/** Credits 500 tokens on the draft, then refuses: a decision that must never commit. */
const creditThenRefuse: Operation<string, undefined, number, number> = {
  opens: true,
  movesDeadlines: true,
  key: (key) => idempotencyKeys.adminGrant(key),
  fingerprint: () => 'credit-then-refuse',
  decide: (draft, _key, _none, now) => {
    decideCredit(
      draft,
      { source: 'bonus', transactionType: 'bonus', tokens: 500, description: 'half-made', expiresAt: null },
      now,
    );
    return { ok: false, failure: { code: 'conflict', message: 'refused after writing' } };
  },
  answer: () => {
    throw new Error('never answered');
  },
  replay: () => {
    throw new Error('never replayed');
  },
};

describe('mutate', () => {
  it('throws, and commits nothing, when a refusal left changes on the draft', async () => {
    const stub = accountStub(newUserId('mutate'));
    const before = await stub.balance({ openIfNew: true });
    await runInDurableObject(stub, async (instance: UserAccount) => {
      await expect(mutate(shellOf(instance), creditThenRefuse, ['k1'], {})).rejects.toThrow(
        /a refusal \(conflict\) left changes on the draft/,
      );
    });
    expect(await stub.balance()).toEqual(before);
    await expectAuditOk(stub);
  });
});
