// Names for the grants history rows pay from or credit. The API names a grant by id only; its name is
// the description of the row that opened it (a monthly reset, a purchase, a promo code, a bonus). That
// row is often pages older than the usage drawn from it, so a grant the loaded rows leave unnamed is
// looked up once among the credit rows of each type that opens grants.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import * as fmt from '../format';
import type { Transaction, TransactionType } from '../types';

/** The row types whose positive grant movements open a grant. */
const OPENING_TYPES: readonly TransactionType[] = ['monthly_reset', 'rollover', 'purchase', 'bonus', 'plan_change'];

/** How far back each lookup reads, per type: the route's largest page. Older grants keep their id only. */
const LOOKUP_ROWS_MAX = 100;

export function useGrantNames(rows: readonly Transaction[] | null): ReadonlyMap<number, string> {
  const names = useRef(new Map<number, string>());
  // Ids already looked up, found or not: each is asked about once.
  const asked = useRef(new Set<number>());
  const [, setLearned] = useState(0);

  // Learning from the rows on screen is idempotent, so it may happen while rendering.
  learn(names.current, rows ?? []);
  const missing = unnamed(rows ?? [], names.current).filter((id) => !asked.current.has(id));
  const missingKey = missing.join(',');

  useEffect(() => {
    if (missingKey === '') return;
    for (const id of missingKey.split(',')) asked.current.add(Number(id));
    let current = true;
    void Promise.all(
      OPENING_TYPES.map((type) =>
        api<Transaction[]>(`/tokens/transactions?type=${type}&limit=${LOOKUP_ROWS_MAX}`).then(
          (answer) => answer.data,
          // A name is a nicety: without it the row still shows the grant's id.
          () => [],
        ),
      ),
    ).then((lists) => {
      for (const list of lists) learn(names.current, list);
      if (current) setLearned((n) => n + 1);
    });
    return () => {
      current = false;
    };
  }, [missingKey]);

  return names.current;
}

function learn(names: Map<number, string>, rows: readonly Transaction[]): void {
  for (const row of rows) {
    if (row.tokens <= 0) continue;
    for (const g of row.grants) if (g.tokens > 0) names.set(g.grant_id, sourceName(row));
  }
}

function unnamed(rows: readonly Transaction[], names: ReadonlyMap<number, string>): number[] {
  const ids = new Set<number>();
  for (const row of rows) for (const g of row.grants) if (!names.has(g.grant_id)) ids.add(g.grant_id);
  return [...ids].sort((a, b) => a - b);
}

function sourceName(row: Transaction): string {
  return row.description && row.description !== row.type ? row.description : fmt.typeLabel(row.type);
}
