// D1 rows are parsed, never cast: a row that does not have the shape the code expects is a loud
// error naming the table, not a NaN or an undefined further down.
import type { z } from 'zod';

export function parseRows<T extends z.ZodType>(
  schema: T,
  rows: readonly unknown[] | undefined,
  table: string,
): z.infer<T>[] {
  return (rows ?? []).map((row) => parseRow(schema, row, table)!);
}

/** The row parsed, or null when there is none. */
export function parseRow<T extends z.ZodType>(schema: T, row: unknown, table: string): z.infer<T> | null {
  if (row === null || row === undefined) return null;
  const parsed = schema.safeParse(row);
  if (!parsed.success) throw new Error(`d1: a row of ${table} is malformed: ${parsed.error.message}`);
  return parsed.data;
}
