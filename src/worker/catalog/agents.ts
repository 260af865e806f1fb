// The Worker's view of the agents catalog: which agents a request names, in run order, and the
// model a run uses when the client names none.
import { ApiError } from '../http/errors';
import type { Agent, Catalog, Model } from '../../account/stores/catalogCache';

/** The model agents run on when the client does not choose one. */
const DEFAULT_AGENT_MODEL_ID = 'sonnet';

/** The named agents (in the order given), or every active agent in run order; 400 listing the known ones otherwise. */
export function agentsNamed(catalog: Catalog, ids: string[] | undefined): Agent[] {
  if (ids === undefined) return catalog.agents;
  const byId = new Map(catalog.agents.map((a) => [a.id, a]));
  const unknown = ids.map((id, i) => ({ id, i })).filter(({ id }) => !byId.has(id));
  if (unknown.length) {
    const known = catalog.agents.map((a) => a.id);
    throw new ApiError(
      'invalid_request',
      `agents: unknown agent ${unknown.map((u) => `'${u.id}'`).join(', ')}; known: ${known.join(', ')}.`,
      {
        issues: unknown.map((u) => ({ field: `agents.${u.i}`, message: 'unknown agent' })),
        known_agents: known,
      },
    );
  }
  return ids.map((id) => byId.get(id)!);
}

/** The named model, or the default; 400 listing the known ones when the catalog has no such model. */
export function modelNamed(catalog: Catalog, id: string | undefined): Model {
  const model = catalog.models.get(id ?? DEFAULT_AGENT_MODEL_ID);
  if (model) return model;
  const known = [...catalog.models.keys()].sort();
  throw new ApiError('invalid_request', `model: unknown model '${id}'; known: ${known.join(', ')}.`, {
    issues: [{ field: 'model', message: 'unknown model' }],
  });
}
