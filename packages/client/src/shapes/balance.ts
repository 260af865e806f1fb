import type { IsoTime } from './money.js';

/**
 * A user's balance, as `GET /api/v1/tokens/balance` (the user) and
 * `GET /api/v1/service/users/{userId}/balance` (the platform) answer it. Token counts are integers.
 */
export interface Balance {
  total_tokens: number;
  used_tokens: number;
  /** Spendable now: the grants' remaining tokens less what open reservations hold. */
  remaining_tokens: number;
  /** Held by open reservations; spendable again once they are committed or released. */
  held_tokens: number;
  monthly_allowance: number;
  monthly_used: number;
  monthly_remaining: number;
  /** 0–100, one decimal. */
  monthly_used_percentage: number;
  premium_tokens: number;
  premium_remaining: number;
  rollover_tokens: number;
  month_reset_date: IsoTime;
  total_requests: number;
  requests_today: number;
  last_request_at: IsoTime | null;
}
