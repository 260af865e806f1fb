// What a run of some agents is expected to cost: POST /tokens/estimate {agents?, model?}. The
// route is newer than this page may be served with: a 404 says estimates are not available yet.
import { useState } from 'preact/hooks';
import { api, ApiFailure } from '../api';
import * as fmt from '../format';
import { KNOWN_AGENTS } from '../types';
import { ErrorText, Notice, Panel } from '../ui';

interface EstimateLine {
  name: string;
  tokens: number | null;
  usdMicros: number | null;
  inrPaise: number | null;
}

export function EstimatePanel() {
  const [agents, setAgents] = useState<string[]>([]);
  const [model, setModel] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [unavailable, setUnavailable] = useState(false);
  const [lines, setLines] = useState<EstimateLine[] | null>(null);

  async function estimate(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body: { agents?: string[]; model?: string } = {};
      if (agents.length) body.agents = agents;
      if (model.trim()) body.model = model.trim();
      const { data } = await api<unknown>('/tokens/estimate', { method: 'POST', body });
      setLines(readEstimate(data));
      setUnavailable(false);
    } catch (failure) {
      if (failure instanceof ApiFailure && failure.status === 404 && failure.code === 'not_found') {
        setUnavailable(true);
        setLines(null);
      } else setError(failure);
    } finally {
      setBusy(false);
    }
  }

  function toggle(agent: string, on: boolean) {
    setAgents((list) => (on ? [...list, agent] : list.filter((a) => a !== agent)));
  }

  return (
    <Panel id="estimate" title="Cost estimate" busy={busy}>
      <form onSubmit={(event) => void estimate(event)}>
        <fieldset class="checks">
          <legend>Agents (none chosen: all seven)</legend>
          {KNOWN_AGENTS.map((agent) => (
            <label key={agent} class="check">
              <input
                type="checkbox"
                name="agents"
                value={agent}
                checked={agents.includes(agent)}
                onChange={(event) => toggle(agent, event.currentTarget.checked)}
              />
              {agent}
            </label>
          ))}
        </fieldset>
        <div class="inline-form">
          <label for="estimate-model">Model</label>
          <input
            id="estimate-model"
            name="model"
            list="model-names"
            placeholder="default"
            value={model}
            onInput={(event) => setModel(event.currentTarget.value)}
          />
          <datalist id="model-names">
            <option value="haiku" />
            <option value="sonnet" />
          </datalist>
          <button type="submit" disabled={busy}>
            {busy ? 'Estimating…' : 'Estimate'}
          </button>
        </div>
      </form>
      <Notice text={unavailable ? 'Estimates are not available yet on this server.' : null} tone="info" />
      <ErrorText error={error} />
      {lines ? (
        <table class="table" data-testid="estimate-result">
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col" class="num">
                Tokens
              </th>
              <th scope="col" class="num">
                Cost
              </th>
            </tr>
          </thead>
          <tbody>
            {lines.map((line) => (
              <tr key={line.name} class={line.name === 'Total' ? 'total' : undefined}>
                <th scope="row">{line.name}</th>
                <td class="num">{line.tokens === null ? '—' : fmt.tokens(line.tokens)}</td>
                <td class="num">
                  {line.usdMicros === null ? '' : fmt.usdFromMicros(line.usdMicros)}
                  {line.usdMicros !== null && line.inrPaise !== null ? ' · ' : ''}
                  {line.inrPaise === null ? '' : fmt.inrFromPaise(line.inrPaise)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Panel>
  );
}

// The estimate's exact shape is the service's to settle; read the usual names for tokens and cost
// from per-agent entries (a list or a map) and from a total, whichever are present.
function readEstimate(data: unknown): EstimateLine[] {
  const root = (data ?? {}) as Record<string, unknown>;
  const lines: EstimateLine[] = [];
  const perAgent = root.agents ?? root.per_agent ?? root.breakdown;
  if (Array.isArray(perAgent)) {
    for (const entry of perAgent as Record<string, unknown>[]) {
      lines.push(line(String(entry.agent ?? entry.id ?? entry.name ?? '?'), entry));
    }
  } else if (perAgent && typeof perAgent === 'object') {
    for (const [name, entry] of Object.entries(perAgent as Record<string, unknown>)) {
      lines.push(line(name, typeof entry === 'number' ? { tokens: entry } : (entry as Record<string, unknown>)));
    }
  }
  const total = root.total && typeof root.total === 'object' ? (root.total as Record<string, unknown>) : root;
  lines.push(line('Total', total));
  return lines;
}

function line(name: string, entry: Record<string, unknown>): EstimateLine {
  const num = (...keys: string[]) => {
    for (const key of keys) if (typeof entry[key] === 'number') return entry[key];
    return null;
  };
  const cost = (entry.estimated_cost ?? entry.cost ?? {}) as Record<string, unknown>;
  const usd = num('estimated_cost_usd_micros', 'cost_usd_micros', 'usd_micros');
  const inr = num('estimated_cost_inr_paise', 'cost_inr_paise', 'inr_paise');
  return {
    name,
    tokens: num('expected_tokens', 'estimated_tokens', 'total_tokens', 'tokens'),
    usdMicros: usd ?? (typeof cost.usd === 'number' ? Math.round(cost.usd * 1_000_000) : null),
    inrPaise: inr ?? (typeof cost.inr === 'number' ? Math.round(cost.inr * 100) : null),
  };
}
