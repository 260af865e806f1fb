// Projects and their steps in the user's SQLite: loading a project's state for the core and
// writing the project changes of a draft (accountStore.ts delegates them here), inside the
// mutation's one transactionSync beside the ledger's changes.
import type { ProjectStep, ProjectSummary } from '../contract/rpc';
import {
  projectStatus,
  type ProjectChange,
  type ProjectHead,
  type ProjectState,
  type StepPatch,
} from '../core/project';
import type { Sql } from './sql';

interface HeadRow {
  seq: number;
  id: string;
  title: string;
  mode: string;
  description: string | null;
  model: string;
  created_at: number;
  updated_at: number;
  lease_run_id: string | null;
  lease_until: number | null;
  [column: string]: SqlStorageValue;
}

const STEP_COLUMNS = `agent, position, status, hold_id AS reservationId, estimated_tokens AS estimatedTokens,
  transaction_seq AS transactionSeq, input_tokens AS inputTokens, output_tokens AS outputTokens,
  cost_usd_micros AS costUsdMicros, cost_inr_paise AS costInrPaise, started_at AS startedAt,
  finished_at AS finishedAt, attempts, error`;

const PATCH_COLUMNS: Record<keyof StepPatch, string> = {
  status: 'status',
  reservationId: 'hold_id',
  estimatedTokens: 'estimated_tokens',
  transactionSeq: 'transaction_seq',
  inputTokens: 'input_tokens',
  outputTokens: 'output_tokens',
  costUsdMicros: 'cost_usd_micros',
  costInrPaise: 'cost_inr_paise',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
  attempts: 'attempts',
  error: 'error',
};

export class ProjectStore {
  constructor(private readonly sql: Sql) {}

  insert(head: Omit<ProjectHead, 'lease' | 'updatedAt'>, agents: string[]): void {
    this.sql.run(
      'project insert',
      `INSERT INTO projects (id, title, mode, description, model, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      head.id,
      head.title,
      head.mode,
      head.description,
      head.model,
      head.createdAt,
      head.createdAt,
    );
    agents.forEach((agent, position) =>
      this.sql.run(
        'project step insert',
        `INSERT INTO project_steps (project_id, agent, position, status) VALUES (?, ?, ?, 'pending')`,
        head.id,
        agent,
        position,
      ),
    );
  }

  /** How many projects the account holds: a read of the id index, no write. */
  count(): number {
    return this.sql.first<{ n: number }>('project count', 'SELECT COUNT(*) AS n FROM projects')!.n;
  }

  state(id: string): ProjectState | undefined {
    const row = this.sql.first<HeadRow>('project head', 'SELECT * FROM projects WHERE id = ?', id);
    if (!row) return undefined;
    return { head: toHead(row), steps: this.steps(id) };
  }

  steps(id: string): ProjectStep[] {
    return this.sql.rows<ProjectStep & Record<string, SqlStorageValue>>(
      'project steps',
      `SELECT ${STEP_COLUMNS} FROM project_steps WHERE project_id = ? ORDER BY position`,
      id,
    );
  }

  /** Newest first, after the project `before` when given. */
  page(limit: number, before: string | undefined, now: number): ProjectSummary[] {
    const beforeSeq =
      before === undefined
        ? Number.MAX_SAFE_INTEGER
        : (this.sql.first<{ seq: number }>('project seq', 'SELECT seq FROM projects WHERE id = ?', before)?.seq ?? 0);
    return this.sql
      .rows<HeadRow>(
        'projects page',
        'SELECT * FROM projects WHERE seq < ? ORDER BY seq DESC LIMIT ?',
        beforeSeq,
        limit,
      )
      .map((row) => ({ head: toHead(row), steps: this.steps(row.id) }))
      .map((state) => summaryOf(state, now));
  }

  apply(change: ProjectChange): void {
    if (change.kind === 'lease') {
      this.sql.run(
        'project lease',
        'UPDATE projects SET lease_run_id = ?, lease_until = ?, updated_at = ? WHERE id = ?',
        change.lease?.runId ?? null,
        change.lease?.until ?? null,
        change.at,
        change.projectId,
      );
      return;
    }
    const entries = Object.entries(change.patch) as [keyof StepPatch, SqlStorageValue][];
    if (!entries.length) return;
    this.sql.run(
      'project step update',
      `UPDATE project_steps SET ${entries.map(([k]) => `${PATCH_COLUMNS[k]} = ?`).join(', ')}
       WHERE project_id = ? AND agent = ?`,
      ...entries.map(([, v]) => v ?? null),
      change.projectId,
      change.agent,
    );
  }
}

function toHead(row: HeadRow): ProjectHead {
  return {
    id: row.id,
    title: row.title,
    mode: row.mode,
    description: row.description,
    model: row.model,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lease:
      row.lease_run_id === null || row.lease_until === null
        ? null
        : { runId: row.lease_run_id, until: row.lease_until },
  };
}

export function summaryOf(state: ProjectState, now: number): ProjectSummary {
  const finished = state.steps.filter((s) => s.status === 'finished');
  return {
    id: state.head.id,
    title: state.head.title,
    mode: state.head.mode,
    description: state.head.description,
    model: state.head.model,
    status: projectStatus(state, now),
    createdAt: state.head.createdAt,
    updatedAt: state.head.updatedAt,
    agentsFinished: finished.length,
    agentsTotal: state.steps.length,
    tokens: finished.reduce((sum, s) => sum + (s.inputTokens ?? 0) + (s.outputTokens ?? 0), 0),
    costUsdMicros: finished.reduce((sum, s) => sum + (s.costUsdMicros ?? 0), 0),
    costInrPaise: finished.reduce((sum, s) => sum + (s.costInrPaise ?? 0), 0),
  };
}
