// A project's mutations, each one transaction with the ledger side of its step: creating a
// project, taking its lease for a run, holding a step's estimate, committing a step's usage (the
// hold settles, one usage row, the step's figures) and failing a step (the hold is released).
// Called inside the object's transactionSync; the shell (UserAccount) only prices and delegates.
import type {
  AccountFailure,
  Hold,
  HoldStatusName,
  Project,
  ProjectCreateRequest,
  RunStarted,
  RunStartRequest,
  StepCommitRequest,
  StepCommitted,
  StepFailRequest,
  StepReserved,
  StepReserveRequest,
  Transaction,
} from '../contract/rpc';
import {
  decideRunStart,
  decideStepReserve,
  runningStep,
  stepFinished,
  stepStarted,
  stepStopped,
  type ProjectState,
} from '../core/project';
import type { Draft } from '../core/draft';
import { fingerprintOf } from '../core/fingerprint';
import { decideCommit, decideRelease, decideReserve, type HoldStatus } from '../core/reservations';
import type { ModelPrice } from '../../money/cost';
import type { AccountStore } from '../stores/accountStore';
import type { IdempotencyStore, IdempotentResult } from '../stores/idempotency';
import type { LedgerReads } from '../stores/ledgerReads';
import { summaryOf, type ProjectStore } from '../stores/projectStore';
import { idempotencyKeys } from '../contract/keys';
import type { Decision } from '../core/decision';

export interface ProjectContext {
  store: AccountStore;
  projects: ProjectStore;
  reads: LedgerReads;
  idempotency: IdempotencyStore;
  draft: () => Draft;
  hold: (id: number) => Hold;
  holdStatus: (id: number) => HoldStatus;
  now: number;
}

const missing = (id: string): { ok: false; failure: AccountFailure } => ({
  ok: false,
  failure: { code: 'not_found', message: `No project '${id}'.` },
});

export function projectView(ctx: Pick<ProjectContext, 'projects' | 'now'>, id: string): Project | undefined {
  const state = ctx.projects.state(id);
  return state && viewOf(state, ctx.now);
}

function viewOf(state: ProjectState, now: number): Project {
  return { ...summaryOf(state, now), steps: state.steps, lease: state.head.lease };
}

function statusName(status: HoldStatus): HoldStatusName | undefined {
  if ('open' in status) return 'open';
  if ('settled' in status) return status.settled;
  return undefined;
}

export function createProject(ctx: ProjectContext, req: ProjectCreateRequest): IdempotentResult<Project> {
  const { idempotencyKey, ...command } = req;
  return ctx.idempotency.once<Project>(
    idempotencyKey,
    fingerprintOf(command),
    () => {
      const id = `prj_${crypto.randomUUID().replaceAll('-', '').slice(0, 20)}`;
      ctx.projects.insert(
        {
          id,
          title: command.title,
          mode: command.mode,
          description: command.description,
          model: command.model,
          createdAt: ctx.now,
        },
        command.agents,
      );
      return { ok: true, value: projectView(ctx, id)!, seq: null, outcome: id };
    },
    (record) => ({ ok: true, replayed: true, value: projectView(ctx, record.outcome!)! }),
  );
}

/** Take the lease; cut-off steps become interrupted and their still-open holds are released. */
export function startRun(ctx: ProjectContext, req: RunStartRequest, leaseMs: number): Decision<RunStarted> {
  const state = ctx.projects.state(req.projectId);
  if (!state) return missing(req.projectId);
  const decided = decideRunStart(state, req.runId, (id) => statusName(ctx.holdStatus(id)), leaseMs, ctx.now);
  if (!decided.ok) return decided;
  if (decided.value.holdsToRelease.length) {
    const draft = ctx.draft();
    for (const holdId of decided.value.holdsToRelease) decideRelease(draft, holdId, ctx.holdStatus(holdId), ctx.now);
    ctx.store.apply(draft.changes, ctx.now);
  }
  ctx.projects.apply(decided.value.changes);
  return { ok: true, value: { project: projectView(ctx, req.projectId)!, interrupted: decided.value.interrupted } };
}

