// Projects' RPCs. Each mutation is one operation (mutate.ts): the project's progress and the ledger
// side of its step (a reservation taken, settled or released; a usage row) are changes on one draft,
// applied together in one transaction.
import type { Trace } from '../contract/logLine';
import { PROJECT_LEASE_START_MS, PROJECTS_PAGE_SIZE_MAX } from '../../money/limits';
import type {
  AccountResult,
  Applied,
  ReservationStatusName,
  Project,
  ProjectCreateRequest,
  ProjectPage,
  ProjectPageQuery,
  ReadOptions,
  RunStarted,
  RunStartRequest,
  StepCommitRequest,
  StepCommitted,
  StepFailRequest,
  StepReserved,
  StepReserveRequest,
  UsageOutlook,
} from '../contract/rpc';
import { idempotencyKeys } from '../contract/keys';
import { refuse, type Decision } from '../core/decision';
import { fingerprintOf } from '../core/fingerprint';
import {
  decideProjectCreate,
  decideRunStart,
  decideStepReserve,
  runningStep,
  stepFinished,
  stepStarted,
  stepStopped,
  type ProjectState,
} from '../core/project';
import { decideCommit, decideRelease, decideReserve, type ReservationStatus } from '../core/reservationRules';
import { snapshotOf } from '../stores/balance';
import { summaryOf } from '../stores/projectStore';
import { usageOutlookOf } from '../stores/usageOutlook';
import { appliedOne, eachCommand, mutate } from './mutate';
import type { AccountShell, Priced } from './shell';

const missing = (id: string) => refuse('not_found', `No project '${id}'.`);

function projectView(a: AccountShell, id: string, now: number): Project | undefined {
  const state = a.store.projects.state(id);
  return state && { ...summaryOf(state, now), steps: state.steps, lease: state.head.lease };
}

function statusName(status: ReservationStatus): ReservationStatusName | undefined {
  if ('open' in status) return 'open';
  if ('settled' in status) return status.settled;
  return undefined;
}

export async function usageOutlook(a: AccountShell, opts: ReadOptions = {}): Promise<AccountResult<UsageOutlook>> {
  return a.read(opts, (now) => usageOutlookOf(a.store, a.log, now));
}

export async function projects(
  a: AccountShell,
  query: ProjectPageQuery & ReadOptions,
): Promise<AccountResult<ProjectPage>> {
  return a.read(query, (now) => {
    const limit = Math.min(Math.max(1, query.limit), PROJECTS_PAGE_SIZE_MAX);
    const rows = a.store.projects.page(limit + 1, query.before, now);
    const page = rows.slice(0, limit);
    return { projects: page, nextCursor: rows.length > limit ? page[page.length - 1]!.id : null };
  });
}

export async function project(a: AccountShell, id: string, opts: ReadOptions = {}): Promise<AccountResult<Project>> {
  const ready = await a.ready(opts.openIfNew === true, opts);
  if (!ready.ok) return a.failed(ready.failure);
  const view = projectView(a, id, ready.now);
  if (!view) return a.failed(missing(id).failure, ready.now);
  return { ok: true, value: view, snapshot: snapshotOf(a.log, ready.now) };
}

export async function createProject(
  a: AccountShell,
  req: ProjectCreateRequest,
  trace: Trace,
): Promise<AccountResult<Applied<Project>>> {
  const { idempotencyKey, ...command } = req;
  const mutated = await mutate(
    a,
    {
      opens: true,
      movesDeadlines: false,
      key: () => idempotencyKey,
      fingerprint: () => fingerprintOf(command),
      decide: (draft, _req, _none, now) => {
        const allowed = decideProjectCreate(a.store.projects.count());
        if (!allowed.ok) return allowed;
        const id = `prj_${crypto.randomUUID().replaceAll('-', '').slice(0, 20)}`;
        const { title, mode, description, model, agents } = command;
        draft.createProject({ head: { id, title, mode, description, model, createdAt: now }, agents });
        return { ok: true, value: id };
      },
      answer: (id, _rows, _req, now) => ({ ok: true, value: projectView(a, id, now)!, seq: null, outcome: id }),
      replay: (record, _req, now) => ({ ok: true, replayed: true, value: projectView(a, record.outcome!, now)! }),
    },
    [req],
    trace,
  );
  return appliedOne(mutated);
}

