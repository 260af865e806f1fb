// The user's record of every promo redemption attempt that reached the object, and what was
// decided. The Worker retries an attempt (same id) after a crash; the record makes the retry
// return the first decision, so an attempt refused once can never credit later.
export type PromoAttemptOutcome = 'credited' | 'already_redeemed' | 'plan_not_allowed';

export class PromoAttemptStore {
  constructor(private readonly sql: SqlStorage) {}

  outcome(attemptId: string): PromoAttemptOutcome | undefined {
    return this.sql
      .exec<{ outcome: PromoAttemptOutcome }>('SELECT outcome FROM promo_attempts WHERE attempt_id = ?', attemptId)
      .toArray()[0]?.outcome;
  }

  record(attemptId: string, code: string, outcome: PromoAttemptOutcome, at: number): void {
    this.sql.exec(
      'INSERT INTO promo_attempts (attempt_id, code, outcome, at) VALUES (?, ?, ?, ?)',
      attemptId,
      code,
      outcome,
      at,
    );
  }
}
