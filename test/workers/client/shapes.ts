// The client package writes the service's JSON shapes itself (it must stand alone outside this
// repository), so nothing ties them to what the service answers except this file: each check below
// says that an answer the service can give is a value of the package's type. `npm run typecheck`
// fails when a presenter or a response schema renames, drops or retypes a field the package declares.
import type { z } from 'zod';
import type * as Client from '../../../packages/client/src/index.ts';
import type {
  analyticsResponseSchema,
  balanceResponseSchema,
  commitResponseSchema,
  packagesResponseSchema,
  planResponseSchema,
  reservationListResponseSchema,
  reservationResponseSchema,
  transactionSchema,
  usageBatchResponseSchema,
  usageResponseSchema,
} from '../../../src/worker/openapi/responses';
import type { errorBodySchema } from '../../../src/worker/openapi/errorBody';
import type { presentEstimate } from '../../../src/worker/present/estimate';
import type { presentProject, presentProjectSummary } from '../../../src/worker/present/projects';
import type { commitBodySchema, reserveBodySchema } from '../../../src/worker/routes/reservations';
import type { usageBodySchema } from '../../../src/worker/routes/service';
import type { usageBatchBodySchema } from '../../../src/worker/routes/usageBatch';

/** Compiles only when every `Service` value is a `Package` value. */
type Fits<Service extends Package, Package> = [Service, Package];

/**
 * Compiles only when both sides name the same fields and accept the same values: for the bodies the
 * package sends, which the service parses strictly (a field it does not know is refused).
 */
type Same<A, B> = [A, B] extends [B, A]
  ? Fields<A, B> extends true
    ? Fields<B, A>
    : Fields<A, B>
  : { valuesOneSideRefuses: [A, B] };
type Fields<A, B> =
  Exclude<keyof A, keyof B> extends never ? true : { fieldsOnlyOneSideHas: Exclude<keyof A, keyof B> };
type Check<T extends true[]> = T;

export type ServiceAnswersFitThePackage = [
  Fits<z.output<typeof balanceResponseSchema>, Client.Balance>,
  Fits<z.output<typeof usageResponseSchema>, Client.UsageResult>,
  Fits<z.output<typeof reservationResponseSchema>, Client.ReservationResult>,
  Fits<z.output<typeof reservationListResponseSchema>, Client.ReservationList>,
  Fits<z.output<typeof commitResponseSchema>, Client.CommitResult>,
  Fits<z.output<typeof usageBatchResponseSchema>, Client.UsageBatchResult>,
  Fits<z.output<typeof transactionSchema>, Client.Transaction>,
  Fits<z.output<typeof packagesResponseSchema>, Client.Catalog>,
  Fits<z.output<typeof planResponseSchema>, Client.PlanAnswer>,
  Fits<z.output<typeof analyticsResponseSchema>, Client.Analytics>,
  Fits<z.output<typeof errorBodySchema>, Client.ErrorBody>,
  Fits<ReturnType<typeof presentEstimate>, Client.Estimate>,
  Fits<ReturnType<typeof presentProject>, Client.Project>,
  Fits<ReturnType<typeof presentProjectSummary>, Client.ProjectSummary>,
];

export type PackageBodiesAreTheServiceBodies = Check<
  [
    Same<Client.ReserveBody, z.input<typeof reserveBodySchema>>,
    Same<Client.CommitBody, z.input<typeof commitBodySchema>>,
    Same<Client.UsageBody, z.input<typeof usageBodySchema>>,
    Same<Client.UsageBatchRecord, z.input<typeof usageBatchBodySchema>['records'][number]>,
  ]
>;