export async function startProjectRun(
  a: AccountShell,
  req: RunStartRequest,
  trace: Trace,
): Promise<AccountResult<RunStarted>> {
  const mutated = await mutate(
    a,
    {
      opens: true,
      movesDeadlines: true,
      key: () => null,
      fingerprint: () => '',
      decide: (draft, _req, _none, now) => {
        const state = a.store.projects.state(req.projectId);
        if (!state) return missing(req.projectId);
        const status = (id: number) => statusName(a.reservationStatus(draft, id));
        const decided = decideRunStart(state, req.runId, status, PROJECT_LEASE_START_MS, now);
        if (!decided.ok) return decided;
        for (const reservationId of decided.value.reservationsToRelease)
          decideRelease(draft, reservationId, a.reservationStatus(draft, reservationId), now);
        draft.changeProject(decided.value.changes);
        return { ok: true, value: decided.value.interrupted };
      },
      answer: (interrupted, _rows, _req, now) => ({
        ok: true,
        value: { project: projectView(a, req.projectId, now)!, interrupted },
        seq: null,
      }),
      replay: () => {
        throw new Error('project run start: a mutation without a key cannot be replayed');
      },
    },
    [req],
    trace,
  );
  if (!mutated.ok) return mutated;
  const { result, snapshot } = mutated.value[0]!;
  return result.ok ? { ok: true, value: result.value, snapshot } : { ok: false, failure: result.failure, snapshot };
}

/** A refused reservation ends the run's lease (its step keeps its status), and that is written too. */
export async function reserveProjectStep(
  a: AccountShell,
  req: StepReserveRequest,
  trace: Trace,
): Promise<AccountResult<Applied<StepReserved>>> {
  const { projectId, agent, runId } = req;
  const answer = (reservationId: number): StepReserved => ({
    reservation: a.reservationOf(reservationId),
    step: a.store.projects.state(projectId)!.steps.find((s) => s.agent === agent)!,
  });
  const mutated = await mutate(
    a,
    {
      opens: true,
      movesDeadlines: true,
      key: () => idempotencyKeys.projectReserve(projectId, agent, runId),
      // A refused reservation still records why the step stopped.
      refusalWrites: true,
      fingerprint: () => fingerprintOf({ estimatedTokens: req.estimatedTokens, ttlSeconds: req.ttlSeconds }),
      decide: (draft, _req, _none, now) => {
        const state = a.store.projects.state(projectId);
        if (!state) return missing(projectId);
        const next = decideStepReserve(state, runId, agent, now);
        if (!next.ok) return next;
        const reservation = { agent, model: state.head.model, estimatedTokens: req.estimatedTokens, projectId };
        const held = decideReserve(draft, { ...reservation, ttlMs: req.ttlSeconds * 1000 }, now);
        if (!held.ok) {
          draft.changeProject(
            stepStopped(state, agent, next.value.status, `Not reserved: ${held.failure.message}`, now),
          );
          return held;
        }
        draft.changeProject(stepStarted(state, next.value, held.value, runId, now));
        return { ok: true, value: held.value.id };
      },
      answer: (reservationId) => ({
        ok: true,
        value: answer(reservationId),
        seq: null,
        outcome: String(reservationId),
      }),
      replay: (record) => ({ ok: true, replayed: true, value: answer(Number(record.outcome)) }),
    },
    [req],
    trace,
  );
  return appliedOne(mutated);
}

