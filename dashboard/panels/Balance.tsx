// Remaining tokens, the month's allowance, premium / rollover / held tokens, the reset countdown
// and today's requests against the plan's daily cap.
import * as fmt from '../format';
import { useNow, useResource } from '../hooks';
import type { Balance, PlanAnswer } from '../types';
import { ErrorText, Meter, Panel, Stat } from '../ui';

export function BalancePanel(props: { version: number }) {
  const balance = useResource<Balance>('/tokens/balance', props.version);
  const plan = useResource<PlanAnswer>('/tokens/plan', props.version);
  const now = useNow(15_000);
  const b = balance.data;
  const p = plan.data;
  const dailyCap = p?.plan.max_requests_per_day ?? null;
  const requestsPercent = b && dailyCap ? (b.requests_today / dailyCap) * 100 : 0;
  const resetAt = b?.month_reset_date ?? p?.month_reset_date ?? null;

  return (
    <Panel id="balance" title="Balance" busy={balance.loading || plan.loading}>
      <ErrorText error={balance.error} prefix="Balance could not be loaded:" />
      <ErrorText error={plan.error} prefix="Plan could not be loaded:" />
      <p class="balance__remaining">
        <span class="num big" data-testid="remaining-tokens">
          {b ? fmt.tokens(b.remaining_tokens) : '—'}
        </span>{' '}
        <span class="unit">tokens left</span>
      </p>
      <div class="meter-row">
        <div class="meter-row__label">
          <span>This month’s allowance</span>
          <span class="num" data-testid="monthly-used">
            {b
              ? `${fmt.tokens(b.monthly_used)} of ${fmt.tokens(b.monthly_allowance)} used (${fmt.percent(b.monthly_used_percentage)})`
              : '—'}
          </span>
        </div>
        <Meter
          label="Monthly allowance used"
          percent={b?.monthly_used_percentage ?? 0}
          valueText={b ? `${fmt.percent(b.monthly_used_percentage)} used` : 'loading'}
          tone={(b?.monthly_used_percentage ?? 0) >= 80 ? 'warn' : 'ok'}
        />
      </div>
      <dl class="stats">
        <Stat label="Premium" value={b ? fmt.tokens(b.premium_remaining) : '—'} testId="premium-tokens" />
        <Stat label="Rollover" value={b ? fmt.tokens(b.rollover_tokens) : '—'} />
        {b?.held_tokens !== undefined ? <Stat label="Held for running work" value={fmt.tokens(b.held_tokens)} /> : null}
        <Stat
          label="Resets in"
          value={resetAt ? fmt.countdown(resetAt, now) : '—'}
          hint={resetAt ? `(${fmt.dateTime(resetAt)})` : undefined}
          testId="reset-countdown"
        />
      </dl>
      <div class="meter-row">
        <div class="meter-row__label">
          <span>Requests today</span>
          <span class="num" data-testid="requests-today">
            {b && dailyCap !== null ? `${fmt.tokens(b.requests_today)} of ${fmt.tokens(dailyCap)}` : '—'}
          </span>
        </div>
        <Meter
          label="Requests today against the daily limit"
          percent={requestsPercent}
          valueText={b && dailyCap !== null ? `${b.requests_today} of ${dailyCap} requests` : 'loading'}
          tone={requestsPercent >= 80 ? 'warn' : 'ok'}
        />
      </div>
      <p class="fine">
        Plan: <strong data-testid="plan-name">{p ? p.plan.name : '—'}</strong>
        {p ? ` · up to ${fmt.tokens(p.plan.max_tokens_per_request)} tokens per request` : ''}
        {p?.pending_plan ? ` · changes to ${p.pending_plan.name} at the next reset` : ''}
      </p>
    </Panel>
  );
}
