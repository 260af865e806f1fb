// The benchmark's peer: a minimal Node `http` + `pg` server with the service's usage route, a
// batch route and a health route, over the row-locked ledger in ./pg-ledger.mjs. Written for the
// bench only; it listens on 127.0.0.1 and prints `{"port":N}` on its first stdout line.
//
// Environment: PEER_PG_HOST (the cluster's socket directory), PEER_PG_PORT, PEER_SERVICE_TOKEN,
// PEER_START_TOKENS (a new account's balance), PEER_POOL_MAX (pooled connections), PEER_PORT (0: any).
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import pg from 'pg';
import { z } from 'zod';
import { SCHEMA_SQL, createLedger } from './pg-ledger.mjs';

/** The bounds the service enforces on the same fields (src/money/limits.ts), and the batch's. */
const LIMITS = {
  bodyBytesMax: 1024 * 1024,
  tokensPerFieldMax: 2_000_000,
  agentCharsMax: 64,
  modelCharsMax: 64,
  descriptionCharsMax: 500,
  idempotencyKeyCharsMax: 255,
  userIdCharsMax: 128,
  batchRecordsMax: 500,
};

/** The seed catalog's prices (migrations/0001_catalog.sql), held in memory as the service caches its own. */
const MODELS = new Map([
  ['haiku', { inputUsdMicrosPerMTok: 1_000_000, outputUsdMicrosPerMTok: 5_000_000 }],
  ['sonnet', { inputUsdMicrosPerMTok: 3_000_000, outputUsdMicrosPerMTok: 15_000_000 }],
  ['opus', { inputUsdMicrosPerMTok: 5_000_000, outputUsdMicrosPerMTok: 25_000_000 }],
]);
const USD_INR_PAISE = 8_300;

const tokenCount = z.int().min(0).max(LIMITS.tokensPerFieldMax);
const agent = z
  .string()
  .max(LIMITS.agentCharsMax)
  .regex(/^[a-z0-9][a-z0-9_-]*$/);
const userId = z
  .string()
  .min(1)
  .max(LIMITS.userIdCharsMax)
  .regex(/^[A-Za-z0-9._:@|-]+$/);
const idempotencyKey = z
  .string()
  .min(1)
  .max(LIMITS.idempotencyKeyCharsMax)
  .regex(/^[\x21-\x7e]+$/);
const usageFields = {
  agent,
  model: z.string().min(1).max(LIMITS.modelCharsMax),
  input_tokens: tokenCount,
  output_tokens: tokenCount,
  description: z.string().max(LIMITS.descriptionCharsMax).optional(),
};
const usageBody = z.object(usageFields).strict();
const batchBody = z
  .object({
    records: z
      .array(z.object({ ...usageFields, user_id: userId, idempotency_key: idempotencyKey }).strict())
      .min(1)
      .max(LIMITS.batchRecordsMax),
  })
  .strict();

class HttpError extends Error {
  constructor(status, code, message, details = {}) {
    super(message);
    Object.assign(this, { status, code, details });
  }
}

const env = process.env;
const pool = new pg.Pool({
  host: env.PEER_PG_HOST,
  port: Number(env.PEER_PG_PORT ?? 5432),
  user: 'postgres',
  database: 'postgres',
  max: Number(env.PEER_POOL_MAX ?? 32),
});
await pool.query(SCHEMA_SQL);
const ledger = createLedger({ pool, startTokens: Number(env.PEER_START_TOKENS ?? 10_000) });
const serviceTokenDigest = sha256(env.PEER_SERVICE_TOKEN ?? '');

function sha256(text) {
  return createHash('sha256').update(text).digest();
}

function requireService(request) {
  const match = /^Bearer\s+(\S+)$/i.exec((request.headers.authorization ?? '').trim());
  if (!match || !env.PEER_SERVICE_TOKEN || !timingSafeEqual(sha256(match[1]), serviceTokenDigest))
    throw new HttpError(401, 'unauthorized', 'A valid service token is required.');
}

