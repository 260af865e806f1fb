import type { IsoTime } from './money.js';
import type { UsageResult } from './usage.js';

/** `POST /api/v1/service/users/{userId}/reservations`: hold an estimate before calling the model. */
export interface ReserveBody {
  agent: string;
  model: string;
  /** At least 1, at most the plan's `max_tokens_per_request`. */
  estimated_tokens: number;
  /** 10–3,600 seconds before an unsettled reservation expires on its own; 600 when absent. */
  ttl_seconds?: number;
}

/** `POST …/reservations/{id}/commit`: the run's actual usage. */
export interface CommitBody {
  input_tokens: number;
  output_tokens: number;
  description?: string;
}

export type ReservationStatus = 'open' | 'committed' | 'released' | 'expired';

/** Tokens held for one agent run. */
export interface Reservation {
  id: number;
  agent: string;
  model: string;
  estimated_tokens: number;
  status: ReservationStatus;
  created_at: IsoTime;
  expires_at: IsoTime;
  settled_at: IsoTime | null;
  /** The project whose run holds it, when a project run made it. */
  project_id: string | null;
}

/** The answer to a reserve or a release. */
export interface ReservationResult {
  reservation: Reservation;
  /** True when this answers a retry of the same key. */
  replayed: boolean;
}

/** `GET …/reservations`: the user's open reservations. */
export interface ReservationList {
  reservations: Reservation[];
}

/** The answer to a commit: the usage it charged, what the balance could not cover, the settled reservation. */
export interface CommitResult extends UsageResult {
  /** Usage the balance could not cover: recorded on the ledger row, never refused. */
  uncovered_tokens: number;
  reservation: Reservation;
}
