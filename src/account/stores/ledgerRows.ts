// The ledger's rows: how one is appended and how a stored one reads back. Rows are only appended,
// never changed or deleted, so a row's seq is its place in the account's history.
import type { Allocation } from '../../money/grant';
import type { Transaction, TransactionDetail, TransactionType } from '../contract/rpc';
import type { NewEntry } from '../core/draft';
import type { Sql } from './sql';

export interface TransactionRow {
  seq: number;
  type: TransactionType;
  tokens: number;
  tokens_before: number;
  tokens_after: number;
  at: number;
  agent: string | null;
  model: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd_micros: number | null;
  cost_inr_paise: number | null;
  description: string | null;
  allocations: string;
  detail: string | null;
  plan_id: string | null;
  [column: string]: SqlStorageValue;
}

/**
 * Append one ledger row under `seq`, with the idempotency key it carries (idempotency.ts), if any;
 * returns it as the API shows it.
 */
export function appendLedgerRow(
  sql: Sql,
  e: NewEntry,
  seq: number,
  key?: { key: string; fingerprint: string },
): Transaction {
  sql.run(
    'ledger append',
    `INSERT INTO transactions (seq, type, tokens, tokens_before, tokens_after, at, agent, model, input_tokens, output_tokens,
       cost_usd_micros, cost_inr_paise, description, allocations, detail, plan_id, idem_key, idem_fingerprint)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    seq,
    e.type,
    e.tokens,
    e.tokensBefore,
    e.tokensAfter,
    e.at,
    e.agent ?? null,
    e.model ?? null,
    e.inputTokens ?? null,
    e.outputTokens ?? null,
    e.costUsdMicros ?? null,
    e.costInrPaise ?? null,
    e.description,
    JSON.stringify(e.allocations),
    e.detail === null ? null : JSON.stringify(e.detail),
    e.planId ?? null,
    key?.key ?? null,
    key?.fingerprint ?? null,
  );
  return {
    seq,
    type: e.type,
    tokens: e.tokens,
    tokensBefore: e.tokensBefore,
    tokensAfter: e.tokensAfter,
    at: e.at,
    agent: e.agent ?? null,
    model: e.model ?? null,
    inputTokens: e.inputTokens ?? null,
    outputTokens: e.outputTokens ?? null,
    costUsdMicros: e.costUsdMicros ?? null,
    costInrPaise: e.costInrPaise ?? null,
    description: e.description,
    movements: e.allocations.map(([grantId, tokens]) => ({ grantId, tokens })),
    detail: e.detail,
  };
}

export function toTransaction(row: TransactionRow): Transaction {
  return {
    seq: row.seq,
    type: row.type,
    tokens: row.tokens,
    tokensBefore: row.tokens_before,
    tokensAfter: row.tokens_after,
    at: row.at,
    agent: row.agent,
    model: row.model,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    costUsdMicros: row.cost_usd_micros,
    costInrPaise: row.cost_inr_paise,
    description: row.description,
    movements: (JSON.parse(row.allocations) as Allocation[]).map(([grantId, tokens]) => ({ grantId, tokens })),
    detail: row.detail === null ? null : (JSON.parse(row.detail) as TransactionDetail),
  };
}