async function readJson(request, schema) {
  const chunks = [];
  let bytes = 0;
  for await (const chunk of request) {
    bytes += chunk.length;
    if (bytes > LIMITS.bodyBytesMax) throw new HttpError(413, 'payload_too_large', 'The body is too large.');
    chunks.push(chunk);
  }
  let value;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'malformed_json', 'The body is not JSON.');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HttpError(400, 'invalid_request', `${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

/** The usage with its tokens and cost (the service's rounding: micro-USD up, paise to nearest). */
function priced(body) {
  const price = MODELS.get(body.model);
  if (!price) throw new HttpError(400, 'invalid_request', `model: unknown model '${body.model}'`);
  const scaled = body.input_tokens * price.inputUsdMicrosPerMTok + body.output_tokens * price.outputUsdMicrosPerMTok;
  const costUsdMicros = Math.ceil(scaled / 1_000_000);
  return {
    agent: body.agent,
    model: body.model,
    input_tokens: body.input_tokens,
    output_tokens: body.output_tokens,
    description: body.description,
    tokens: body.input_tokens + body.output_tokens,
    cost_usd_micros: costUsdMicros,
    cost_inr_paise: Math.round((costUsdMicros * USD_INR_PAISE) / 1_000_000),
  };
}

/** The service's usage answer, field for field where the peer keeps the same facts. */
function presentUsage(row, replayed) {
  const tokens = row.input_tokens + row.output_tokens;
  return {
    transaction_id: row.id,
    transaction_type: 'usage',
    tokens_charged: tokens,
    tokens_before: row.tokens_before,
    tokens_changed: -tokens,
    tokens_after: row.tokens_after,
    remaining_tokens: row.tokens_after,
    agent_type: row.agent,
    model_used: row.model,
    input_tokens: row.input_tokens,
    output_tokens: row.output_tokens,
    estimated_cost_usd_micros: row.cost_usd_micros,
    estimated_cost_inr_paise: row.cost_inr_paise,
    estimated_cost: { usd: row.cost_usd_micros / 1_000_000, inr: row.cost_inr_paise / 100 },
    timestamp: new Date(row.created_at).toISOString(),
    replayed,
  };
}

/** An outcome of the ledger as `[status, body]`. */
function render(outcome, usage) {
  switch (outcome.kind) {
    case 'applied':
      return [200, presentUsage(outcome.row, false)];
    case 'replayed':
      return [200, presentUsage(outcome.row, true)];
    case 'conflict':
      return [
        409,
        errorBody('idempotency_key_reused', 'This Idempotency-Key was already used for a different usage record.'),
      ];
    case 'insufficient':
      return [
        402,
        errorBody(
          'insufficient_tokens',
          `Need ${usage.tokens - outcome.balance} more tokens. Current balance: ${outcome.balance}`,
          {
            needed_tokens: usage.tokens - outcome.balance,
            balance_tokens: outcome.balance,
          },
        ),
      ];
  }
}

function errorBody(code, message, details = {}) {
  return { error: code, code, message, ...details };
}

async function usage(request, pathUserId) {
  requireService(request);
  let decoded;
  try {
    decoded = decodeURIComponent(pathUserId);
  } catch {
    throw new HttpError(400, 'invalid_request', 'userId: malformed percent-encoding.');
  }
  const user = userId.safeParse(decoded);
  if (!user.success) throw new HttpError(400, 'invalid_request', 'userId: invalid');
  const rawKey = request.headers['idempotency-key'];
  if (rawKey === undefined) throw new HttpError(400, 'idempotency_key_required', 'Send an Idempotency-Key header.');
  const key = idempotencyKey.safeParse(String(rawKey).trim());
  if (!key.success) throw new HttpError(400, 'invalid_request', 'Idempotency-Key: invalid');
  const body = priced(await readJson(request, usageBody));
  const outcome = await ledger.recordUsage(user.data, key.data, body);
  const [status, answer] = render(outcome, body);
  return [status, answer, outcome.row ? { 'X-Tokens-Remaining': String(outcome.row.tokens_after) } : {}];
}

/**
 * Records grouped by user, one transaction per user (concurrently, bounded by the pool); one result
 * per record in input order, shaped as the service's batch answer: `{index, user_id, status: 'ok' |
 * 'replayed' | 'refused', …}` and the counts.
 */
async function usageBatch(request) {
  requireService(request);
  const { records } = await readJson(request, batchBody);
  const usages = records.map(priced);
  const groups = new Map();
  records.forEach((record, index) => {
    const group = groups.get(record.user_id) ?? [];
    group.push({ index, key: record.idempotency_key, usage: usages[index] });
    groups.set(record.user_id, group);
  });
  const results = new Array(records.length);
  await Promise.all(
    [...groups].map(async ([user, group]) => {
      const outcomes = await ledger.recordUsageGroup(user, group);
      group.forEach(({ index, usage }, i) => {
        const [status, body] = render(outcomes[i], usage);
        const { replayed, error: _title, ...fields } = body;
        const outcome = status >= 400 ? 'refused' : replayed ? 'replayed' : 'ok';
        results[index] = { index, user_id: user, status: outcome, ...fields };
      });
    }),
  );
  const counts = { ok: 0, replayed: 0, refused: 0, error: 0 };
  for (const r of results) counts[r.status]++;
  return [200, { results, ...counts }];
}

const USAGE_PATH = /^\/api\/v1\/service\/users\/([^/]+)\/usage$/;

async function route(request) {
  const path = new URL(request.url, 'http://peer').pathname;
  if (request.method === 'GET' && (path === '/health' || path === '/api/v1/health')) return [200, { status: 'ok' }];
  if (request.method === 'POST' && path === '/api/v1/service/usage/batch') return usageBatch(request);
  const match = USAGE_PATH.exec(path);
  if (request.method === 'POST' && match) return usage(request, match[1]);
  throw new HttpError(404, 'not_found', `No route for ${request.method} ${path}.`);
}

const server = http.createServer((request, response) => {
  const startedAt = performance.now();
  route(request)
    .catch((error) => {
      if (error instanceof HttpError) return [error.status, errorBody(error.code, error.message, error.details)];
      console.error(error);
      return [500, errorBody('internal_error', 'Something went wrong on our side.')];
    })
    .then(([status, body, headers = {}]) => {
      response.writeHead(status, {
        'Content-Type': 'application/json',
        'X-Process-Time': ((performance.now() - startedAt) / 1000).toFixed(3),
        ...headers,
      });
      response.end(JSON.stringify(body));
    });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(env.PEER_PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM'])
  process.once(signal, () => {
    server.close();
    void pool.end().finally(() => process.exit(0));
  });
