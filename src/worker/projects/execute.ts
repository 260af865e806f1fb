// Executing a project, orchestrated by the Worker one agent at a time: hold the step's estimate
// (object) → run the model (runner, here in the Worker; the object never awaits a model) → commit
// the actual tokens (object: the hold settles, the usage row and the step's progress in one
// transaction). A refused hold or a failed model call ends the run; executing again resumes at the
// first unfinished agent, and a finished agent is never charged again (its commit is keyed per
// project × agent). Each step is reported as an event, for the event stream or the JSON answer.
import type { Project, ProjectStep, Transaction } from '../../account/contract/rpc';
import type { Agent, Catalog } from '../../account/stores/catalogCache';
import type { Env } from '../../env';
import { agentFigures, type EstimateSource } from './estimate';
import { ApiError } from '../http/errors';
import { settle } from '../http/accountResult';
import { accountOf, type ApiRequest } from '../http/context';
import { ESTIMATE_AVERAGE_MIN_RUNS, PROJECT_STEP_HOLD_TTL_SECONDS } from '../../money/limits';
import { RunnerError, type ModelRunner } from '../runners/runner';
import { promptFor } from './prompt';

export type RunEvent =
  | {
      type: 'reserved';
      agent: string;
      holdId: number;
      estimatedTokens: number;
      source: EstimateSource;
      expiresAt: number;
    }
  | { type: 'finished'; agent: string; transaction: Transaction; uncoveredTokens: number; step: ProjectStep }
  | { type: 'refused'; agent: string; error: ApiError }
  | { type: 'failed'; agent: string; failure: string; message: string }
  | { type: 'done'; project: Project };

export interface RunSetup {
  env: Env;
  request: ApiRequest;
  userId: string;
  runId: string;
  project: Project;
  catalog: Catalog;
  runner: ModelRunner;
}

/** Runs the project's unfinished steps in order; the last event is `done`, or `refused`/`failed` and then `done`. */
export async function* runSteps(setup: RunSetup): AsyncGenerator<RunEvent> {
  const { env, request, userId, runId, project, catalog, runner } = setup;
  const account = accountOf(env, userId);
  const outlook = await settle(request, env, account.usageOutlook({ openIfNew: true }));
  const agents = new Map(catalog.agents.map((a) => [a.id, a]));
  for (const step of project.steps) {
    if (step.status === 'finished') continue;
    const agent: Agent | undefined = agents.get(step.agent);
    if (!agent) {
      yield {
        type: 'failed',
        agent: step.agent,
        failure: 'agent_retired',
        message: `The agent '${step.agent}' is no longer offered.`,
      };
      break;
    }
    const figures = agentFigures(agent, outlook, ESTIMATE_AVERAGE_MIN_RUNS);
    let reserved;
    try {
      reserved = await settle(
        request,
        env,
        account.reserveProjectStep({
          projectId: project.id,
          runId,
          agent: agent.id,
          estimatedTokens: Math.max(1, figures.inputTokens + figures.outputTokens),
          ttlSeconds: PROJECT_STEP_HOLD_TTL_SECONDS,
        }),
      );
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      yield { type: 'refused', agent: agent.id, error };
      break;
    }
    const hold = reserved.result.hold;
    yield {
      type: 'reserved',
      agent: agent.id,
      holdId: hold.id,
      estimatedTokens: hold.tokens,
      source: figures.source,
      expiresAt: hold.expiresAt,
    };

    let used;
    try {
      used = await runner.run({
        agent,
        model: project.model,
        prompt: promptFor(project, agent),
        estimate: { inputTokens: figures.inputTokens, outputTokens: figures.outputTokens },
      });
    } catch (error) {
      const failure = error instanceof RunnerError ? error.failure : 'runner_error';
      const message = error instanceof Error ? error.message : String(error);
      // Should this fail too, the hold expires on its own and the step shows as interrupted.
      await settle(
        request,
        env,
        account.failProjectStep({
          projectId: project.id,
          agent: agent.id,
          holdId: hold.id,
          error: `${failure}: ${message}`,
        }),
      ).catch((e: unknown) => {
        if (!(e instanceof ApiError)) throw e;
      });
      yield { type: 'failed', agent: agent.id, failure, message };
      break;
    }
    const committed = await settle(
      request,
      env,
      account.commitProjectStep({
        projectId: project.id,
        agent: agent.id,
        holdId: hold.id,
        inputTokens: used.inputTokens,
        outputTokens: used.outputTokens,
      }),
    );
    yield {
      type: 'finished',
      agent: agent.id,
      transaction: committed.result.transaction,
      uncoveredTokens: committed.result.uncoveredTokens,
      step: committed.result.step,
    };
  }
  yield { type: 'done', project: await settle(request, env, account.project(project.id)) };
}
