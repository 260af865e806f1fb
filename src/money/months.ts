// Calendar-month arithmetic in UTC, for validity periods such as "valid for 3 months".

/**
 * The same wall-clock instant `months` calendar months after `at`, in UTC. A day that does not
 * exist in the target month becomes its last day (31 Jan + 1 month = 28 or 29 Feb).
 */
export function addCalendarMonths(at: number, months: number): number {
  const d = new Date(at);
  const target = new Date(
    Date.UTC(
      d.getUTCFullYear(),
      d.getUTCMonth() + months,
      1,
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
      d.getUTCMilliseconds(),
    ),
  );
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  return target.getTime();
}
