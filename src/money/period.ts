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
/**
 * 'YYYY-MM-DD' of `at` in UTC: the key of the day's counters. Every request asks several times, so
 * it is arithmetic on the day number (the proleptic Gregorian calendar, as Date counts it) rather
 * than a Date and its ISO string; years outside 0–9999 take Date's own extended form.
 */
export function dayOf(at: number): string {
  // Whole milliseconds toward zero, as Date takes them: before 1970 a fraction is still the same day.
  const days = Math.floor(Math.trunc(at) / DAY_MS);
  // Days to a civil date (H. Hinnant's algorithm), in 400-year eras of 146,097 days from 0000-03-01.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1_460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  if (!(year >= 0 && year <= 9_999)) return new Date(at).toISOString().slice(0, 10);
  return `${String(year).padStart(4, '0')}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}

/** The next 00:00 UTC after `at`: when the day's counters restart. */
export function nextDayStart(at: number): number {
  const d = new Date(at);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}
