// The body of every error, as one closed schema: `error`, `code`, `message`, `request_id`, and every detail a
// refusal may add so the client can act on it. A detail not listed here fails the conformance check of
// the route tests, so a new one is documented the day it is added. `code` is the field to switch on;
// each operation's document narrows it to the codes that operation can answer.
import { z } from 'zod';
import { ERROR_CODES } from '../../account/contract/errorCodes';
import { named } from './components';
import { projectRunSchema, projectSchema } from './projectResponses';
import { packageSchema } from './responses';

const count = z.int().min(0);

const issueSchema = named(
  'Issue',
  z.strictObject({
    field: z.string().describe('The offending field: a body path (a.b), a query or path parameter, or a header'),
    message: z.string(),
  }),
);

export const errorBodySchema = named(
  'Error',
  z
    .strictObject({
      error: z.string().describe('A title'),
      code: z.enum(ERROR_CODES).describe('Stable; switch on this'),
      message: z.string().describe('For people'),
      request_id: z.string().describe('The X-Request-Id of the answer: quote it when reporting a problem'),
      issues: z
        .array(issueSchema)
        .optional()
        .describe('invalid_request, idempotency_key_required: each field at fault'),
      needed_tokens: count.optional().describe('insufficient_tokens: how many more the charge needs'),
      balance_tokens: count.optional().describe('insufficient_tokens: what is spendable now'),
      upgrade_url: z.string().optional().describe('insufficient_tokens, limit_exceeded, rate_limited'),
      suggested_package: packageSchema
        .nullable()
        .optional()
        .describe('insufficient_tokens: the cheapest package that covers the shortfall'),
      limit: z.string().optional().describe('limit_exceeded, rate_limited: the name of the limit'),
      limit_value: count.optional().describe('limit_exceeded, rate_limited: the limit’s count'),
      requested_tokens: count.optional(),
      plan_id: z.string().optional(),
      allowed_plans: z.array(z.string()).optional().describe('promo_code_plan_not_allowed'),
      valid_from: z.string().optional().describe('promo_code_not_yet_valid: when the code opens'),
      valid_until: z.string().optional().describe('promo_code_expired: when the code ended'),
      retry_after_seconds: count.optional().describe('As the Retry-After header'),
      window_seconds: count.optional().describe('rate_limited (promo guesses): the window the failures count in'),
      known_agents: z.array(z.string()).optional().describe('invalid_request: the agents the catalog knows'),
      limit_bytes: count.optional().describe('payload_too_large: the body limit'),
      limit_records: count.optional().describe('payload_too_large: the batch limit'),
      redeemed_count: count.optional().describe('conflict (promo codes): redemptions already made'),
      subscription_id: z
        .string()
        .optional()
        .describe('already_subscribed: the live subscription (its plan_id and status beside it)'),
      checkout_expires_at: z
        .string()
        .optional()
        .describe('subscription_checkout_pending: when the checkout already open expires'),
      status: z
        .string()
        .optional()
        .describe('conflict (reservations): how the reservation was settled; already_subscribed: Stripe’s status'),
      project_id: z
        .string()
        .optional()
        .describe('conflict: the project whose run holds the project or the reservation'),
      next_agent: z.string().optional(),
      step_status: z.string().optional(),
      lease_until: z.string().optional(),
      agent: z.string().optional().describe('A project run: the agent it stopped at'),
      failure: z.string().optional().describe('model_error: why the model call failed'),
      project: projectSchema.nullable().optional().describe('A project run: the project as it stands'),
      run: projectRunSchema.optional().describe('A project run: what this run did'),
    })
    .describe('Every error has this shape; refusals add the facts the client can act on'),
);
