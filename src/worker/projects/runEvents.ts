// What a project run works with and reports, as plain values: the account RPCs it needs, the run a
// lease started, and one event per thing that happened. A failure the object answers with is an
// event carrying the object's own failure (code, message, details); turning it into HTTP is the
// route's business, not the run's.
import type { Trace } from '../../account/contract/logLine';
import type {
  AccountFailure,
  AccountResult,
  AccountSnapshot,
  Applied,
  Project,
  ProjectStep,
  ReadOptions,
  RunStarted,
  RunStartRequest,
  StepCommitRequest,
  StepCommitted,
  StepFailRequest,
  StepReserved,
  StepReserveRequest,
  Transaction,
  UsageOutlook,
} from '../../account/contract/rpc';
import type { RunnerFailure } from '../runners/runner';
import type { EstimateSource } from './estimate';

/** The RPCs of a user's account a run calls; the object's stub has them, and so may a test double. */
export interface RunAccount {
  startProjectRun(req: RunStartRequest, trace?: Trace): Promise<AccountResult<RunStarted>>;
  usageOutlook(opts?: ReadOptions): Promise<AccountResult<UsageOutlook>>;
  reserveProjectStep(req: StepReserveRequest, trace?: Trace): Promise<AccountResult<Applied<StepReserved>>>;
  commitProjectStep(req: StepCommitRequest, trace?: Trace): Promise<AccountResult<Applied<StepCommitted>>>;
  failProjectStep(req: StepFailRequest, trace?: Trace): Promise<AccountResult<Applied<Project>>>;
  project(id: string, opts?: ReadOptions): Promise<AccountResult<Project>>;
}

/** A run that holds the project's lease: nothing is reserved or charged yet. */
export interface ProjectRun {
  runId: string;
  /** The project as the lease found it. */
  project: Project;
  /** Agents whose step a cut-off run left behind; they run again now. */
  interrupted: string[];
  /** The first unfinished agent, where this run begins; null when every agent has finished. */
  resumedFrom: string | null;
}

/** Why an agent's step ended without a charge: the model runner's failure, or a reason of the run's own. */
type StepFailure = RunnerFailure | 'agent_retired' | 'runner_error';

/**
 * One thing a run did, in order. A run's events end with `done`, except that a refusal is the last
 * event a reader who stops at it needs, and `aborted` ends the run without `done`. Events that come
 * from an answer of the object carry the account's numbers after it (`snapshot`).
 */
export type RunEvent =
  /** The step's estimate is held (the step has started): `estimatedTokens` until `expiresAt` (epoch ms). */
  | {
      type: 'reserved';
      agent: string;
      reservationId: number;
      estimatedTokens: number;
      source: EstimateSource;
      expiresAt: number;
      snapshot: AccountSnapshot;
    }
  /** The model ran and the step is charged: its usage row, what the balance could not cover, the step. */
  | {
      type: 'finished';
      agent: string;
      transaction: Transaction;
      uncoveredTokens: number;
      step: ProjectStep;
      snapshot: AccountSnapshot;
    }
  /**
   * The step's reservation expired (settled by the account) before its commit: the agent was charged,
   * the run's lease lapsed with the reservation and is ended, and the run stops; executing again resumes.
   */
  | { type: 'expired'; agent: string; message: string }
  /** The model call failed (or the agent is no longer offered): nothing is charged and the run stops. */
  | { type: 'failed'; agent: string; failure: StepFailure; message: string }
  /** The object refused the step's reservation (the balance, a plan limit, the lease): the run stops here. */
  | { type: 'refused'; agent: string; failure: AccountFailure; snapshot: AccountSnapshot }
  /** A call the run cannot go on without was refused (the outlook, a commit, the last read): the run ends. */
  | { type: 'aborted'; agent: string | null; failure: AccountFailure; snapshot: AccountSnapshot }
  /** The run is over; the project as it stands now. */
  | { type: 'done'; project: Project; snapshot: AccountSnapshot };
