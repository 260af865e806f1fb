// The benchmark's peer: a minimal Node `http` + `pg` server with the service's usage route, a
// batch route, the reservation routes (reserve, commit), the balance route and a health route, over
// the row-locked ledger in ./pg-ledger.mjs. Written for the bench only; it listens on 127.0.0.1 and
// prints `{"port":N}` on its first stdout line. `GET /bench/rows-written` answers the rows written so
// far, counted from PostgreSQL's statistics as Cloudflare counts SQLite's (every index entry a row).
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
  /** The service's bounds on a reservation (PLAN_TOKENS_PER_REQUEST_MAX, RESERVATION_TTL_*). */
  estimatedTokensMax: 1_000_000,
  ttlSecondsMin: 10,
  ttlSecondsMax: 3_600,
  ttlSecondsDefault: 600,
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

const reserveBody = z
  .object({
    agent,
    model: z.string().min(1).max(LIMITS.modelCharsMax),
    estimated_tokens: z.int().min(1).max(LIMITS.estimatedTokensMax),
    ttl_seconds: z.int().min(LIMITS.ttlSecondsMin).max(LIMITS.ttlSecondsMax).optional(),
  })
  .strict();
const commitBody = z
  .object({
    input_tokens: tokenCount,
    output_tokens: tokenCount,
    description: z.string().max(LIMITS.descriptionCharsMax).optional(),
  })
  .strict();
const reservationId = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

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

function userOf(pathUserId) {
  let decoded;
  try {
    decoded = decodeURIComponent(pathUserId);
  } catch {
    throw new HttpError(400, 'invalid_request', 'userId: malformed percent-encoding.');
  }
  const user = userId.safeParse(decoded);
  if (!user.success) throw new HttpError(400, 'invalid_request', 'userId: invalid');
  return user.data;
}

function keyOf(request) {
  const rawKey = request.headers['idempotency-key'];
  if (rawKey === undefined) throw new HttpError(400, 'idempotency_key_required', 'Send an Idempotency-Key header.');
  const key = idempotencyKey.safeParse(String(rawKey).trim());
  if (!key.success) throw new HttpError(400, 'invalid_request', 'Idempotency-Key: invalid');
  return key.data;
}

async function usage(request, pathUserId) {
  requireService(request);
  const user = userOf(pathUserId);
  const key = keyOf(request);
  const body = priced(await readJson(request, usageBody));
  const outcome = await ledger.recordUsage(user, key, body);
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

/** The service's reservation answer, field for field where the peer keeps the same facts. */
function presentHold(h) {
  const iso = (t) => (t === null ? null : new Date(t).toISOString());
  return {
    id: h.id,
    agent: h.agent,
    model: h.model,
    estimated_tokens: h.tokens,
    status: h.status,
    created_at: iso(h.created_at),
    expires_at: iso(h.expires_at),
    settled_at: iso(h.settled_at),
    project_id: null,
  };
}

async function reserve(request, pathUserId) {
  requireService(request);
  const user = userOf(pathUserId);
  const key = keyOf(request);
  const body = await readJson(request, reserveBody);
  if (!MODELS.has(body.model)) throw new HttpError(400, 'invalid_request', `model: unknown model '${body.model}'`);
  const outcome = await ledger.reserve(user, key, {
    agent: body.agent,
    model: body.model,
    tokens: body.estimated_tokens,
    ttlSeconds: body.ttl_seconds ?? LIMITS.ttlSecondsDefault,
  });
  if (outcome.kind === 'conflict')
    return [
      409,
      errorBody('idempotency_key_reused', 'This Idempotency-Key was already used for a different reservation.'),
    ];
  if (outcome.kind === 'insufficient')
    return [
      402,
      errorBody('insufficient_tokens', `Need ${body.estimated_tokens - outcome.available} more tokens.`, {
        needed_tokens: body.estimated_tokens - outcome.available,
        balance_tokens: outcome.available,
      }),
    ];
  const replayed = outcome.kind === 'replayed';
  return [replayed ? 200 : 201, { reservation: presentHold(outcome.hold), replayed }];
}

async function commit(request, pathUserId, pathId) {
  requireService(request);
  const user = userOf(pathUserId);
  keyOf(request);
  const id = reservationId.safeParse(pathId);
  if (!id.success) throw new HttpError(400, 'invalid_request', 'id: invalid');
  const body = await readJson(request, commitBody);
  const outcome = await ledger.commit(user, id.data, (hold) =>
    priced({ agent: hold.agent, model: hold.model, ...body }),
  );
  if (outcome.kind === 'not_found') throw new HttpError(404, 'not_found', 'No such reservation.');
  if (outcome.kind === 'conflict') throw new HttpError(409, 'conflict', 'The reservation was released.');
  return [
    200,
    {
      ...presentUsage(outcome.row, outcome.kind === 'replayed'),
      uncovered_tokens: outcome.uncovered,
      reservation: presentHold(outcome.hold),
    },
    { 'X-Tokens-Remaining': String(outcome.row.tokens_after) },
  ];
}

async function balance(request, pathUserId) {
  requireService(request);
  const { balance: tokens, held } = await ledger.balance(userOf(pathUserId));
  return [200, { remaining_tokens: tokens - held, held_tokens: held }, { 'X-Tokens-Remaining': String(tokens - held) }];
}

/**
 * Rows written so far, as Cloudflare counts SQLite's: every heap row inserted, updated or deleted,
 * and every index entry an insert or a non-HOT update adds (PostgreSQL's cumulative statistics).
 */
async function rowsWritten() {
  const { rows } = await pool.query(`SELECT t.relname, t.n_tup_ins, t.n_tup_upd, t.n_tup_hot_upd, t.n_tup_del,
      (SELECT COUNT(*) FROM pg_index i WHERE i.indrelid = t.relid) AS indexes
    FROM pg_stat_user_tables t`);
  let total = 0;
  for (const r of rows) {
    const [ins, upd, hot, del, idx] = [r.n_tup_ins, r.n_tup_upd, r.n_tup_hot_upd, r.n_tup_del, r.indexes].map(Number);
    total += ins + upd + del + (ins + upd - hot) * idx;
  }
  return [200, { rows_written: total }];
}

const USAGE_PATH = /^\/api\/v1\/service\/users\/([^/]+)\/usage$/;
const RESERVE_PATH = /^\/api\/v1\/service\/users\/([^/]+)\/reservations$/;
const COMMIT_PATH = /^\/api\/v1\/service\/users\/([^/]+)\/reservations\/([^/]+)\/commit$/;
const BALANCE_PATH = /^\/api\/v1\/service\/users\/([^/]+)\/balance$/;

async function route(request) {
  const path = new URL(request.url, 'http://peer').pathname;
  if (request.method === 'GET' && (path === '/health' || path === '/api/v1/health')) return [200, { status: 'ok' }];
  if (request.method === 'POST' && path === '/api/v1/service/usage/batch') return usageBatch(request);
  if (request.method === 'GET' && path === '/bench/rows-written') return rowsWritten();
  let match = USAGE_PATH.exec(path);
  if (request.method === 'POST' && match) return usage(request, match[1]);
  if (request.method === 'POST' && (match = RESERVE_PATH.exec(path))) return reserve(request, match[1]);
  if (request.method === 'POST' && (match = COMMIT_PATH.exec(path))) return commit(request, match[1], match[2]);
  if (request.method === 'GET' && (match = BALANCE_PATH.exec(path))) return balance(request, match[1]);
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
