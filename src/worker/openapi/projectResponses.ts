// What the estimate and project routes answer (src/worker/present/projects.ts, estimate.ts).
import { z } from 'zod';
import { named } from './components';
import { moneySchema, usageResponseSchema } from './responses';

const count = z.int().min(0);
const isoTime = z.iso.datetime().describe('ISO 8601, UTC');
const PROJECT_STATUSES = ['created', 'running', 'stopped', 'completed'] as const;
const STEP_STATUSES = ['pending', 'running', 'finished', 'failed', 'interrupted'] as const;
const ESTIMATE_SOURCES = ['profile', 'your_average'] as const;

const estimateFigures = {
  input_tokens: count,
  output_tokens: count,
  tokens: count,
  estimated_cost_usd_micros: count,
  estimated_cost_inr_paise: count,
  estimated_cost: moneySchema,
};

export const estimateResponseSchema = named(
  'Estimate',
  z.strictObject({
    model: z.string(),
    runner: z
      .string()
      .nullable()
      .describe(
        'The runner a project run would use; null when none is configured (execute answers 503 runner_unavailable)',
      ),
    average_after_runs: count.describe('From this many runs of an agent on, its estimate is the caller’s average'),
    agents: z.array(
      z.strictObject({
        agent: z.string(),
        name: z.string(),
        ...estimateFigures,
        source: z.enum(ESTIMATE_SOURCES),
        your_runs: count,
      }),
    ),
    total: z.strictObject(estimateFigures),
    coverage: z.strictObject({
      remaining_tokens: count,
      balance_covers: z.boolean(),
      shortfall_tokens: count,
      requests_needed: count,
      requests_remaining_today: count,
      requests_cover: z.boolean(),
      max_tokens_per_request: count,
      over_per_request_cap: z.array(z.string()).describe('Agents whose estimate is over the plan’s tokens per request'),
      covered: z.boolean(),
    }),
  }),
);

const summaryShape = {
  id: z.string(),
  title: z.string(),
  mode: z.string(),
  description: z.string().nullable(),
  model: z.string(),
  status: z.enum(PROJECT_STATUSES),
  agents_finished: count,
  agents_total: count,
  tokens_used: count,
  cost_usd_micros: count,
  cost_inr_paise: count,
  cost: moneySchema,
  created_at: isoTime,
  updated_at: isoTime,
};

const projectSummarySchema = named('ProjectSummary', z.strictObject(summaryShape));

const projectStepSchema = named(
  'ProjectStep',
  z.strictObject({
    agent: z.string(),
    position: z.int().min(1),
    status: z.enum(STEP_STATUSES),
    estimated_tokens: count.nullable(),
    input_tokens: count.nullable(),
    output_tokens: count.nullable(),
    tokens: count.nullable(),
    cost_usd_micros: count.nullable(),
    cost_inr_paise: count.nullable(),
    cost: moneySchema.nullable(),
    transaction_id: z.int().min(1).nullable(),
    reservation_id: z.int().min(1).nullable(),
    attempts: count,
    started_at: isoTime.nullable(),
    finished_at: isoTime.nullable(),
    duration_ms: count.nullable(),
    error: z.string().nullable(),
  }),
);

export const projectSchema = named(
  'Project',
  z.strictObject({
    ...summaryShape,
    running_until: isoTime.nullable().describe('While a run holds the project'),
    agents: z.array(projectStepSchema),
  }),
);

export const projectCreatedSchema = named(
  'ProjectCreated',
  z.strictObject({ ...projectSchema.shape, replayed: z.boolean() }),
);

export const projectListSchema = named(
  'ProjectList',
  z.strictObject({ projects: z.array(projectSummarySchema), next_cursor: z.string().nullable() }),
);

const reservedEvent = z.strictObject({
  event: z.literal('reserved'),
  agent: z.string(),
  reservation_id: z.int().min(1),
  estimated_tokens: count,
  estimate_source: z.enum(ESTIMATE_SOURCES),
  expires_at: isoTime,
});
const finishedEvent = z.strictObject({
  event: z.literal('finished'),
  agent: z.string(),
  ...usageResponseSchema.shape,
  uncovered_tokens: count,
  duration_ms: count.nullable(),
});
// A refusal carries the error body of the same refusal on usage (Error), with its HTTP status.
const refusedEvent = z
  .object({
    event: z.literal('refused'),
    agent: z.string(),
    status: z.int(),
    error: z.string(),
    code: z.string(),
    message: z.string(),
  })
  .catchall(z.unknown())
  .describe('Also the refusal’s details, as in an error body');
const failedEvent = z.strictObject({
  event: z.literal('failed'),
  agent: z.string(),
  failure: z.string(),
  message: z.string(),
});
const expiredEvent = z
  .strictObject({ event: z.literal('expired'), agent: z.string(), message: z.string() })
  .describe('The step’s reservation expired before its commit: the agent was charged and the run stopped');

export const projectRunSchema = named(
  'ProjectRun',
  z.strictObject({
    run_id: z.string(),
    runner: z.string(),
    resumed_from: z.string().nullable().describe('The first unfinished agent when the run began'),
    interrupted: z.array(z.string()).describe('Agents a run cut off before this one'),
    events: z.array(
      z.discriminatedUnion('event', [reservedEvent, finishedEvent, refusedEvent, failedEvent, expiredEvent]),
    ),
  }),
);

export const projectExecutionSchema = named(
  'ProjectExecution',
  z.strictObject({ project: projectSchema.nullable(), run: projectRunSchema }),
);
