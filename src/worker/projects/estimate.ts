// What running a list of agents is expected to take and cost, and whether the account covers it.
// Pure: catalog facts and the account's outlook in, figures out. Each agent's figure is its
// catalog profile until the user has ESTIMATE_AVERAGE_MIN_RUNS runs of it, then the user's own
// average. Costs are summed per agent (each run is charged on its own), in exact integers.
import type { AccountSnapshot, UsageOutlook } from '../../account/contract/rpc';
import type { Agent } from '../../account/stores/catalogCache';
import { usageCost, type ModelPrice } from '../../money/cost';

export type EstimateSource = 'profile' | 'your_average';

interface AgentEstimate {
  agent: Agent;
  inputTokens: number;
  outputTokens: number;
  tokens: number;
  source: EstimateSource;
  /** The user's runs of this agent so far. */
  runs: number;
  costUsdMicros: number;
  costInrPaise: number;
}

export interface RunEstimate {
  agents: AgentEstimate[];
  inputTokens: number;
  outputTokens: number;
  tokens: number;
  costUsdMicros: number;
  costInrPaise: number;
  coverage: Coverage;
}

interface Coverage {
  /** The balance net of open reservations. */
  remainingTokens: number;
  balanceCovers: boolean;
  shortfallTokens: number;
  requestsNeeded: number;
  requestsRemainingToday: number;
  requestsCover: boolean;
  maxTokensPerRequest: number;
  /** Agents whose estimate is over the plan's per-request cap (their run would be refused). */
  overPerRequestCap: string[];
  covered: boolean;
}

/** One agent's expected input and output tokens for this user. */
export function agentFigures(
  agent: Agent,
  outlook: Pick<UsageOutlook, 'averages'>,
  minRuns: number,
): Pick<AgentEstimate, 'inputTokens' | 'outputTokens' | 'source' | 'runs'> {
  const average = outlook.averages[agent.id];
  const runs = average?.runs ?? 0;
  if (average && runs >= minRuns) {
    return { inputTokens: average.inputTokens, outputTokens: average.outputTokens, source: 'your_average', runs };
  }
  return {
    inputTokens: agent.estimatedInputTokens,
    outputTokens: agent.estimatedOutputTokens,
    source: 'profile',
    runs,
  };
}

export function estimateRun(input: {
  agents: Agent[];
  price: ModelPrice;
  usdInrPaise: number;
  outlook: UsageOutlook;
  snapshot: AccountSnapshot;
  minRuns: number;
}): RunEstimate {
  const lines = input.agents.map((agent): AgentEstimate => {
    const figures = agentFigures(agent, input.outlook, input.minRuns);
    const cost = usageCost(input.price, figures.inputTokens, figures.outputTokens, input.usdInrPaise);
    return { agent, ...figures, tokens: figures.inputTokens + figures.outputTokens, ...cost };
  });
  const sum = (pick: (l: AgentEstimate) => number) => lines.reduce((total, l) => total + pick(l), 0);
  const tokens = sum((l) => l.tokens);
  const { remainingTokens, requestsToday } = input.snapshot;
  const requestsRemainingToday = Math.max(0, input.outlook.maxRequestsPerDay - requestsToday);
  const overPerRequestCap = lines.filter((l) => l.tokens > input.outlook.maxTokensPerRequest).map((l) => l.agent.id);
  const balanceCovers = tokens <= remainingTokens;
  const requestsCover = lines.length <= requestsRemainingToday;
  return {
    agents: lines,
    inputTokens: sum((l) => l.inputTokens),
    outputTokens: sum((l) => l.outputTokens),
    tokens,
    costUsdMicros: sum((l) => l.costUsdMicros),
    costInrPaise: sum((l) => l.costInrPaise),
    coverage: {
      remainingTokens,
      balanceCovers,
      shortfallTokens: Math.max(0, tokens - remainingTokens),
      requestsNeeded: lines.length,
      requestsRemainingToday,
      requestsCover,
      maxTokensPerRequest: input.outlook.maxTokensPerRequest,
      overPerRequestCap,
      covered: balanceCovers && requestsCover && overPerRequestCap.length === 0,
    },
  };
}
