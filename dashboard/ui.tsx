// Small building blocks every panel uses.
import type { ComponentChildren } from 'preact';
import { describeError } from './api';

export function Panel(props: {
  id: string;
  title: string;
  children: ComponentChildren;
  busy?: boolean;
  wide?: boolean;
}) {
  return (
    <section
      class={`panel${props.wide ? ' panel--wide' : ''}`}
      id={props.id}
      aria-labelledby={`${props.id}-title`}
      aria-busy={props.busy ? 'true' : 'false'}
    >
      <h2 id={`${props.id}-title`}>{props.title}</h2>
      {props.children}
    </section>
  );
}

/** An error in words, announced to screen readers. */
export function ErrorText(props: { error: unknown; prefix?: string }) {
  if (!props.error) return null;
  return (
    <p class="message message--error" role="alert">
      {props.prefix ? `${props.prefix} ` : ''}
      {describeError(props.error)}
    </p>
  );
}

export function Notice(props: { text: string | null; tone?: 'ok' | 'info' }) {
  return (
    <p class={`message message--${props.tone ?? 'ok'}`} role="status" aria-live="polite" hidden={!props.text}>
      {props.text ?? ''}
    </p>
  );
}

/** A horizontal bar for a share in [0, 100], with its value in words for assistive technology. */
export function Meter(props: { label: string; percent: number; valueText: string; tone?: 'warn' | 'ok' }) {
  const clamped = Math.max(0, Math.min(100, props.percent));
  return (
    <div
      class={`meter${props.tone === 'warn' ? ' meter--warn' : ''}`}
      role="meter"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(clamped * 10) / 10}
      aria-valuetext={props.valueText}
    >
      <div class="meter__fill" style={{ width: `${clamped}%` }} />
    </div>
  );
}

export function Stat(props: { label: string; value: string; hint?: string; testId?: string }) {
  return (
    <div class="stat">
      <dt>{props.label}</dt>
      <dd class="num" data-testid={props.testId}>
        {props.value}
        {props.hint ? <span class="stat__hint"> {props.hint}</span> : null}
      </dd>
    </div>
  );
}
