// Usage for many users in one request, as metering APIs take batched events: the Worker groups the
// records by user and makes one RPC (one transaction) per user, in parallel; each record gets its
// own result, in order. The answer is 200 even when every record is refused; a malformed record is
// refused alone; a user's object that fails fails only that user's records, marked retryable
// (send them again with the same keys). No X-Tokens-* headers: the batch spans users.
import { logLine } from '../../account/contract/logLine';
import { defineRoute, type RouteDeclaration } from '../openapi/route';
import { usageBatchResponseSchema } from '../openapi/responses';
import { z } from 'zod';
import type { BatchItemResult, UsageRequest } from '../../account/contract/rpc';
import { idempotencyKeys } from '../../account/contract/keys';
import { ApiError } from '../http/errors';
import { userIdSchema } from '../http/auth';
import { parseWith, readJson } from '../http/body';
import { accountOf, traceOf } from '../http/context';
import { idempotencyKeySchema } from '../http/schemas';
import { USAGE_BATCH_BODY_BYTES_MAX, USAGE_BATCH_RECORDS_MAX } from '../../money/limits';
import { presentUsage } from '../present/ledger';
import { usageBodySchema } from './service';

const envelopeSchema = z.object({ records: z.array(z.unknown()).min(1) }).strict();
const recordSchema = usageBodySchema.extend({ user_id: userIdSchema, idempotency_key: idempotencyKeySchema }).strict();
/** The batch as documented: the route checks the envelope first, then each record on its own. */
export const usageBatchBodySchema = z
  .object({ records: z.array(recordSchema).min(1).max(USAGE_BATCH_RECORDS_MAX) })
  .strict();

type RecordResult = Record<string, unknown> & { index: number; status: 'ok' | 'replayed' | 'refused' | 'error' };

export const usageBatchRoutes: readonly RouteDeclaration[] = [
  defineRoute({
    method: 'post',
    path: '/api/v1/service/usage/batch',
    tag: 'Platform',
    caller: 'service',
    summary: 'Record usage for many users at once: one result per record, in order (200 even when all are refused)',
    request: { body: usageBatchBodySchema },
    responses: {
      200: {
        description:
          '{ results: [{ index, user_id, status: ok|replayed|refused|error, … }], ok, replayed, refused, error }',
        schema: usageBatchResponseSchema,
      },
    },
    handler: async (request, env) => {
      const { records } = parseWith(envelopeSchema, await readJson(request, USAGE_BATCH_BODY_BYTES_MAX));
      if (records.length > USAGE_BATCH_RECORDS_MAX) {
        throw new ApiError(
          'payload_too_large',
          `A batch holds at most ${USAGE_BATCH_RECORDS_MAX} records; this one has ${records.length}.`,
          {
            limit_records: USAGE_BATCH_RECORDS_MAX,
          },
        );
      }
      const results: RecordResult[] = new Array(records.length);
      const byUser = new Map<string, { index: number; usage: UsageRequest }[]>();
      records.forEach((raw, index) => {
        const parsed = recordSchema.safeParse(raw);
        if (!parsed.success) {
          const issues = parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'record', message: i.message }));
          results[index] = refused(index, 'invalid_request', issues.map((i) => `${i.field}: ${i.message}`).join('; '), {
            issues,
          });
          return;
        }
        const r = parsed.data;
        const usage: UsageRequest = {
          agent: r.agent,
          model: r.model,
          inputTokens: r.input_tokens,
          outputTokens: r.output_tokens,
          description: r.description,
          idempotencyKey: idempotencyKeys.usage(r.idempotency_key),
        };
        const items = byUser.get(r.user_id);
        if (items) items.push({ index, usage });
        else byUser.set(r.user_id, [{ index, usage }]);
      });

      await Promise.all(
        [...byUser].map(async ([userId, items]) => {
          try {
            const answer = await accountOf(env, userId).recordUsageBatch(
              items.map((i) => i.usage),
              traceOf(request),
            );
            items.forEach(({ index }, k) => {
              results[index] = answer.ok
                ? present(index, userId, answer.value[k]!)
                : failed(index, userId, answer.failure.code, answer.failure.message);
            });
          } catch (error) {
            logLine(
              'error',
              'usage_batch',
              { requestId: request.requestId },
              { user_id: userId, error: String(error) },
            );
            for (const { index } of items)
              results[index] = { index, user_id: userId, status: 'error', retryable: true };
          }
        }),
      );
      const counts = { ok: 0, replayed: 0, refused: 0, error: 0 };
      for (const r of results) counts[r.status]++;
      return { results, ...counts };
    },
  }),
];

function present(index: number, userId: string, item: BatchItemResult): RecordResult {
  if (!item.ok) return failed(index, userId, item.failure.code, item.failure.message, item.failure.details);
  const { replayed: _replayed, ...usage } = presentUsage(item.transaction, item.replayed);
  return { index, user_id: userId, status: item.replayed ? 'replayed' : 'ok', ...usage };
}

function failed(
  index: number,
  userId: string,
  code: string,
  message: string,
  details?: Record<string, unknown>,
): RecordResult {
  return { ...refused(index, code, message, details), user_id: userId };
}

function refused(index: number, code: string, message: string, details: Record<string, unknown> = {}): RecordResult {
  return { index, status: 'refused', code, message, ...details };
}
