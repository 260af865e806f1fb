// Calendar months in UTC: a period is named 'YYYY-MM' and ends at 00:00 UTC on the 1st of the next.

export function periodOf(at: number): string {
  const d = new Date(at);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The instant `period` ends and the next begins. */
export function periodEnd(period: string): number {
  const [year, month] = period.split('-').map(Number) as [number, number];
  return Date.UTC(year, month, 1);
}

export function nextPeriod(period: string): string {
  return periodOf(periodEnd(period));
}

/** One UTC day (UTC days carry no leap seconds). */
export const DAY_MS = 86_400_000;
/** The last day asked for: every request asks several times, nearly always for the same day. */
let lastDay = { start: Number.NaN, key: '' };

/** 'YYYY-MM-DD' of `at` in UTC: the key of the day's counters. */
export function dayOf(at: number): string {
  if (at >= lastDay.start && at < lastDay.start + DAY_MS) return lastDay.key;
  const key = new Date(at).toISOString().slice(0, 10);
  // Whole milliseconds only: Date drops a fraction toward zero, which before 1970 is the day after.
  if (Number.isInteger(at)) lastDay = { start: Math.floor(at / DAY_MS) * DAY_MS, key };
  return key;
}

/** The next 00:00 UTC after `at`: when the day's counters restart. */
export function nextDayStart(at: number): number {
  const d = new Date(at);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}
