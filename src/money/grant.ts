/** Where a grant's tokens came from. Rollover grants are transfers out of a monthly grant, not new money. */
export type GrantSource = 'monthly' | 'rollover' | 'purchase' | 'promo' | 'bonus' | 'refund_credit' | 'adjustment';

/** A bucket of tokens. Times are epoch milliseconds. */
export interface Grant {
  id: number;
  source: GrantSource;
  amount: number;
  remaining: number;
  expiresAt: number | null;
  createdAt: number;
}

/** A movement of tokens on one grant: negative when spent, positive when credited. */
export type Allocation = [grantId: number, tokens: number];
