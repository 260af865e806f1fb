// Executing a project, one agent at a time, with no HTTP in sight: hold the step's estimate (object)
// → run the model (the runner, here in the Worker; the object never awaits a model) → commit the
// actual tokens (object: the reservation settles, the usage row and the step's progress in one transaction).
// Every answer of the object is an `AccountResult`; a refusal or a failed model call is an event and
// ends the run, so executing again resumes at the first unfinished agent, and a finished agent is
// never charged again (its commit is keyed per project × agent). Only a bug or a lost object throws.
import type { AccountFailure, AccountResult, AccountSnapshot, ProjectStep } from '../../account/contract/rpc';
import type { Agent, Catalog } from '../../account/stores/catalogCache';
import { ESTIMATE_AVERAGE_MIN_RUNS, PROJECT_STEP_RESERVATION_TTL_SECONDS } from '../../money/limits';
import { RunnerError, type ModelRunner } from '../runners/runner';
import { agentFigures } from './estimate';
import { promptFor } from './prompt';
import type { ProjectRun, RunAccount, RunEvent } from './runEvents';
import type { Trace } from '../../account/contract/logLine';

/** What a run needs besides the run itself: the user's account, the model runner, the agents. */
export interface RunDependencies {
  account: RunAccount;
  /** The request the run answers, for the object's log lines. */
  trace?: Trace;
  runner: ModelRunner;
  catalog: Pick<Catalog, 'agents'>;
}

/** Take the project's lease for the run `runId`: refused with `conflict` while another run's is live. */
export async function startRun(
  account: Pick<RunAccount, 'startProjectRun'>,
  ids: { projectId: string; runId: string },
  trace: Trace = {},
): Promise<AccountResult<ProjectRun>> {
  const started = await account.startProjectRun(ids, trace);
  if (!started.ok) return started;
  const { project, interrupted } = started.value;
  return {
    ok: true,
    snapshot: started.snapshot,
    value: { runId: ids.runId, project, interrupted, resumedFrom: firstUnfinished(project.steps) },
  };
}

/**
 * Runs the started run's unfinished steps in order. The events end with `done`; a `refused`,
 * `failed` or `expired` step is followed by `done` too (a reader may stop at it), and `aborted` ends them.
 */
export async function* runSteps(deps: RunDependencies, run: ProjectRun): AsyncGenerator<RunEvent> {
  const { account, trace = {} } = deps;
  const outlook = await account.usageOutlook({ openIfNew: true, ...trace });
  if (!outlook.ok) {
    yield aborted(null, outlook);
    return;
  }
  const agents = new Map(deps.catalog.agents.map((a) => [a.id, a]));
  for (const step of run.project.steps) {
    if (step.status === 'finished') continue;
    const agent = agents.get(step.agent);
    if (!agent) {
      const message = `The agent '${step.agent}' is no longer offered.`;
      yield { type: 'failed', agent: step.agent, failure: 'agent_retired', message };
      break;
    }
    const last = yield* runStep(deps, run, agent, agentFigures(agent, outlook.value, ESTIMATE_AVERAGE_MIN_RUNS));
    if (last === 'aborted') return;
    if (last !== 'finished') break;
  }
  const project = await account.project(run.project.id, trace);
  yield project.ok ? { type: 'done', project: project.value, snapshot: project.snapshot } : aborted(null, project);
}

/** One agent's step: reserve → run → commit (or release when the model failed); answers how it ended. */
async function* runStep(
  { account, runner, trace = {} }: RunDependencies,
  run: ProjectRun,
  agent: Agent,
  figures: ReturnType<typeof agentFigures>,
): AsyncGenerator<RunEvent, RunEvent['type']> {
  const projectId = run.project.id;
  const reserved = await account.reserveProjectStep(
    {
      projectId,
      runId: run.runId,
      agent: agent.id,
      estimatedTokens: Math.max(1, figures.inputTokens + figures.outputTokens),
      ttlSeconds: PROJECT_STEP_RESERVATION_TTL_SECONDS,
    },
    trace,
  );
  if (!reserved.ok) {
    yield { type: 'refused', agent: agent.id, failure: reserved.failure, snapshot: reserved.snapshot };
    return 'refused';
  }
  const reservation = reserved.value.result.reservation;
  yield {
    type: 'reserved',
    agent: agent.id,
    reservationId: reservation.id,
    estimatedTokens: reservation.tokens,
    source: figures.source,
    expiresAt: reservation.expiresAt,
    snapshot: reserved.snapshot,
  };

  let used;
  try {
    used = await runner.run({
      agent,
      model: run.project.model,
      prompt: promptFor(run.project, agent),
      estimate: { inputTokens: figures.inputTokens, outputTokens: figures.outputTokens },
    });
  } catch (error) {
    const failure = error instanceof RunnerError ? error.failure : 'runner_error';
    const message = error instanceof Error ? error.message : String(error);
    // Should the object refuse this too, the reservation expires on its own and the step shows as interrupted.
    await account.failProjectStep(
      { projectId, agent: agent.id, reservationId: reservation.id, error: `${failure}: ${message}` },
      trace,
    );
    yield { type: 'failed', agent: agent.id, failure, message };
    return 'failed';
  }
  const committed = await account.commitProjectStep(
    {
      projectId,
      agent: agent.id,
      reservationId: reservation.id,
      inputTokens: used.inputTokens,
      outputTokens: used.outputTokens,
    },
    trace,
  );
  if (!committed.ok) {
    yield aborted(agent.id, committed);
    return 'aborted';
  }
  const { transaction, uncoveredTokens, step, reservationExpired, project } = committed.value.result;
  yield { type: 'finished', agent: agent.id, transaction, uncoveredTokens, step, snapshot: committed.snapshot };
  if (reservationExpired && project.status !== 'completed') {
    const message = `The ${agent.id} agent's reservation expired before its usage was committed: it was charged, and the run stopped; execute again to resume.`;
    yield { type: 'expired', agent: agent.id, message };
    return 'expired';
  }
  return 'finished';
}

function aborted(agent: string | null, result: { failure: AccountFailure; snapshot: AccountSnapshot }): RunEvent {
  return { type: 'aborted', agent, failure: result.failure, snapshot: result.snapshot };
}

function firstUnfinished(steps: ProjectStep[]): string | null {
  return steps.find((s) => s.status !== 'finished')?.agent ?? null;
}
