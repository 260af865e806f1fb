// The limit on guessing promo codes, per caller in a window of PROMO_FAILED_ATTEMPTS_WINDOW_MS
// that opens with the caller's first attempt. Only settled failures count toward a limit: an attempt
// in flight may still be a valid code, and one user sending a valid code twenty times at once must not
// be refused as a guesser. A user (`user:<id>`) may fail PROMO_FAILED_ATTEMPTS_MAX times; its attempts
// in flight (`pending`, taken before the code is looked at and given back after) are bounded apart by
// PROMO_ATTEMPTS_IN_FLIGHT_MAX, so even a burst of concurrent guesses gets a bounded number of answers,
// and a correct code sent after the limit waits like any other. A client address (`ip:<address>`) is
// shared by every user behind it (an office, a carrier-grade NAT), so it gets the far higher
// PROMO_ADDRESS_FAILED_ATTEMPTS_MAX and no in-flight bound: neighbours racing for the same code must
// not lock out a user who never guessed.
import { logLine, type Trace } from '../../account/contract/logLine';
import { z } from 'zod';
import { parseRows } from './d1Rows';
import { ApiError } from '../http/errors';
import {
  PROMO_ADDRESS_FAILED_ATTEMPTS_MAX,
  PROMO_ATTEMPTS_IN_FLIGHT_MAX,
  PROMO_FAILED_ATTEMPTS_MAX,
  PROMO_FAILED_ATTEMPTS_WINDOW_MS,
  PROMO_GUARD_PURGE_BATCH_MAX,
} from '../../money/limits';

const guardRowSchema = z.object({
  key: z.string(),
  window_start: z.number().int(),
  failures: z.number().int(),
  pending: z.number().int(),
});
type GuardRow = z.infer<typeof guardRowSchema>;

/** How a caller is limited: its settled failures per window, and its attempts in flight (null: unbounded, not counted). */
interface GuessLimit {
  /** The limit's name in a 429 body (`limit`), as plan refusals name theirs. */
  name: 'promo_failed_attempts_per_user' | 'promo_failed_attempts_per_address';
  failuresMax: number;
  inFlightMax: number | null;
}

const USER_LIMIT: GuessLimit = {
  name: 'promo_failed_attempts_per_user',
  failuresMax: PROMO_FAILED_ATTEMPTS_MAX,
  inFlightMax: PROMO_ATTEMPTS_IN_FLIGHT_MAX,
};
const ADDRESS_LIMIT: GuessLimit = {
  name: 'promo_failed_attempts_per_address',
  failuresMax: PROMO_ADDRESS_FAILED_ATTEMPTS_MAX,
  inFlightMax: null,
};

const countsInFlight = (limit: GuessLimit) => limit.inFlightMax !== null;

function limitOf(key: string): GuessLimit {
  return key.startsWith('ip:') ? ADDRESS_LIMIT : USER_LIMIT;
}

/** What an admitted attempt holds: settle it exactly once, with whether it was a failed guess. */
interface GuessTicket {
  settle(failedGuess: boolean): Promise<void>;
}

/** Admit one attempt for every key, or none: throws rate_limited (429, Retry-After) when any key is spent. */
export async function admitGuess(db: D1Database, log: Trace, keys: string[], now: number): Promise<GuessTicket> {
  const expiredBefore = now - PROMO_FAILED_ATTEMPTS_WINDOW_MS;
  const results = await db.batch([
    db
      .prepare('DELETE FROM promo_guard WHERE key IN (SELECT key FROM promo_guard WHERE window_start <= ? LIMIT ?)')
      .bind(expiredBefore, PROMO_GUARD_PURGE_BATCH_MAX),
    ...keys.map((key) => {
      const limit = limitOf(key);
      // ?5 is 1 when this caller's attempts in flight are counted (and bounded by ?6), 0 when they are not.
      return db
        .prepare(
          `INSERT INTO promo_guard (key, window_start, failures, pending) VALUES (?1, ?2, 0, ?5)
           ON CONFLICT (key) DO UPDATE SET
             window_start = CASE WHEN window_start <= ?3 THEN excluded.window_start ELSE window_start END,
             failures     = CASE WHEN window_start <= ?3 THEN 0 ELSE failures END,
             pending      = CASE WHEN window_start <= ?3 THEN ?5 ELSE pending + ?5 END
           WHERE window_start <= ?3 OR (failures < ?4 AND pending * ?5 < ?6)
           RETURNING key, window_start, failures, pending`,
        )
        .bind(
          key,
          now,
          expiredBefore,
          limit.failuresMax,
          countsInFlight(limit) ? 1 : 0,
          limit.inFlightMax ?? Number.MAX_SAFE_INTEGER,
        );
    }),
    db.prepare(`SELECT * FROM promo_guard WHERE key IN (${keys.map(() => '?').join(', ')})`).bind(...keys),
  ]);
  const admitted = results
    .slice(1, 1 + keys.length)
    .flatMap((r) => parseRows(guardRowSchema, r.results, 'promo_guard'));
  const ticket = ticketFor(db, admitted, log);
  if (admitted.length === keys.length) return ticket;

  await ticket.settle(false);
  const admittedKeys = new Set(admitted.map((row) => row.key));
  const refused = parseRows(guardRowSchema, results[results.length - 1]?.results, 'promo_guard').filter(
    (row) => !admittedKeys.has(row.key),
  );
  throw tooManyGuesses(refused, now);
}

function ticketFor(db: D1Database, admitted: GuardRow[], log: Trace): GuessTicket {
  let settled = false;
  return {
    async settle(failedGuess) {
      if (settled || admitted.length === 0) return;
      settled = true;
      // Scoped to the window the attempt was charged in: a window that has since restarted is not touched.
      const statements = admitted
        .filter((row) => failedGuess || countsInFlight(limitOf(row.key)))
        .map((row) =>
          db
            .prepare(
              'UPDATE promo_guard SET pending = MAX(pending - ?, 0), failures = failures + ? WHERE key = ? AND window_start = ?',
            )
            .bind(countsInFlight(limitOf(row.key)) ? 1 : 0, failedGuess ? 1 : 0, row.key, row.window_start),
        );
      if (statements.length === 0) return;
      // Never fails the answer: an unsettled attempt only keeps one in-flight unit of its window until the window ends.
      await db
        .batch(statements)
        .catch((error: unknown) => logLine('error', 'promo guard settle failed', log, { error: String(error) }));
    },
  };
}

/** Wait for the window to end when failures used it up; a moment when only attempts in flight refused it. */
function tooManyGuesses(refused: GuardRow[], now: number): ApiError {
  let retryAfterSeconds = 1;
  // The limit the caller hit: the user's when it is spent, else the address's.
  const limit =
    refused.length > 0 && refused.every((row) => limitOf(row.key) === ADDRESS_LIMIT) ? ADDRESS_LIMIT : USER_LIMIT;
  for (const row of refused) {
    if (row.failures >= limitOf(row.key).failuresMax) {
      retryAfterSeconds = Math.max(
        retryAfterSeconds,
        Math.ceil((row.window_start + PROMO_FAILED_ATTEMPTS_WINDOW_MS - now) / 1000),
      );
    }
  }
  return new ApiError(
    'rate_limited',
    `Too many failed promo code attempts; try again in ${retryAfterSeconds} seconds.`,
    {
      retry_after_seconds: retryAfterSeconds,
      limit: limit.name,
      limit_value: limit.failuresMax,
      window_seconds: PROMO_FAILED_ATTEMPTS_WINDOW_MS / 1000,
    },
    { 'Retry-After': String(retryAfterSeconds) },
  );
}
