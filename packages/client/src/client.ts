// A small client for the platform's backend: hold an agent run's tokens, commit or release them,
// record usage, read a balance. It needs nothing but the standard fetch API, so the same build runs
// on Node 18+, Cloudflare Workers, Deno and Bun. Every mutation sends an Idempotency-Key that the caller
// derives from the logical step (`stepKey(runId, 'commit')`), so the client's own retries and the
// caller's later retries of the same step send the same key and are never charged twice.
import { TokenServiceError, TokenServiceUnavailableError } from './errors.js';
import type { Balance } from './shapes/balance.js';
import type { ErrorBody } from './shapes/errorBody.js';
import type {
  CommitBody,
  CommitResult,
  ReservationList,
  ReservationResult,
  ReserveBody,
} from './shapes/reservations.js';
import type { UsageBatchRecord, UsageBatchResult, UsageBody, UsageResult } from './shapes/usage.js';

/** The steps of one agent run that change money; each has its own key. */
export type RunStep = 'reserve' | 'commit' | 'release' | 'usage';

/**
 * The Idempotency-Key of one logical step of one run: the same on every retry of that step, and
 * different for each step. `runId` is the platform's own id of the agent run (printable ASCII).
 */
export function stepKey(runId: string, step: RunStep): string {
  return `${runId}:${step}`;
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface TokenServiceClientOptions {
  /** Where the service answers, e.g. `https://tokens.example.com` (no trailing `/api/v1`). */
  baseUrl: string;
  /** The platform backend's SERVICE_TOKEN. */
  serviceToken: string;
  /** Injected transport; the global `fetch` when absent. */
  fetch?: FetchLike;
  /** Attempts of one request when no usable answer comes (network error, timeout, 5xx). Default 3. */
  attempts?: number;
  /** Milliseconds before the second attempt, doubling after; default 200. */
  retryDelayMs?: number;
  /** Milliseconds one attempt may take; default 10,000. */
  timeoutMs?: number;
}

const ATTEMPTS_DEFAULT = 3;
const RETRY_DELAY_MS_DEFAULT = 200;
const TIMEOUT_MS_DEFAULT = 10_000;

export class TokenServiceClient {
  private readonly baseUrl: string;
  private readonly send: FetchLike;

  constructor(private readonly options: TokenServiceClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.send = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** Hold `estimated_tokens` before calling the model. 402 when the balance cannot cover them. */
  reserve(userId: string, body: ReserveBody, idempotencyKey: string): Promise<ReservationResult> {
    return this.request('POST', `${this.user(userId)}/reservations`, { body, idempotencyKey });
  }

  /**
   * Charge the run's actual usage. Never refused for want of tokens (`uncovered_tokens` says what was short).
   * A reservation a project run holds is settled by that run: 409 `conflict` with its `project_id`.
   */
  commit(userId: string, reservationId: number, body: CommitBody, idempotencyKey: string): Promise<CommitResult> {
    return this.request('POST', `${this.user(userId)}/reservations/${reservationId}/commit`, { body, idempotencyKey });
  }

  /** Give the reservation back without charging (the model call failed); 409 for a project run's reservation. */
  release(userId: string, reservationId: number, idempotencyKey: string): Promise<ReservationResult> {
    return this.request('POST', `${this.user(userId)}/reservations/${reservationId}/release`, { idempotencyKey });
  }

  /** The user's open reservations. */
  reservations(userId: string): Promise<ReservationList> {
    return this.request('GET', `${this.user(userId)}/reservations`, {});
  }

  /** Charge a run without a reservation, all or nothing. 402 when the balance cannot cover it. */
  recordUsage(userId: string, body: UsageBody, idempotencyKey: string): Promise<UsageResult> {
    return this.request('POST', `${this.user(userId)}/usage`, { body, idempotencyKey });
  }

  /**
   * Up to 500 records for any users; each carries its own key, so resending the same batch (or
   * the records whose result is `error`) charges nothing twice.
   */
  batch(records: UsageBatchRecord[]): Promise<UsageBatchResult> {
    return this.request('POST', '/api/v1/service/usage/batch', { body: { records } });
  }

  /** The user's balance, as the user sees it. */
  balance(userId: string): Promise<Balance> {
    return this.request('GET', `${this.user(userId)}/balance`, {});
  }

  private user(userId: string): string {
    return `/api/v1/service/users/${encodeURIComponent(userId)}`;
  }

  /**
   * One request, attempted again (same body, same key) while no usable answer comes. A 4xx is
   * the service's answer and is thrown at once as a TokenServiceError.
   */
  private async request<T>(
    method: 'GET' | 'POST',
    path: string,
    { body, idempotencyKey }: { body?: unknown; idempotencyKey?: string },
  ): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.options.serviceToken}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (idempotencyKey !== undefined) headers['Idempotency-Key'] = idempotencyKey;
    const init = { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
    const attempts = Math.max(1, this.options.attempts ?? ATTEMPTS_DEFAULT);
    let delayMs = this.options.retryDelayMs ?? RETRY_DELAY_MS_DEFAULT;
    let lastStatus: number | undefined;
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        delayMs *= 2;
      }
      let response: Response;
      try {
        const signal = AbortSignal.timeout(this.options.timeoutMs ?? TIMEOUT_MS_DEFAULT);
        response = await this.send(`${this.baseUrl}${path}`, { ...init, signal });
      } catch (error) {
        lastError = error;
        continue;
      }
      lastStatus = response.status;
      if (response.status >= 500) {
        lastError = await response.text().catch(() => undefined);
        continue;
      }
      if (response.ok) return (await response.json()) as T;
      throw await errorOf(response);
    }
    throw new TokenServiceUnavailableError(
      `${method} ${path}: no usable answer after ${attempts} attempts; retry the step with the same key.`,
      lastStatus,
      lastError,
    );
  }
}

async function errorOf(response: Response): Promise<Error> {
  const text = await response.text();
  let body: ErrorBody;
  try {
    body = JSON.parse(text) as ErrorBody;
  } catch {
    return new TokenServiceUnavailableError(`${response.status}: not the service's error body`, response.status, text);
  }
  const header = response.headers.get('Retry-After');
  const retryAfterSeconds = header === null || !/^[0-9]+$/.test(header) ? undefined : Number(header);
  return new TokenServiceError(response.status, body, retryAfterSeconds);
}
