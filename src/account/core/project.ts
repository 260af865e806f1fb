// Projects: which step a run may take next and what each step's outcome changes. Pure: a
// project's state, the statuses of its reservations and `now` in, a decision and project changes out.
// The reservation and ledger side of each step is decided by reservationRules.ts on the same draft, and the
// project changes go on that draft too, so one store applies both in one transactionSync.
import { PROJECTS_PER_USER_MAX } from '../../money/limits';
import type { ReservationStatusName, ProjectStatus, ProjectStep, ProjectStepStatus } from '../contract/rpc';
import { refuse, type Decision } from './decision';

export interface ProjectHead {
  id: string;
  title: string;
  mode: string;
  description: string | null;
  model: string;
  createdAt: number;
  updatedAt: number;
  lease: { runId: string; until: number } | null;
}

export interface ProjectState {
  head: ProjectHead;
  /** In run order. */
  steps: ProjectStep[];
}

export type StepPatch = Partial<Omit<ProjectStep, 'agent' | 'position'>>;

export type ProjectChange =
  | { kind: 'step'; projectId: string; agent: string; patch: StepPatch }
  | { kind: 'lease'; projectId: string; lease: { runId: string; until: number } | null; at: number };

/** A lease is live until its time; after that the run that held it is presumed cut off. */
function leaseLive(head: ProjectHead, now: number): boolean {
  return head.lease !== null && head.lease.until > now;
}

export function projectStatus(state: ProjectState, now: number): ProjectStatus {
  if (state.steps.every((s) => s.status === 'finished')) return 'completed';
  if (leaseLive(state.head, now)) return 'running';
  if (state.steps.every((s) => s.status === 'pending' && s.attempts === 0)) return 'created';
  return 'stopped';
}

/**
 * A user may create a project while they have fewer than PROJECTS_PER_USER_MAX. Projects they already
 * have above it (made before the bound) stay; only a new one is refused.
 */
export function decideProjectCreate(projectsHeld: number): Decision<null> {
  if (projectsHeld >= PROJECTS_PER_USER_MAX) {
    return refuse(
      'limit_exceeded',
      `An account may hold at most ${PROJECTS_PER_USER_MAX} projects; this one has ${projectsHeld}.`,
      { limit: 'projects_per_user', limit_value: PROJECTS_PER_USER_MAX },
    );
  }
  return { ok: true, value: null };
}

/** The first step that has not finished: where a run starts or resumes. */
export function nextStep(state: ProjectState): ProjectStep | undefined {
  return state.steps.find((s) => s.status !== 'finished');
}

/**
 * Take the lease for `runId`. Refused while another run's lease is live. Steps a cut-off run left
 * running become interrupted; their reservations, if still open, are for the caller to release.
 */
export function decideRunStart(
  state: ProjectState,
  runId: string,
  reservationStatus: (reservationId: number) => ReservationStatusName | undefined,
  leaseMs: number,
  now: number,
): Decision<{ changes: ProjectChange[]; interrupted: string[]; reservationsToRelease: number[] }> {
  const { head } = state;
  if (leaseLive(head, now) && head.lease!.runId !== runId) {
    return refuse(
      'conflict',
      `Project ${head.id} is already running (its run holds the project until ${new Date(head.lease!.until).toISOString()}).`,
      { project_id: head.id, lease_until: new Date(head.lease!.until).toISOString() },
    );
  }
  const changes: ProjectChange[] = [];
  const interrupted: string[] = [];
  const reservationsToRelease: number[] = [];
  const sameRun = head.lease?.runId === runId && leaseLive(head, now);
  if (!sameRun) {
    for (const step of state.steps) {
      if (step.status !== 'running') continue;
      interrupted.push(step.agent);
      if (step.reservationId !== null && reservationStatus(step.reservationId) === 'open')
        reservationsToRelease.push(step.reservationId);
      changes.push({
        kind: 'step',
        projectId: head.id,
        agent: step.agent,
        patch: { status: 'interrupted', error: 'The run was cut off before this agent finished; nothing was charged.' },
      });
    }
  }
  if (nextStep(state) !== undefined) {
    changes.push({ kind: 'lease', projectId: head.id, lease: { runId, until: now + leaseMs }, at: now });
  }
  return { ok: true, value: { changes, interrupted, reservationsToRelease } };
}

