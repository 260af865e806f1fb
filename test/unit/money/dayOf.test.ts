import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dayOf } from '../../../src/money/period';

describe('dayOf', () => {
  it('agrees with the ISO date for any instant, asked in any order', () => {
    const instant = fc.integer({ min: -8.64e15, max: 8.64e15 });
    fc.assert(
      fc.property(fc.array(instant, { minLength: 1, maxLength: 20 }), (instants) => {
        for (const at of instants) expect(dayOf(at)).toBe(new Date(at).toISOString().slice(0, 10));
      }),
    );
  });

  it('turns at midnight UTC, before 1970 too', () => {
    const midnight = Date.UTC(2026, 10, 26);
    expect([dayOf(midnight - 1), dayOf(midnight), dayOf(midnight - 1)]).toEqual([
      '2026-11-25',
      '2026-11-26',
      '2026-11-25',
    ]);
    const old = Date.UTC(1969, 6, 20);
    expect([dayOf(old - 1), dayOf(old), dayOf(old + 86_399_999)]).toEqual(['1969-07-19', '1969-07-20', '1969-07-20']);
  });

  it('is not misled by a fraction of a millisecond before 1970', () => {
    expect([dayOf(-0.5), dayOf(-1000), dayOf(-86_400_000.5)]).toEqual(['1970-01-01', '1969-12-31', '1969-12-31']);
  });

  it('agrees with the ISO date at leap days, century years and the edges of four-digit years', () => {
    const edges = [
      Date.UTC(2000, 1, 29),
      Date.UTC(2100, 1, 28),
      Date.UTC(2100, 2, 1),
      Date.UTC(1900, 2, 1),
      Date.UTC(2024, 11, 31),
      new Date('0000-01-01T00:00:00Z').getTime(),
      new Date('9999-12-31T23:59:59.999Z').getTime(),
    ];
    for (const edge of edges) {
      for (const at of [edge - 1, edge, edge + 1]) expect(dayOf(at)).toBe(new Date(at).toISOString().slice(0, 10));
    }
  });
});
