// The one way a mutation goes through the object. The account is brought up to date (opened,
// expiries and resets applied); what the commands need from outside the object is awaited (prices,
// the catalog's plans); then ONE transactionSync decides each command on one draft under its own
// idempotency key (stores/idempotency.ts) and the one store applies the draft's changes; after the
// commit the alarm follows the deadlines, and each command gets its answer with the account's
// numbers as it left them. Every mutating RPC is an `Operation` handed to `mutate`; a group of
// usage records is many commands of one operation in the same transaction.
import type { AccountFailure, AccountResult, AccountSnapshot, Applied, Transaction } from '../contract/rpc';
import type { IdempotencyKey } from '../contract/keys';
import type { Trace } from '../contract/logLine';
import type { Decision } from '../core/decision';
import type { Draft } from '../core/draft';
import type { IdempotencyRecord, IdempotentResult, MutationOutcome } from '../stores/idempotency';
import { SummedWrites } from '../stores/summedWrites';
import type { AccountShell } from './shell';

/** A decision, or its refusal; a `final` refusal is stored under the key, so a retry answers the same. */
type Decided<D> = { ok: true; value: D } | { ok: false; failure: AccountFailure; final?: boolean };

/** What an applied command answers, the ledger row its key points at, and any outcome a row does not tell. */
type Accepted<T> = Extract<MutationOutcome<T>, { ok: true }>;

// C: the command; P: what it needs from outside the object; D: what the decision returns; T: the answer.
export interface Operation<C, P, D, T> {
  /** Open the account when it does not exist yet (a user's own call) instead of refusing. */
  opens: boolean;
  /** Whether the changes may move a deadline (a reset, a grant's or a reservation's end): the alarm is recomputed. */
  movesDeadlines: boolean;
  /** What each command needs from outside the object (prices, plans), in command order; awaited before the transaction. */
  prepare?: (commands: readonly C[], now: number) => Promise<Decision<P>[]>;
  key: (command: C) => IdempotencyKey | null;
  /** What the command was, so a repeat of its key with other content is refused. */
  fingerprint: (command: C) => string;
  /** State (the draft, the stores' reads) + command + now → changes on the draft, or a refusal. */
  decide: (draft: Draft, command: C, prepared: P, now: number) => Decided<D>;
  /**
   * A refusal of this operation leaves changes that stand (a project step marked stopped). Any other
   * refusal must leave the draft untouched: later commands of a group are decided on the same draft.
   */
  refusalWrites?: boolean;
  /** Once the changes are applied: the answer, from the ledger rows they appended (in order). */
  answer: (decided: D, rows: readonly Transaction[], command: C, now: number) => Accepted<T>;
  /** A repeat of the key with the same fingerprint: the first answer, from what the key stored. */
  replay: (record: IdempotencyRecord, command: C, now: number) => IdempotentResult<T>;
}

/** One command's result, with the account's numbers as it left them. */
interface Mutated<T> {
  result: IdempotentResult<T>;
  snapshot: AccountSnapshot;
}

const NO_ROWS: readonly Transaction[] = [];

type Refused = { ok: false; failure: AccountFailure };

/** Apply `commands` in order in one transaction; the snapshot is the account's after the last; log lines go under `trace`. */
export async function mutate<C, P, D, T>(
  a: AccountShell,
  op: Operation<C, P, D, T>,
  commands: readonly C[],
  trace: Trace,
): Promise<AccountResult<Mutated<T>[]>> {
  const ready = await a.ready(op.opens, trace);
  if (!ready.ok) return a.failed(ready.failure);
  const { now } = ready;
  const prepared = op.prepare ? await op.prepare(commands, now) : undefined;
  if (prepared?.every((input): input is Refused => !input.ok)) {
    // Every command was refused before deciding (an unknown model, the catalog down): nothing to commit.
    const snapshot = snapshotOf(a.draft(now));
    return { ok: true, value: prepared.map((result) => ({ result, snapshot })), snapshot };
  }
  const done = a.transact(() => {
    const draft = a.draft(now);
    const summed = new SummedWrites();
    const outcomes = commands.map((command, i): Mutated<T> => {
      const input = prepared?.[i] ?? { ok: true as const, value: undefined as P };
      const result = input.ok
        ? a.store.idempotency.once<T>(
            op.key(command),
            op.fingerprint(command),
            (): MutationOutcome<T> => {
              const mark = draft.changes.length;
              const decided = op.decide(draft, command, input.value, now);
              if (!decided.ok && !op.refusalWrites && draft.changes.length > mark) {
                throw new Error(`mutate: a refusal (${decided.failure.code}) left changes on the draft`);
              }
              const rows =
                draft.changes.length > mark ? a.store.apply(draft.changes.slice(mark), now, summed) : NO_ROWS;
              return decided.ok ? op.answer(decided.value, rows, command, now) : decided;
            },
            (record) => op.replay(record, command, now),
          )
        : input;
      return { result, snapshot: snapshotOf(draft) };
    });
    // The writes that add up (grant moves, day counters, the rollup, the outbox) once for all commands.
    a.store.writeSummed(summed, now);
    a.store.remember(draft.state());
    return { outcomes, snapshot: snapshotOf(draft) };
  });
  await a.afterCommit(trace, op.movesDeadlines);
  return { ok: true, value: done.outcomes, snapshot: done.snapshot };
}

/** The account's numbers as the draft holds them: what the tables hold once its changes are written. */
function snapshotOf(draft: Draft): AccountSnapshot {
  return {
    remainingTokens: draft.balanceTokens() - draft.heldTokens(),
    tokensUsedToday: draft.today.tokens,
    requestsToday: draft.today.requests,
  };
}

/** One command's result as its RPC answers it. */
export function appliedOf<T>(mutated: Mutated<T>): AccountResult<Applied<T>> {
  const { result, snapshot } = mutated;
  if (!result.ok) return { ok: false, failure: result.failure, snapshot };
  return { ok: true, value: { replayed: result.replayed, result: result.value }, snapshot };
}

/** The single command of a call as its RPC answers it. */
export function appliedOne<T>(mutated: AccountResult<Mutated<T>[]>): AccountResult<Applied<T>> {
  return mutated.ok ? appliedOf(mutated.value[0]!) : mutated;
}

/** `prepare` for an operation of one command at a time. */
export function eachCommand<C, P>(
  prepareOne: (command: C, now: number) => Promise<Decision<P>>,
): (commands: readonly C[], now: number) => Promise<Decision<P>[]> {
  return async (commands, now) => {
    const prepared: Decision<P>[] = [];
    for (const command of commands) prepared.push(await prepareOne(command, now));
    return prepared;
  };
}
