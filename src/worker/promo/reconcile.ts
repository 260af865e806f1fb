// Finishing reservations whose request died between taking the slot and settling it. Each is
// driven forward with its own attempt id: the user's object either credits it (or already had)
// and the slot is committed, or refuses it and the slot returns to the pool. Nothing is granted
// twice, and no slot stays taken without a credit behind it.
import { logLine, type Trace } from '../../account/contract/logLine';
import type { Env } from '../../env';
import { finishSlot } from './finish';
import { claimOrphan, orphanedSlots } from './slots';

interface ReconcileReport {
  finished: number;
  released: number;
  failed: number;
}

/** Finish up to PROMO_RECONCILE_BATCH_MAX orphaned reservations, of one code or of all (`code` null). */
export async function reconcileOrphans(
  env: Env,
  code: string | null,
  now: number,
  log: Trace,
): Promise<ReconcileReport> {
  const report: ReconcileReport = { finished: 0, released: 0, failed: 0 };
  const orphans = await orphanedSlots(env.DB, code, now);
  await Promise.all(
    orphans.map(async (slot) => {
      try {
        if (!(await claimOrphan(env.DB, slot, now))) return;
        const outcome = await finishSlot(env, slot, log);
        report.finished++;
        if (!outcome.ok && outcome.failure.code === 'promo_code_plan_not_allowed') report.released++;
      } catch (error) {
        report.failed++;
        logLine('error', 'promo reconcile failed', log, {
          code: slot.code,
          attempt: slot.attempt_id,
          error: String(error),
        });
      }
    }),
  );
  return report;
}
