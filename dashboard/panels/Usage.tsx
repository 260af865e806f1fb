// Where the tokens went: by agent, by model and by day, the input/output split, the cost in USD
// and INR, and how long the balance lasts at the recent rate.
import * as fmt from '../format';
import { useResource } from '../hooks';
import type { Analytics, UsageTotals } from '../types';
import { ErrorText, Panel, Stat } from '../ui';
import { DailyChart } from './DailyChart';

export function UsagePanel(props: { version: number }) {
  const analytics = useResource<Analytics>('/tokens/analytics', props.version);
  const a = analytics.data;
  const input = a ? sum(a.agents, 'input_tokens') : 0;
  const output = a ? sum(a.agents, 'output_tokens') : 0;
  const inputPercent = input + output === 0 ? 0 : (input / (input + output)) * 100;

  return (
    <Panel id="usage" title="Usage" busy={analytics.loading} wide>
      <ErrorText error={analytics.error} prefix="Usage could not be loaded:" />
      <dl class="stats stats--wide">
        <Stat label="Tokens used" value={a ? fmt.tokens(a.total_tokens_used) : '—'} testId="tokens-used" />
        <Stat label="Requests" value={a ? fmt.tokens(a.total_requests) : '—'} testId="total-requests" />
        <Stat label="Average per request" value={a ? fmt.tokens(Math.round(a.average_tokens_per_request)) : '—'} />
        <Stat label="Cost (USD)" value={a ? fmt.usdFromMicros(a.estimated_cost_usd_micros) : '—'} testId="cost-usd" />
        <Stat label="Cost (INR)" value={a ? fmt.inrFromPaise(a.estimated_cost_inr_paise) : '—'} testId="cost-inr" />
        <Stat
          label="Burn rate"
          value={a ? `${fmt.tokens(Math.round(a.burn_rate_tokens_per_day))}/day` : '—'}
          hint="(last 7 days)"
        />
        <Stat
          label="Lasts about"
          value={
            a
              ? a.days_left_at_current_rate === null
                ? 'no recent use'
                : `${fmt.tokens(Math.round(a.days_left_at_current_rate))} days`
              : '—'
          }
          testId="days-left"
        />
      </dl>

      <h3>Input and output</h3>
      <div
        class="split"
        role="img"
        aria-label={`Input ${fmt.tokens(input)} tokens, output ${fmt.tokens(output)} tokens`}
      >
        <div class="split__in" style={{ width: `${inputPercent}%` }} />
        <div class="split__out" style={{ width: `${input + output === 0 ? 0 : 100 - inputPercent}%` }} />
      </div>
      <p class="legend num" data-testid="io-split">
        <span class="swatch swatch--in" /> Input {fmt.tokens(input)} <span class="swatch swatch--out" /> Output{' '}
        {fmt.tokens(output)}
      </p>

      <div class="breakdowns">
        <Breakdown title="By agent" rows={a?.agents ?? {}} testId="by-agent" />
        <Breakdown title="By model" rows={a?.models ?? {}} testId="by-model" />
      </div>

      <h3>By day</h3>
      <DailyChart days={a?.daily_usage ?? []} />
    </Panel>
  );
}

function sum(rows: Record<string, UsageTotals>, field: keyof UsageTotals): number {
  return Object.values(rows).reduce((total, row) => total + row[field], 0);
}

/** One bar per key, longest first, with tokens, the input/output split and the cost beside it. */
function Breakdown(props: { title: string; rows: Record<string, UsageTotals>; testId: string }) {
  const entries = Object.entries(props.rows).sort((x, y) => y[1].tokens - x[1].tokens);
  const max = entries.reduce((m, [, r]) => Math.max(m, r.tokens), 0);
  return (
    <div class="breakdown">
      <h3>{props.title}</h3>
      {entries.length === 0 ? (
        <p class="fine">No usage yet.</p>
      ) : (
        <table class="table table--stack bars" data-testid={props.testId}>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" class="num">
                Tokens
              </th>
              <th scope="col" class="num">
                In / out
              </th>
              <th scope="col" class="num">
                Cost
              </th>
            </tr>
          </thead>
          <tbody>
            {entries.map(([key, row]) => (
              <tr key={key}>
                <th scope="row" class="bars__name">
                  {key}
                  <div class="bar" aria-hidden="true">
                    <div class="bar__fill" style={{ width: `${max === 0 ? 0 : (row.tokens / max) * 100}%` }} />
                  </div>
                </th>
                <td class="num" data-label="Tokens">
                  {fmt.tokens(row.tokens)}
                </td>
                {/* Each pair wraps to two lines in a narrow column and stays on one in a phone's card. */}
                <td class="num" data-label="In / out">
                  <span class="pair">
                    <span>{fmt.tokens(row.input_tokens)} /</span> <span>{fmt.tokens(row.output_tokens)}</span>
                  </span>
                </td>
                <td class="num" data-label="Cost">
                  <span class="pair">
                    <span>{fmt.usdFromMicros(row.cost_usd_micros)}</span>{' '}
                    <span>{fmt.inrFromPaise(row.cost_inr_paise)}</span>
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
