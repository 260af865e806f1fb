// Usage totals by UTC day, agent and model, kept in the same transaction as each usage row. The
// analytics read these (a few rows a day) instead of scanning the log.
import type { UsageCost } from '../ledger/cost';
import { rowsOf } from './sqlRows';

export interface RollupTotals {
  requests: number;
  tokens: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd_micros: number;
  cost_inr_paise: number;
}

const TOTALS = `COALESCE(SUM(requests), 0) AS requests, COALESCE(SUM(tokens), 0) AS tokens,
  COALESCE(SUM(input_tokens), 0) AS input_tokens, COALESCE(SUM(output_tokens), 0) AS output_tokens,
  COALESCE(SUM(cost_usd_micros), 0) AS cost_usd_micros, COALESCE(SUM(cost_inr_paise), 0) AS cost_inr_paise`;

type Row<T> = T & Record<string, SqlStorageValue>;

export class UsageRollup {
  constructor(private readonly sql: SqlStorage) {}

  add(day: string, agent: string, model: string, inputTokens: number, outputTokens: number, cost: UsageCost): void {
    this.sql.exec(
      `INSERT INTO usage_rollup VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)
       ON CONFLICT (day, agent, model) DO UPDATE SET requests = requests + 1, tokens = tokens + excluded.tokens,
         input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
         cost_usd_micros = cost_usd_micros + excluded.cost_usd_micros, cost_inr_paise = cost_inr_paise + excluded.cost_inr_paise`,
      day,
      agent,
      model,
      inputTokens + outputTokens,
      inputTokens,
      outputTokens,
      cost.costUsdMicros,
      cost.costInrPaise,
    );
  }

  /** Totals over days in [fromDay, toDay] (inclusive, 'YYYY-MM-DD'). */
  totals(fromDay: string, toDay: string): RollupTotals {
    return this.sql
      .exec<Row<RollupTotals>>(`SELECT ${TOTALS} FROM usage_rollup WHERE day BETWEEN ? AND ?`, fromDay, toDay)
      .one();
  }

  by(column: 'agent' | 'model' | 'day', fromDay: string, toDay: string): (RollupTotals & { key: string })[] {
    return rowsOf(
      this.sql.exec<Row<RollupTotals & { key: string }>>(
        `SELECT ${column} AS key, ${TOTALS} FROM usage_rollup WHERE day BETWEEN ? AND ? GROUP BY ${column} ORDER BY ${column}`,
        fromDay,
        toDay,
      ),
    );
  }
}
