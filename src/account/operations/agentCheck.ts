// The agents usage may name: the active ones in the object's catalog copy (priceBook.ts).
import type { AccountFailure } from '../contract/rpc';
import type { Prices } from '../stores/priceBook';

/** The refusal for usage naming an agent outside the active ones, or undefined when it is known. */
export function unknownAgent(prices: Prices, agent: string): AccountFailure | undefined {
  if (prices.agents.includes(agent)) return undefined;
  return {
    code: 'invalid_request',
    message: `agent: unknown agent '${agent}'; known: ${prices.agents.join(', ')}.`,
    details: { issues: [{ field: 'agent', message: 'unknown agent' }], known_agents: prices.agents },
  };
}
