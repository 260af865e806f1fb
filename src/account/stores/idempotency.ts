// The one idempotency rule every mutation goes through: a key (contract/keys.ts) names the mutation, a
// fingerprint says what it was. The first time, the mutation runs and, if it applied, its key is
// stored with the ledger row it wrote and any outcome a row does not tell. A repeat with the same
// fingerprint answers from what was stored and changes nothing; with another fingerprint it is
// refused. Refusals are not stored (the same key may be sent again once the cause is gone) unless
// the mutation says its refusals are final (a promo attempt).
import type { AccountFailure } from '../contract/rpc';
import type { IdempotencyKey } from '../contract/keys';
import type { Sql } from './sql';

export interface IdempotencyRecord {
  fingerprint: string;
  seq: number | null;
  outcome: string | null;
}

/** What a mutation did: applied (with the row it wrote, if any), or refused. */
export type MutationOutcome<T> =
  | { ok: true; value: T; seq: number | null; outcome?: string }
  | { ok: false; failure: AccountFailure; final?: boolean };

export type IdempotentResult<T> = { ok: true; value: T; replayed: boolean } | { ok: false; failure: AccountFailure };

export class IdempotencyStore {
  constructor(private readonly sql: Sql) {}

  find(key: IdempotencyKey): IdempotencyRecord | undefined {
    return this.sql.first<IdempotencyRecord & Record<string, SqlStorageValue>>(
      'idempotency find',
      'SELECT fingerprint, seq, outcome FROM idempotency_keys WHERE key = ?',
      key,
    );
  }

  record(key: IdempotencyKey, record: IdempotencyRecord): void {
    this.sql.run(
      'idempotency record',
      'INSERT INTO idempotency_keys (key, fingerprint, seq, outcome) VALUES (?, ?, ?, ?)',
      key,
      record.fingerprint,
      record.seq,
      record.outcome,
    );
  }

  /**
   * Run `mutate` once per key. Call inside the mutation's transactionSync, so the check, the
   * changes and the record commit together. A null key runs the mutation without a record.
   */
  once<T>(
    key: IdempotencyKey | null,
    fingerprint: string,
    mutate: () => MutationOutcome<T>,
    replay: (record: IdempotencyRecord) => IdempotentResult<T>,
  ): IdempotentResult<T> {
    if (key != null) {
      const prior = this.find(key);
      if (prior) {
        if (prior.fingerprint !== fingerprint) {
          return {
            ok: false,
            failure: {
              code: 'idempotency_key_reused',
              message: 'This idempotency key was already used for a different request.',
            },
          };
        }
        return replay(prior);
      }
    }
    const outcome = mutate();
    if (key != null && (outcome.ok || outcome.final)) {
      this.record(key, {
        fingerprint,
        seq: outcome.ok ? outcome.seq : null,
        outcome: outcome.ok ? (outcome.outcome ?? null) : JSON.stringify(outcome.failure),
      });
    }
    return outcome.ok ? { ok: true, value: outcome.value, replayed: false } : outcome;
  }
}
