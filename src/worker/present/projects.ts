// Projects as clients read them: snake_case, ISO times, exact integers beside the decimals.
import type { Project, ProjectStep, ProjectSummary } from '../../account/contract/rpc';
import type { ProjectRun, RunEvent } from '../projects/runEvents';
import { iso, money, presentUsage } from './ledger';

const isoOrNull = (at: number | null) => (at === null ? null : iso(at));

export function presentProjectSummary(p: ProjectSummary) {
  return {
    id: p.id,
    title: p.title,
    mode: p.mode,
    description: p.description,
    model: p.model,
    status: p.status,
    agents_finished: p.agentsFinished,
    agents_total: p.agentsTotal,
    tokens_used: p.tokens,
    cost_usd_micros: p.costUsdMicros,
    cost_inr_paise: p.costInrPaise,
    cost: money(p.costUsdMicros, p.costInrPaise),
    created_at: iso(p.createdAt),
    updated_at: iso(p.updatedAt),
  };
}

function presentStep(s: ProjectStep) {
  const tokens = s.inputTokens === null || s.outputTokens === null ? null : s.inputTokens + s.outputTokens;
  return {
    agent: s.agent,
    position: s.position + 1,
    status: s.status,
    estimated_tokens: s.estimatedTokens,
    input_tokens: s.inputTokens,
    output_tokens: s.outputTokens,
    tokens,
    cost_usd_micros: s.costUsdMicros,
    cost_inr_paise: s.costInrPaise,
    cost: s.costUsdMicros === null || s.costInrPaise === null ? null : money(s.costUsdMicros, s.costInrPaise),
    transaction_id: s.transactionSeq,
    reservation_id: s.reservationId,
    attempts: s.attempts,
    started_at: isoOrNull(s.startedAt),
    finished_at: isoOrNull(s.finishedAt),
    duration_ms: s.startedAt !== null && s.finishedAt !== null ? s.finishedAt - s.startedAt : null,
    error: s.error,
  };
}

export function presentProject(p: Project) {
  return {
    ...presentProjectSummary(p),
    running_until: p.lease === null ? null : iso(p.lease.until),
    agents: p.steps.map(presentStep),
  };
}

/** A run as it starts: the first event of the stream and the head of the JSON answer's `run`. */
export function presentRunHead(run: ProjectRun, runner: string) {
  return { run_id: run.runId, runner, resumed_from: run.resumedFrom, interrupted: run.interrupted };
}

/** The steps' events a client reads; a refusal is presented from its API error (presentRefusal). */
type PresentedRunEvent = Exclude<RunEvent, { type: 'refused' | 'aborted' }>;

/** One event of a run, as the stream sends it and the JSON answer lists it. */
export function presentRunEvent(e: PresentedRunEvent): Record<string, unknown> {
  switch (e.type) {
    case 'reserved':
      return {
        agent: e.agent,
        reservation_id: e.reservationId,
        estimated_tokens: e.estimatedTokens,
        estimate_source: e.source,
        expires_at: iso(e.expiresAt),
      };
    case 'finished':
      return {
        agent: e.agent,
        ...presentUsage(e.transaction, false),
        uncovered_tokens: e.uncoveredTokens,
        duration_ms: presentStep(e.step).duration_ms,
      };
    case 'failed':
      return { agent: e.agent, failure: e.failure, message: e.message };
    case 'expired':
      return { agent: e.agent, message: e.message };
    case 'done':
      return { project: presentProject(e.project) };
  }
}

/** A refused step: the agent, then the status and body of the API error its failure became. */
export function presentRefusal(agent: string, error: { status: number; body(): Record<string, unknown> }) {
  return { agent, status: error.status, ...error.body() };
}
