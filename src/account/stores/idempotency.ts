// The one idempotency rule every mutation goes through: a key (contract/keys.ts) names the mutation, a
// fingerprint says what it was. The first time, the mutation runs and, if it applied, its key is
// stored with the ledger row it wrote and any outcome a row does not tell. A repeat with the same
// fingerprint answers from what was stored and changes nothing; with another fingerprint it is
// refused. Refusals are not stored (the same key may be sent again once the cause is gone) unless
// the mutation says its refusals are final (a promo attempt).
//
// Where it is stored (keys.ts, `carrierOf`): most keys ride on the row their mutation writes anyway
// (a ledger row, a reservation, the reservation a commit or release settles), so a key costs no row
// of its own; AccountStore.apply asks `carry` while it writes that row. The rest, and any key whose
// mutation wrote no row able to carry it, go to the keys table, which is also where keys written by
// earlier versions stay.
import type { AccountFailure } from '../contract/rpc';
import { carrierOf, idempotencyKeys, prefixesOf, type IdempotencyKey, type KeyCarrier } from '../contract/keys';
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

/** The key of the mutation under way, and what the row that carried it stored. */
interface Claim {
  key: IdempotencyKey;
  fingerprint: string;
  carrier: KeyCarrier;
  stored?: { seq: number | null; outcome: string | null };
}

type RowCarrier = Exclude<KeyCarrier, 'table'>;

const ROW_CARRIERS: readonly RowCarrier[] = ['ledger', 'reservation', 'settlement'];

export class IdempotencyStore {
  private claim: Claim | undefined;
  /** The carriers whose kinds of key the keys table holds (read once for all; a fallback write adds one). */
  private inTable: Set<RowCarrier> | undefined;

  constructor(private readonly sql: Sql) {}

  find(key: IdempotencyKey): IdempotencyRecord | undefined {
    const carrier = carrierOf(key);
    if (carrier !== 'table') {
      const carried = this.findCarried(carrier, key);
      if (carried || !this.tableHolds(carrier)) return carried;
    }
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
    const carrier = carrierOf(key);
    if (carrier !== 'table') this.carriersInTable().add(carrier);
  }

  /**
   * For the store, while it writes a row of `carrier` (for a settlement: settling `reservationId`
   * with `status`): the key of the mutation under way when that row is the one to carry it, or
   * undefined. `stored` is what the row will answer a repeat with.
   */
  carry(
    carrier: RowCarrier,
    stored: { seq: number | null; outcome: string | null },
    settles?: { reservationId: number; status: string },
  ): { key: IdempotencyKey; fingerprint: string } | undefined {
    const c = this.claim;
    if (!c || c.stored || c.carrier !== carrier) return undefined;
    if (settles && c.key !== settlementKey(settles.reservationId, settles.status)) return undefined;
    c.stored = stored;
    return c;
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
    const claim: Claim | undefined = key == null ? undefined : { key, fingerprint, carrier: carrierOf(key) };
    this.claim = claim;
    let outcome: MutationOutcome<T>;
    try {
      outcome = mutate();
    } finally {
      this.claim = undefined;
    }
    if (key != null && claim) this.settle(claim, outcome);
    return outcome.ok ? { ok: true, value: outcome.value, replayed: false } : outcome;
  }

  /** Store the key where no row carried it; check that a row which did tells what the mutation answered. */
  private settle<T>(claim: Claim, outcome: MutationOutcome<T>): void {
    const record: IdempotencyRecord = {
      fingerprint: claim.fingerprint,
      seq: outcome.ok ? outcome.seq : null,
      outcome: outcome.ok ? (outcome.outcome ?? null) : JSON.stringify(outcome.failure),
    };
    if (claim.stored) {
      // A row carries the key: only an applied mutation may have written it, and it must answer
      // a repeat as the mutation answered.
      if (!outcome.ok || claim.stored.seq !== record.seq || claim.stored.outcome !== record.outcome) {
        throw new Error(`idempotency: the row carrying ${claim.key} does not tell what the mutation answered`);
      }
      return;
    }
    if (outcome.ok || outcome.final) this.record(claim.key, record);
  }

  private findCarried(carrier: RowCarrier, key: IdempotencyKey): IdempotencyRecord | undefined {
    switch (carrier) {
      case 'ledger': {
        const row = this.sql.first<{ seq: number; fingerprint: string }>(
          'idempotency find ledger',
          'SELECT seq, idem_fingerprint AS fingerprint FROM transactions WHERE idem_key = ?',
          key,
        );
        return row && { fingerprint: row.fingerprint, seq: row.seq, outcome: null };
      }
      case 'reservation': {
        const row = this.sql.first<{ id: number; fingerprint: string }>(
          'idempotency find reservation',
          'SELECT id, idem_fingerprint AS fingerprint FROM holds WHERE idem_key = ?',
          key,
        );
        return row && { fingerprint: row.fingerprint, seq: null, outcome: String(row.id) };
      }
      case 'settlement': {
        const [prefix, id] = [key.slice(0, key.indexOf(':')), Number(key.slice(key.indexOf(':') + 1))];
        const row = this.sql.first<{ fingerprint: string; seq: number | null }>(
          'idempotency find settlement',
          `SELECT settle_fingerprint AS fingerprint, tx_seq AS seq FROM holds
           WHERE id = ? AND status = ? AND settle_fingerprint IS NOT NULL`,
          id,
          prefix === 'hold-commit' ? 'committed' : 'released',
        );
        return row && { fingerprint: row.fingerprint, seq: row.seq, outcome: null };
      }
    }
  }

  private tableHolds(carrier: RowCarrier): boolean {
    return this.carriersInTable().has(carrier);
  }

  private carriersInTable(): Set<RowCarrier> {
    if (this.inTable) return this.inTable;
    // Every prefix in one statement. ';' follows ':' in ASCII, so [prefix:, prefix;) is exactly
    // the keys of one prefix.
    const probes = ROW_CARRIERS.flatMap((carrier) => prefixesOf(carrier).map((prefix) => ({ carrier, prefix })));
    const found = this.sql.one<Record<string, number>>(
      'idempotency table holds',
      `SELECT ${probes
        .map(
          (_p, i) =>
            `EXISTS (SELECT 1 FROM idempotency_keys WHERE key >= ?${2 * i + 1} AND key < ?${2 * i + 2}) AS p${i}`,
        )
        .join(', ')}`,
      ...probes.flatMap(({ prefix }) => [`${prefix}:`, `${prefix};`]),
    );
    this.inTable = new Set(probes.filter((_p, i) => found[`p${i}`] === 1).map(({ carrier }) => carrier));
    return this.inTable;
  }
}

/** The key of the settlement that leaves a reservation in `status`, or null when none does (an expiry). */
function settlementKey(reservationId: number, status: string): IdempotencyKey | null {
  if (status === 'committed') return idempotencyKeys.reservationCommit(reservationId);
  if (status === 'released') return idempotencyKeys.reservationRelease(reservationId);
  return null;
}
