// What platform analytics learn from an applied decision, beside its usage rows (the flush reads those
// from the ledger itself, ledgerFacts.ts). Rows are derived from the changes the store applies, inside
// the same transaction, so no decision can write a ledger row and forget its analytics. Each Change kind says what it contributes in `rowsOf`: a new kind (a reservation, say) adds a
// case there, and the compiler points at the switch until it does.
import { dayOf } from '../../money/period';
import type { GrantSource } from '../../money/grant';
import type { Transaction } from '../contract/rpc';
import type { Change, NewGrant } from '../core/draft';

/** The kind of a fact that is a payment, not a ledger row. */
export const SUBSCRIPTION_PAYMENT = 'subscription_payment';

/** One analytics fact, as the outbox stores it and the flush sends it. Money is integers. */
export interface OutboxFact {
  /** UTC day of the fact ('YYYY-MM-DD'): the day of its ledger row's time. */
  day: string;
  /**
   * The ledger row's type (usage, purchase, bonus, monthly_reset, rollover, expiry, refund,
   * plan_change), or SUBSCRIPTION_PAYMENT for an invoice paid.
   */
  kind: string;
  /** The ledger row it came from, when there is one. */
  txSeq: number | null;
  /** The plan the account was on when the row was drafted; '' when unknown. */
  planId: string;
  /** The source of the grant a credit created (or an expiry zeroed); '' for usage and rows with none. */
  source: GrantSource | '';
  agent: string | null;
  model: string | null;
  /** The ledger row's signed tokens for credits, expiries and refunds; the tokens charged for usage. */
  tokens: number;
  inputTokens: number;
  outputTokens: number;
  /** As stored on the ledger row when it happened; later price changes never reach them. */
  costUsdMicros: number;
  costInrPaise: number;
  /** Money paid for a purchase, in paise, when known. */
  amountPaise: number | null;
  /** The package (purchase, refund) or plan (plan change) the row concerns. */
  productId: string | null;
  promoCode: string | null;
}

/** Analytics facts of one decision's changes; `appended` are the ledger rows apply wrote, in order. */
export function outboxFactsOf(changes: readonly Change[], appended: readonly Transaction[]): OutboxFact[] {
  const inserted = new Map<number, NewGrant>();
  const facts: OutboxFact[] = [];
  let appendIndex = 0;
  for (const change of changes) {
    switch (change.kind) {
      case 'grant_insert':
        inserted.set(change.grant.id, change.grant);
        break;
      case 'append': {
        const row = appended[appendIndex++];
        if (!row) throw new Error('outbox: an append change without its ledger row');
        // A usage row is its own fact: the flush reads it from the ledger (ledgerFacts.ts).
        if (row.type !== 'usage') facts.push(factOfRow(row, change.entry.planId ?? '', inserted));
        break;
      }
      case 'payment':
        facts.push(paymentFact(change.payment));
        break;
      // Grant moves and closes, the account row and the day counters are told by the ledger rows
      // that accompany them; a reservation moves no tokens and no money (its commit appends the
      // usage row that counts): they add no fact of their own. Project progress, Stripe's own records
      // and extra idempotency keys are bookkeeping beside the rows and payments that carry the money.
      case 'grant_move':
      case 'grant_close':
      case 'account':
      case 'usage_count':
      case 'reservation_open':
      case 'reservation_settle':
      case 'project_create':
      case 'project':
      case 'purchase':
      case 'refund':
      case 'subscription':
      case 'plan_subscription':
      case 'checkout_mark':
      case 'key_claim':
        break;
      default:
        assertNever(change);
    }
  }
  return facts;
}

function factOfRow(row: Transaction, planId: string, inserted: Map<number, NewGrant>): OutboxFact {
  const detail = row.detail ?? {};
  const text = (key: string) => (typeof detail[key] === 'string' ? (detail[key] as string) : null);
  const int = (key: string) => (Number.isSafeInteger(detail[key]) ? (detail[key] as number) : null);
  const base: OutboxFact = {
    day: dayOf(row.at),
    kind: row.type,
    txSeq: row.seq,
    planId,
    source: '',
    agent: null,
    model: null,
    tokens: row.tokens,
    inputTokens: 0,
    outputTokens: 0,
    costUsdMicros: 0,
    costInrPaise: 0,
    amountPaise: null,
    productId: null,
    promoCode: null,
  };
  switch (row.type) {
    case 'expiry':
      return { ...base, source: (text('source') as GrantSource | null) ?? '' };
    case 'refund':
      return { ...base, source: 'purchase', productId: text('package_id') };
    case 'plan_change':
      return { ...base, source: creditedSource(row, inserted), productId: text('to_plan') };
    case 'purchase':
      return { ...base, source: 'purchase', amountPaise: int('amount_paise'), productId: text('package_id') };
    default:
      return { ...base, source: creditedSource(row, inserted), promoCode: text('promo_code') };
  }
}

/** A subscription invoice paid: revenue under its plan, with no tokens and no ledger row. */
function paymentFact(p: { at: number; planId: string; amountPaise: number }): OutboxFact {
  return {
    day: dayOf(p.at),
    kind: SUBSCRIPTION_PAYMENT,
    txSeq: null,
    planId: p.planId,
    source: '',
    agent: null,
    model: null,
    tokens: 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsdMicros: 0,
    costInrPaise: 0,
    amountPaise: p.amountPaise,
    productId: p.planId,
    promoCode: null,
  };
}

/** The source of the grant a row credited: the first grant it moved tokens into that the same decision created. */
function creditedSource(row: Transaction, inserted: Map<number, NewGrant>): GrantSource | '' {
  for (const m of row.movements) {
    const grant = m.tokens > 0 ? inserted.get(m.grantId) : undefined;
    if (grant) return grant.source;
  }
  return '';
}

function assertNever(change: never): never {
  throw new Error(`outbox: no analytics rule for change ${JSON.stringify(change)}`);
}
