/** An amount as decimals, for display; the exact integers (µUSD, paise) are the fields beside it. */
export interface Money {
  usd: number;
  inr: number;
}

/** Time as the service writes it: ISO 8601 in UTC, e.g. `2026-05-01T00:00:00.000Z`. */
export type IsoTime = string;