/** Hold the next step's estimate under the run's lease; a refusal ends the run's lease. */
export function reserveStep(ctx: ProjectContext, req: StepReserveRequest): IdempotentResult<StepReserved> {
  const { projectId, agent, runId } = req;
  const stepOf = (state: ProjectState) => state.steps.find((s) => s.agent === agent)!;
  return ctx.idempotency.once<StepReserved>(
    idempotencyKeys.projectReserve(projectId, agent, runId),
    fingerprintOf({ estimatedTokens: req.estimatedTokens, ttlSeconds: req.ttlSeconds }),
    () => {
      const state = ctx.projects.state(projectId);
      if (!state) return missing(projectId);
      const next = decideStepReserve(state, runId, agent, ctx.now);
      if (!next.ok) return next;
      const draft = ctx.draft();
      const held = decideReserve(
        draft,
        {
          agent,
          model: state.head.model,
          estimatedTokens: req.estimatedTokens,
          ttlMs: req.ttlSeconds * 1000,
          projectId,
        },
        ctx.now,
      );
      if (!held.ok) {
        ctx.projects.apply(
          stepStopped(state, agent, next.value.status, `Not reserved: ${held.failure.message}`, ctx.now),
        );
        return held;
      }
      ctx.store.apply(draft.changes, ctx.now);
      ctx.projects.apply(stepStarted(state, next.value, held.value, runId, ctx.now));
      const value = { hold: ctx.hold(held.value.id), step: stepOf(ctx.projects.state(projectId)!) };
      return { ok: true, value, seq: null, outcome: String(held.value.id) };
    },
    (record) => ({
      ok: true,
      replayed: true,
      value: { hold: ctx.hold(Number(record.outcome)), step: stepOf(ctx.projects.state(projectId)!) },
    }),
  );
}

/** Settle the step's hold with the actual usage, charge one usage row, record the step: once per project × agent. */
export function commitStep(
  ctx: ProjectContext,
  req: StepCommitRequest,
  priced: { price: ModelPrice; usdInrPaise: number },
): IdempotentResult<StepCommitted> {
  const { projectId, agent, holdId } = req;
  const answer = (transaction: Transaction, uncoveredTokens: number): StepCommitted => {
    const project = projectView(ctx, projectId)!;
    return { step: project.steps.find((s) => s.agent === agent)!, transaction, uncoveredTokens, project };
  };
  return ctx.idempotency.once<StepCommitted>(
    idempotencyKeys.projectCommit(projectId, agent),
    fingerprintOf({ holdId, inputTokens: req.inputTokens, outputTokens: req.outputTokens }),
    () => {
      const state = ctx.projects.state(projectId);
      if (!state) return missing(projectId);
      const step = runningStep(state, agent, holdId);
      if (!step.ok) return step;
      const draft = ctx.draft();
      const usage = {
        agent,
        model: state.head.model,
        inputTokens: req.inputTokens,
        outputTokens: req.outputTokens,
        ...priced,
      };
      const decided = decideCommit(draft, holdId, ctx.holdStatus(holdId), usage, ctx.now);
      if (!decided.ok) return decided;
      const [row] = ctx.store.apply(draft.changes, ctx.now);
      ctx.projects.apply(
        stepFinished(
          state,
          step.value,
          {
            seq: row!.seq,
            inputTokens: req.inputTokens,
            outputTokens: req.outputTokens,
            costUsdMicros: row!.costUsdMicros ?? 0,
            costInrPaise: row!.costInrPaise ?? 0,
          },
          ctx.now,
        ),
      );
      return { ok: true, value: answer(row!, decided.value.uncoveredTokens), seq: row!.seq };
    },
    (record) => {
      const transaction = ctx.reads.transaction(record.seq!);
      return {
        ok: true,
        replayed: true,
        value: answer(transaction, Number(transaction.detail?.uncovered_tokens ?? 0)),
      };
    },
  );
}

/** The model call failed: the hold is released, the step marked failed, the lease given up. Nothing is charged. */
export function failStep(ctx: ProjectContext, req: StepFailRequest): IdempotentResult<Project> {
  const { projectId, agent, holdId } = req;
  return ctx.idempotency.once<Project>(
    idempotencyKeys.projectFail(projectId, agent, holdId),
    fingerprintOf({ error: req.error }),
    () => {
      const state = ctx.projects.state(projectId);
      if (!state) return missing(projectId);
      const step = runningStep(state, agent, holdId);
      if (!step.ok) return step;
      const draft = ctx.draft();
      const released = decideRelease(draft, holdId, ctx.holdStatus(holdId), ctx.now);
      if (!released.ok) return released;
      ctx.store.apply(draft.changes, ctx.now);
      ctx.projects.apply(stepStopped(state, agent, 'failed', req.error, ctx.now));
      return { ok: true, value: projectView(ctx, projectId)!, seq: null };
    },
    () => ({ ok: true, replayed: true, value: projectView(ctx, projectId)! }),
  );
}
