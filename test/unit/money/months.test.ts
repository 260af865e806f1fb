import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addCalendarMonths } from '../../../src/money/months';

const T = (iso: string) => Date.parse(iso);

describe('addCalendarMonths', () => {
  it('keeps the day and time of day, across years', () => {
    expect(addCalendarMonths(T('2026-11-25T12:30:45.678Z'), 3)).toBe(T('2027-02-25T12:30:45.678Z'));
    expect(addCalendarMonths(T('2026-01-01T00:00:00Z'), 12)).toBe(T('2027-01-01T00:00:00Z'));
  });

  it('clamps to the last day of a shorter month', () => {
    expect(addCalendarMonths(T('2027-01-31T10:00:00Z'), 1)).toBe(T('2027-02-28T10:00:00Z'));
    expect(addCalendarMonths(T('2028-01-31T10:00:00Z'), 1)).toBe(T('2028-02-29T10:00:00Z'));
    expect(addCalendarMonths(T('2026-08-31T23:59:59Z'), 6)).toBe(T('2027-02-28T23:59:59Z'));
  });

  it('always lands in the month `months` later, never before the start', () => {
    const start = fc.integer({ min: T('2000-01-01T00:00:00Z'), max: T('2100-01-01T00:00:00Z') });
    fc.assert(
      fc.property(start, fc.integer({ min: 1, max: 120 }), (at, months) => {
        const end = addCalendarMonths(at, months);
        const a = new Date(at);
        const b = new Date(end);
        expect(b.getUTCFullYear() * 12 + b.getUTCMonth()).toBe(a.getUTCFullYear() * 12 + a.getUTCMonth() + months);
        expect(b.getUTCDate()).toBeLessThanOrEqual(a.getUTCDate());
        expect(end).toBeGreaterThan(at);
      }),
    );
  });
});
