// The one place an object's answer becomes HTTP: the account's numbers go to the X-Tokens-* headers
// (refusals included), a value is returned for the route to present, a failure becomes the API
// error with the same code.
import type { AccountFailure, AccountResult } from '../../account/contract/rpc';
import type { Env } from '../../env';
import { ApiError } from './errors';
import { suggestedPackageFor } from '../catalog/suggestedPackage';
import type { ApiRequest } from './context';

export async function settle<T>(request: ApiRequest, env: Env, pending: Promise<AccountResult<T>>): Promise<T> {
  const result = await pending;
  request.snapshot = result.snapshot;
  if (result.ok) return result.value;
  throw await apiErrorOf(env, result.failure);
}

/**
 * Refusals a client can buy or wait its way out of say where to go. A limit of the plan (it names its
 * `plan_id`) is lifted by another plan; a limit of the service's own (projects per user) is not.
 */
export async function apiErrorOf(env: Env, failure: AccountFailure): Promise<ApiError> {
  const headers: Record<string, string> =
    failure.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(failure.retryAfterSeconds) };
  const details: Record<string, unknown> = { ...failure.details };
  const planLimit = failure.code === 'limit_exceeded' && details.plan_id !== undefined;
  if (failure.code === 'insufficient_tokens' || planLimit || failure.code === 'rate_limited') {
    details.upgrade_url = env.UPGRADE_URL ?? '/api/v1/tokens/packages';
  }
  if (failure.code === 'insufficient_tokens')
    details.suggested_package = await suggestedPackageFor(env, Number(details.needed_tokens));
  return new ApiError(failure.code, failure.message, details, headers);
}
