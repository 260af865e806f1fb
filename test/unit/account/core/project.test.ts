import { describe, expect, it } from 'vitest';
import type { ProjectStep } from '../../../../src/account/contract/rpc';
import {
  decideRunStart,
  decideStepReserve,
  nextStep,
  projectStatus,
  runningStep,
  stepFinished,
  type ProjectState,
} from '../../../../src/account/core/project';

const NOW = Date.parse('2027-03-10T12:00:00Z');
const AGENTS = ['idea', 'srs', 'code'];

function step(agent: string, position: number, patch: Partial<ProjectStep> = {}): ProjectStep {
  return {
    agent,
    position,
    status: 'pending',
    reservationId: null,
    estimatedTokens: null,
    transactionSeq: null,
    inputTokens: null,
    outputTokens: null,
    costUsdMicros: null,
    costInrPaise: null,
    startedAt: null,
    finishedAt: null,
    attempts: 0,
    error: null,
    ...patch,
  };
}

function project(steps: Partial<ProjectStep>[] = [], lease: ProjectState['head']['lease'] = null): ProjectState {
  return {
    head: {
      id: 'prj_1',
      title: 'T',
      mode: 'student',
      description: null,
      model: 'sonnet',
      createdAt: NOW,
      updatedAt: NOW,
      lease,
    },
    steps: AGENTS.map((agent, i) => step(agent, i, steps[i])),
  };
}

describe('project core', () => {
  it('status: created, running under a live lease, stopped, completed', () => {
    expect(projectStatus(project(), NOW)).toBe('created');
    expect(projectStatus(project([], { runId: 'r', until: NOW + 1 }), NOW)).toBe('running');
    expect(projectStatus(project([], { runId: 'r', until: NOW }), NOW)).toBe('created');
    expect(projectStatus(project([{ status: 'finished' }]), NOW)).toBe('stopped');
    const done = project(AGENTS.map(() => ({ status: 'finished' as const })));
    expect(projectStatus(done, NOW)).toBe('completed');
    expect(nextStep(done)).toBeUndefined();
  });

  it('a run start is refused while another run’s lease is live, and allowed once it lapses', () => {
    const live = project([{ status: 'running', reservationId: 7 }], { runId: 'a', until: NOW + 1000 });
    expect(decideRunStart(live, 'b', () => 'open', 60_000, NOW)).toMatchObject({
      ok: false,
      failure: { code: 'conflict' },
    });
    const lapsed = decideRunStart(live, 'b', () => 'expired', 60_000, NOW + 1000);
    expect(lapsed).toMatchObject({ ok: true, value: { interrupted: ['idea'], reservationsToRelease: [] } });
    const stillOpen = decideRunStart(live, 'b', () => 'open', 60_000, NOW + 1000);
    expect(stillOpen).toMatchObject({ ok: true, value: { reservationsToRelease: [7] } });
  });

  it('the same run starting again interrupts nothing', () => {
    const live = project([{ status: 'running', reservationId: 7 }], { runId: 'a', until: NOW + 1000 });
    expect(decideRunStart(live, 'a', () => 'open', 60_000, NOW)).toMatchObject({
      ok: true,
      value: { interrupted: [], reservationsToRelease: [] },
    });
  });

  it('a step may be held only by the lease holder, only the next one, and not twice', () => {
    const leased = project([{ status: 'finished' }], { runId: 'a', until: NOW + 1000 });
    expect(decideStepReserve(leased, 'a', 'srs', NOW)).toMatchObject({ ok: true, value: { agent: 'srs' } });
    expect(decideStepReserve(leased, 'b', 'srs', NOW)).toMatchObject({ ok: false, failure: { code: 'conflict' } });
    expect(decideStepReserve(leased, 'a', 'code', NOW)).toMatchObject({
      ok: false,
      failure: { details: { next_agent: 'srs' } },
    });
    expect(decideStepReserve(leased, 'a', 'srs', NOW + 1000)).toMatchObject({ ok: false });
    const running = project([{ status: 'running', reservationId: 1 }], { runId: 'a', until: NOW + 1000 });
    expect(decideStepReserve(running, 'a', 'idea', NOW)).toMatchObject({ ok: false });
  });

  it('a commit settles only the running step under its hold; the last one gives the lease up', () => {
    const state = project([{ status: 'finished' }, { status: 'finished' }, { status: 'running', reservationId: 3 }], {
      runId: 'a',
      until: NOW + 1000,
    });
    expect(runningStep(state, 'code', 4)).toMatchObject({ ok: false, failure: { code: 'conflict' } });
    expect(runningStep(state, 'poetry', 3)).toMatchObject({ ok: false, failure: { code: 'not_found' } });
    const found = runningStep(state, 'code', 3);
    if (!found.ok) throw new Error('expected the running step');
    const changes = stepFinished(
      state,
      found.value,
      { seq: 9, inputTokens: 1, outputTokens: 2, costUsdMicros: 3, costInrPaise: 0 },
      NOW,
    );
    expect(changes.at(-1)).toEqual({ kind: 'lease', projectId: 'prj_1', lease: null, at: NOW });
    const middle = project([{ status: 'running', reservationId: 3 }], { runId: 'a', until: NOW + 1000 });
    const first = stepFinished(
      middle,
      middle.steps[0]!,
      { seq: 9, inputTokens: 1, outputTokens: 2, costUsdMicros: 3, costInrPaise: 0 },
      NOW,
    );
    expect(first.some((c) => c.kind === 'lease')).toBe(false);
  });
});
