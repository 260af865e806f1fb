// What a run of some agents is expected to cost: POST /tokens/estimate {agents?, model?}
// (docs/projects.md, "Estimates"): per agent and in total, where each figure comes from, and
// whether the balance and today's requests cover it.
import { useState } from 'preact/hooks';
import { api } from '../api';
import * as fmt from '../format';
import { KNOWN_AGENTS, type Estimate } from '../types';
import { ErrorText, Panel } from '../ui';

const SOURCE_WORDS = { profile: 'profile', your_average: 'your average' } as const;

export function EstimatePanel() {
  const [agents, setAgents] = useState<string[]>([]);
  const [model, setModel] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [estimate, setEstimate] = useState<Estimate | null>(null);

  async function run(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body: { agents?: string[]; model?: string } = {};
      // In run order, whatever order they were ticked in.
      if (agents.length) body.agents = KNOWN_AGENTS.filter((a) => agents.includes(a));
      if (model.trim()) body.model = model.trim();
      const { data } = await api<Estimate>('/tokens/estimate', { method: 'POST', body });
      setEstimate(data);
    } catch (failure) {
      setError(failure);
      setEstimate(null);
    } finally {
      setBusy(false);
    }
  }

  function toggle(agent: string, on: boolean) {
    setAgents((list) => (on ? [...list, agent] : list.filter((a) => a !== agent)));
  }

  return (
    <Panel id="estimate" title="Cost estimate" busy={busy}>
      <form onSubmit={(event) => void run(event)}>
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
            placeholder="sonnet"
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
      <ErrorText error={error} />
      {estimate ? <EstimateResult estimate={estimate} /> : null}
    </Panel>
  );
}

function EstimateResult({ estimate }: { estimate: Estimate }) {
  const { total, coverage } = estimate;
  return (
    <div data-testid="estimate-result" aria-live="polite">
      <p class="fine">
        On <strong>{estimate.model}</strong>. Under each agent, where its figure comes from: its profile until you have
        run it {estimate.average_after_runs} times, then your own average.
      </p>
      <div class="table-scroll" tabIndex={0} role="region" aria-label="Estimate by agent">
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col" class="num">
                Tokens
              </th>
              <th scope="col" class="num">
                USD
              </th>
              <th scope="col" class="num">
                INR
              </th>
            </tr>
          </thead>
          <tbody>
            {estimate.agents.map((a) => (
              <tr key={a.agent} data-agent={a.agent}>
                <th scope="row">
                  {a.agent}
                  <span class="estimate__source fine">
                    <span class="sr-only">, from </span>
                    {SOURCE_WORDS[a.source] ?? a.source}
                    {a.source === 'your_average' ? ` (${a.your_runs} runs)` : ''}
                  </span>
                </th>
                <td class="num">{fmt.tokens(a.tokens)}</td>
                <td class="num">{fmt.usdFromMicros(a.estimated_cost_usd_micros)}</td>
                <td class="num">{fmt.inrFromPaise(a.estimated_cost_inr_paise)}</td>
              </tr>
            ))}
            <tr class="total" data-testid="estimate-total">
              <th scope="row">Total</th>
              <td class="num">{fmt.tokens(total.tokens)}</td>
              <td class="num">{fmt.usdFromMicros(total.estimated_cost_usd_micros)}</td>
              <td class="num">{fmt.inrFromPaise(total.estimated_cost_inr_paise)}</td>
            </tr>
          </tbody>
        </table>
      </div>
      <ul class="plain-list coverage" data-testid="estimate-coverage">
        <li class={coverage.balance_covers ? 'credit' : 'debit'}>
          {coverage.balance_covers
            ? `Your balance covers it: ${fmt.tokens(coverage.remaining_tokens)} tokens available.`
            : `Your balance falls ${fmt.tokens(coverage.shortfall_tokens)} tokens short: ${fmt.tokens(coverage.remaining_tokens)} available.`}
        </li>
        <li class={coverage.requests_cover ? 'credit' : 'debit'}>
          {coverage.requests_cover
            ? `Today's requests cover it: ${coverage.requests_needed} needed, ${coverage.requests_remaining_today} left today.`
            : `Not enough requests left today: ${coverage.requests_needed} needed, ${coverage.requests_remaining_today} left.`}
        </li>
        {coverage.over_per_request_cap.length ? (
          <li class="debit">
            Over your plan&apos;s {fmt.tokens(coverage.max_tokens_per_request)} tokens per request:{' '}
            {coverage.over_per_request_cap.join(', ')}.
          </li>
        ) : null}
      </ul>
      <p class={`message ${coverage.covered ? 'message--ok' : 'message--error'}`} data-testid="estimate-verdict">
        {coverage.covered ? 'You can run this now.' : 'You cannot run all of this now.'}
      </p>
    </div>
  );
}