export async function commitProjectStep(
  a: AccountShell,
  req: StepCommitRequest,
  trace: Trace,
): Promise<AccountResult<Applied<StepCommitted>>> {
  const { projectId, agent, reservationId } = req;
  const answer = (transaction: StepCommitted['transaction'], uncoveredTokens: number, now: number): StepCommitted => {
    const project = projectView(a, projectId, now)!;
    // A commit leaves an expired reservation expired: its status says how the step's hold ended.
    const reservationExpired = a.reservationOf(reservationId).status === 'expired';
    return {
      step: project.steps.find((s) => s.agent === agent)!,
      transaction,
      uncoveredTokens,
      project,
      reservationExpired,
    };
  };
  const mutated = await mutate<StepCommitRequest, Priced, number, StepCommitted>(
    a,
    {
      opens: false,
      movesDeadlines: true,
      prepare: eachCommand(async (_req, now): Promise<Decision<Priced>> => {
        const reservation = a.store.reservation(reservationId);
        if (!reservation) return refuse('not_found', `No reservation ${reservationId}.`);
        return a.priced(reservation.model, now);
      }),
      key: () => idempotencyKeys.projectCommit(projectId, agent),
      // The fingerprint's field names are stored with every step commit's key, so they keep their
      // original spelling: a retry must fingerprint exactly as the first attempt did.
      fingerprint: () =>
        fingerprintOf({ holdId: reservationId, inputTokens: req.inputTokens, outputTokens: req.outputTokens }),
      decide: (draft, _req, priced, now) => {
        const state = a.store.projects.state(projectId);
        if (!state) return missing(projectId);
        const step = runningStep(state, agent, reservationId);
        if (!step.ok) return step;
        const { inputTokens, outputTokens } = req;
        const usage = { agent, model: state.head.model, inputTokens, outputTokens, ...priced };
        const status = a.reservationStatus(draft, reservationId);
        const expired = 'settled' in status && status.settled === 'expired';
        const decided = decideCommit(draft, reservationId, status, usage, now);
        if (!decided.ok) return decided;
        const { entry } = decided.value;
        const charged = {
          seq: entry.seq,
          inputTokens,
          outputTokens,
          costUsdMicros: entry.costUsdMicros ?? 0,
          costInrPaise: entry.costInrPaise ?? 0,
        };
        draft.changeProject(stepFinished(state, step.value, charged, now, expired));
        return { ok: true, value: decided.value.uncoveredTokens };
      },
      answer: (uncoveredTokens, [row], _req, now) => ({
        ok: true,
        value: answer(row!, uncoveredTokens, now),
        seq: row!.seq,
      }),
      replay: (record, _req, now) => {
        const transaction = a.log.transaction(record.seq!);
        const uncoveredTokens = Number(transaction.detail?.uncovered_tokens ?? 0);
        return { ok: true, replayed: true, value: answer(transaction, uncoveredTokens, now) };
      },
    },
    [req],
    trace,
  );
  return appliedOne(mutated);
}

export async function failProjectStep(
  a: AccountShell,
  req: StepFailRequest,
  trace: Trace,
): Promise<AccountResult<Applied<Project>>> {
  const { projectId, agent, reservationId } = req;
  const mutated = await mutate(
    a,
    {
      opens: false,
      movesDeadlines: true,
      key: () => idempotencyKeys.projectFail(projectId, agent, reservationId),
      fingerprint: () => fingerprintOf({ error: req.error }),
      decide: (draft, _req, _none, now) => {
        const state: ProjectState | undefined = a.store.projects.state(projectId);
        if (!state) return missing(projectId);
        const step = runningStep(state, agent, reservationId);
        if (!step.ok) return step;
        const released = decideRelease(draft, reservationId, a.reservationStatus(draft, reservationId), now);
        if (!released.ok) return released;
        draft.changeProject(stepStopped(state, agent, 'failed', req.error, now));
        return { ok: true, value: null };
      },
      answer: (_none, _rows, _req, now) => ({ ok: true, value: projectView(a, projectId, now)!, seq: null }),
      replay: (_record, _req, now) => ({ ok: true, replayed: true, value: projectView(a, projectId, now)! }),
    },
    [req],
    trace,
  );
  return appliedOne(mutated);
}
