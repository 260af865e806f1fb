// Projects' RPCs: each brings the account up to date, then runs one transaction in
// projectSteps.ts (a step's ledger side and the project's progress together).
import { PROJECT_LEASE_START_MS, PROJECTS_PAGE_SIZE_MAX } from '../../money/limits';
import type {
  AccountResult,
  Applied,
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
import {
  commitStep,
  createProject as create,
  failStep,
  projectView,
  reserveStep,
  startRun,
  type ProjectContext,
} from './projectSteps';
import { snapshotOf } from '../stores/balance';
import { usageOutlookOf } from '../stores/usageOutlook';
import type { AccountShell } from './shell';

function contextOf(a: AccountShell, now: number): ProjectContext {
  return {
    store: a.store,
    projects: a.projects,
    reads: a.log,
    idempotency: a.idempotency,
    draft: () => a.draft(now),
    hold: (id) => a.holdOf(id),
    holdStatus: (id) => a.holdStatus(id),
    now,
  };
}

/** Per-agent averages of this user's runs (from the usage rollup) and the plan's caps, for estimates. */
export async function usageOutlook(a: AccountShell, opts: ReadOptions = {}): Promise<AccountResult<UsageOutlook>> {
  return a.read(opts, (now) => usageOutlookOf(a.store, a.log, now));
}

/** Create a project whose steps are `agents`, in order. Idempotent by key when one is given. */
export async function createProject(
  a: AccountShell,
  req: ProjectCreateRequest,
): Promise<AccountResult<Applied<Project>>> {
  const ready = await a.ready(true);
  if (!ready.ok) return a.failed(ready.failure);
  const ctx = contextOf(a, ready.now);
  return a.answer(
    a.transact(() => create(ctx, req)),
    ready.now,
  );
}

/** Projects, newest first, at most PROJECTS_PAGE_SIZE_MAX per page. */
export async function projects(
  a: AccountShell,
  query: ProjectPageQuery & ReadOptions,
): Promise<AccountResult<ProjectPage>> {
  return a.read(query, (now) => {
    const limit = Math.min(Math.max(1, query.limit), PROJECTS_PAGE_SIZE_MAX);
    const rows = a.projects.page(limit + 1, query.before, now);
    const page = rows.slice(0, limit);
    return { projects: page, nextCursor: rows.length > limit ? page[page.length - 1]!.id : null };
  });
}

/** One project with each agent's status, tokens, cost and timings. */
export async function project(a: AccountShell, id: string, opts: ReadOptions = {}): Promise<AccountResult<Project>> {
  const ready = await a.ready(opts.openIfNew === true);
  if (!ready.ok) return a.failed(ready.failure);
  const view = projectView({ projects: a.projects, now: ready.now }, id);
  if (!view) return a.failed({ code: 'not_found', message: `No project '${id}'.` }, ready.now);
  return { ok: true, value: view, snapshot: snapshotOf(a.log, ready.now) };
}

/** Take the project's lease for a run (conflict while another run's is live); cut-off steps become interrupted. */
export async function startProjectRun(a: AccountShell, req: RunStartRequest): Promise<AccountResult<RunStarted>> {
  const ready = await a.ready(true);
  if (!ready.ok) return a.failed(ready.failure);
  const { now } = ready;
  const ctx = contextOf(a, now);
  const result = a.transact(() => startRun(ctx, req, PROJECT_LEASE_START_MS));
  await a.afterCommit(true);
  if (!result.ok) return a.failed(result.failure, now);
  return { ok: true, value: result.value, snapshot: snapshotOf(a.log, now) };
}

/** Hold the next step's estimate under the run's lease, refused as a reservation would be. */
export async function reserveProjectStep(
  a: AccountShell,
  req: StepReserveRequest,
): Promise<AccountResult<Applied<StepReserved>>> {
  const ready = await a.ready(true);
  if (!ready.ok) return a.failed(ready.failure);
  const { now } = ready;
  const ctx = contextOf(a, now);
  const result = a.transact(() => reserveStep(ctx, req));
  await a.afterCommit(true);
  return a.answer(result, now);
}

/** Commit a step: the hold settles, one usage row names agent, model and project, the step is recorded. */
export async function commitProjectStep(
  a: AccountShell,
  req: StepCommitRequest,
): Promise<AccountResult<Applied<StepCommitted>>> {
  const ready = await a.ready(false);
  if (!ready.ok) return a.failed(ready.failure);
  const { now } = ready;
  const hold = a.store.hold(req.holdId);
  if (!hold) return a.failed({ code: 'not_found', message: `No reservation ${req.holdId}.` }, now);
  const priced = await a.priced(hold.model, now);
  if (!priced.ok) return a.failed(priced.failure, now);
  const ctx = contextOf(a, now);
  const result = a.transact(() => commitStep(ctx, req, priced.value));
  await a.afterCommit(true);
  return a.answer(result, now);
}

/** A step's model call failed: release its hold, mark it failed, end the run. Nothing is charged. */
export async function failProjectStep(a: AccountShell, req: StepFailRequest): Promise<AccountResult<Applied<Project>>> {
  const ready = await a.ready(false);
  if (!ready.ok) return a.failed(ready.failure);
  const { now } = ready;
  const ctx = contextOf(a, now);
  const result = a.transact(() => failStep(ctx, req));
  await a.afterCommit(true);
  return a.answer(result, now);
}
