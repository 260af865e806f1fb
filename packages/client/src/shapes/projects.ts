import type { IsoTime, Money } from './money.js';

export type ProjectStatus = 'created' | 'running' | 'stopped' | 'completed';
export type ProjectStepStatus = 'pending' | 'running' | 'finished' | 'failed' | 'interrupted';

/** A project as `GET /api/v1/projects` lists it. */
export interface ProjectSummary {
  id: string;
  title: string;
  mode: string;
  description: string | null;
  model: string;
  status: ProjectStatus;
  agents_finished: number;
  agents_total: number;
  tokens_used: number;
  cost_usd_micros: number;
  cost_inr_paise: number;
  cost: Money;
  created_at: IsoTime;
  updated_at: IsoTime;
}

/** One agent of a project, in run order (`position` from 1). */
export interface ProjectStep {
  agent: string;
  position: number;
  status: ProjectStepStatus;
  estimated_tokens: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  tokens: number | null;
  cost_usd_micros: number | null;
  cost_inr_paise: number | null;
  cost: Money | null;
  transaction_id: number | null;
  reservation_id: number | null;
  attempts: number;
  started_at: IsoTime | null;
  finished_at: IsoTime | null;
  duration_ms: number | null;
  error: string | null;
}

/** `GET /api/v1/projects/{id}`: the project with each agent's progress. */
export interface Project extends ProjectSummary {
  /** While a run holds the project: when its lease ends. */
  running_until: IsoTime | null;
  agents: ProjectStep[];
}

/** `GET /api/v1/projects`: newest first; `next_cursor` fetches the page after. */
export interface ProjectPage {
  projects: ProjectSummary[];
  next_cursor: string | null;
}
