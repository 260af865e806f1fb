// Operators' writes to the catalog tables (models, plans, packages, agents) and the exchange rate.
// Column names come from the strict zod schemas in adminSchemas.ts, never from the client's keys.
import { ADMIN_LIST_PAGE_SIZE_MAX } from '../../money/limits';

export type CatalogTable = 'models' | 'plans' | 'packages' | 'agents';
type CatalogRow = Record<string, unknown> & { id: string };
type Value = string | number | null;

/** JSON arrays become text and booleans 0/1, as the tables store them. */
function toColumns(body: Record<string, unknown>): [string, Value][] {
  return Object.entries(body).map(([column, value]) => {
    if (Array.isArray(value)) return [column, JSON.stringify(value)];
    if (typeof value === 'boolean') return [column, value ? 1 : 0];
    return [column, value as Value];
  });
}

/** The new row, or null when the id is taken. */
export async function insertCatalogRow(
  db: D1Database,
  table: CatalogTable,
  body: Record<string, unknown>,
): Promise<CatalogRow | null> {
  const columns = toColumns(body);
  return db
    .prepare(
      `INSERT INTO ${table} (${columns.map(([c]) => c).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})
       ON CONFLICT (id) DO NOTHING RETURNING *`,
    )
    .bind(...columns.map(([, v]) => v))
    .first<CatalogRow>();
}

/** The updated row, or null when no row has this id. */
export async function updateCatalogRow(
  db: D1Database,
  table: CatalogTable,
  id: string,
  body: Record<string, unknown>,
): Promise<CatalogRow | null> {
  const columns = toColumns(body);
  return db
    .prepare(
      `UPDATE ${table} SET ${columns.map(([c]) => `${c} = ?`).join(', ')}, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
       WHERE id = ? RETURNING *`,
    )
    .bind(...columns.map(([, v]) => v), id)
    .first<CatalogRow>();
}

export async function getCatalogRow(db: D1Database, table: CatalogTable, id: string): Promise<CatalogRow | null> {
  return db.prepare(`SELECT * FROM ${table} WHERE id = ?`).bind(id).first<CatalogRow>();
}

/** Rows in id order after `afterId`, at most `limit` (≤ ADMIN_LIST_PAGE_SIZE_MAX), inactive ones included. */
export async function listCatalogRows(
  db: D1Database,
  table: CatalogTable,
  limit: number,
  afterId: string | undefined,
): Promise<CatalogRow[]> {
  const page = Math.min(limit, ADMIN_LIST_PAGE_SIZE_MAX);
  return (
    await db
      .prepare(`SELECT * FROM ${table} WHERE id > ? ORDER BY id LIMIT ?`)
      .bind(afterId ?? '', page)
      .all<CatalogRow>()
  ).results;
}

/** An operator's view of a row: booleans and feature lists decoded. */
export function catalogRowView(row: CatalogRow): Record<string, unknown> {
  const view: Record<string, unknown> = { ...row };
  if ('active' in row) view.active = row.active === 1;
  if ('popular' in row) view.popular = row.popular === 1;
  if (typeof row.features === 'string') view.features = JSON.parse(row.features);
  return view;
}

export async function getUsdInrPaise(db: D1Database): Promise<number | null> {
  const row = await db.prepare("SELECT value FROM settings WHERE key = 'usd_inr_paise'").first<{ value: string }>();
  return row ? Number(row.value) : null;
}

export async function setUsdInrPaise(db: D1Database, paise: number): Promise<void> {
  await db
    .prepare(
      "INSERT INTO settings (key, value) VALUES ('usd_inr_paise', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(String(paise))
    .run();
}
