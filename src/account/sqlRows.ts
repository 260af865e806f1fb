// Reading rows out of a SqlStorage cursor. workerd builds each row of `toArray()` (or of iterating
// the cursor) through its own bindings, which costs about twice what building the same plain
// objects in JavaScript from `raw()` arrays costs: 10 live grants 44 → 23 µs, a 21-row page of the
// log 147 → 45 µs, measured inside an object (README, "Benchmark").

/** Every row of the cursor as a plain object keyed by column name. */
export function rowsOf<T extends Record<string, SqlStorageValue>>(cursor: SqlStorageCursor<T>): T[] {
  const names = cursor.columnNames;
  const rows: T[] = [];
  for (const values of cursor.raw()) {
    const row: Record<string, SqlStorageValue> = {};
    for (let i = 0; i < names.length; i++) row[names[i]!] = values[i]!;
    rows.push(row as T);
  }
  return rows;
}

/** The first row, or undefined when there is none (for queries that return at most one). */
export function firstRowOf<T extends Record<string, SqlStorageValue>>(cursor: SqlStorageCursor<T>): T | undefined {
  return rowsOf(cursor)[0];
}