/** A run may hold the next unfinished step, and only under its own live lease. */
export function decideStepReserve(
  state: ProjectState,
  runId: string,
  agent: string,
  now: number,
): Decision<ProjectStep> {
  const { head } = state;
  if (!leaseLive(head, now) || head.lease!.runId !== runId) {
    return refuse('conflict', `Project ${head.id}: this run no longer holds the project; execute it again.`, {
      project_id: head.id,
    });
  }
  const next = nextStep(state);
  if (!next) return refuse('conflict', `Project ${head.id} is already completed.`, { project_id: head.id });
  if (next.agent !== agent) {
    return refuse('conflict', `Project ${head.id}: the next agent is '${next.agent}', not '${agent}'.`, {
      project_id: head.id,
      next_agent: next.agent,
    });
  }
  if (next.status === 'running') {
    return refuse('conflict', `Project ${head.id}: '${agent}' is already running.`, { project_id: head.id });
  }
  return { ok: true, value: next };
}

/** The step now runs under `reservation` until `until`; the lease follows the reservation. */
export function stepStarted(
  state: ProjectState,
  step: ProjectStep,
  reservation: { id: number; tokens: number; expiresAt: number },
  runId: string,
  now: number,
): ProjectChange[] {
  return [
    {
      kind: 'step',
      projectId: state.head.id,
      agent: step.agent,
      patch: {
        status: 'running',
        reservationId: reservation.id,
        estimatedTokens: reservation.tokens,
        startedAt: now,
        attempts: step.attempts + 1,
        error: null,
      },
    },
    { kind: 'lease', projectId: state.head.id, lease: { runId, until: reservation.expiresAt }, at: now },
  ];
}

/** The step that a commit or a failure settles: running, under this very reservation. */
export function runningStep(state: ProjectState, agent: string, reservationId: number): Decision<ProjectStep> {
  const step = state.steps.find((s) => s.agent === agent);
  if (!step) return refuse('not_found', `Project ${state.head.id} has no agent '${agent}'.`);
  if (step.status !== 'running' || step.reservationId !== reservationId) {
    return refuse(
      'conflict',
      `Project ${state.head.id}: '${agent}' is not running under reservation ${reservationId}.`,
      {
        project_id: state.head.id,
        step_status: step.status,
      },
    );
  }
  return { ok: true, value: step };
}

/**
 * A finished step: its figures, and the lease given up when it was the last one, or when the step's
 * reservation expired before the commit (the lease followed it and has lapsed: the run is over).
 */
export function stepFinished(
  state: ProjectState,
  step: ProjectStep,
  charged: { seq: number; inputTokens: number; outputTokens: number; costUsdMicros: number; costInrPaise: number },
  now: number,
  reservationExpired = false,
): ProjectChange[] {
  const changes: ProjectChange[] = [
    {
      kind: 'step',
      projectId: state.head.id,
      agent: step.agent,
      patch: {
        status: 'finished',
        transactionSeq: charged.seq,
        inputTokens: charged.inputTokens,
        outputTokens: charged.outputTokens,
        costUsdMicros: charged.costUsdMicros,
        costInrPaise: charged.costInrPaise,
        finishedAt: now,
        error: null,
      },
    },
  ];
  const last = state.steps.every((s) => s.agent === step.agent || s.status === 'finished');
  if (last || reservationExpired) changes.push({ kind: 'lease', projectId: state.head.id, lease: null, at: now });
  return changes;
}

/** A step whose model call failed, or whose reservation was refused (its status kept): the run ends. */
export function stepStopped(
  state: ProjectState,
  agent: string,
  status: ProjectStepStatus,
  error: string,
  now: number,
): ProjectChange[] {
  const patch: StepPatch = status === 'failed' ? { status, error, finishedAt: now } : { status, error };
  return [
    { kind: 'step', projectId: state.head.id, agent, patch },
    { kind: 'lease', projectId: state.head.id, lease: null, at: now },
  ];
}
