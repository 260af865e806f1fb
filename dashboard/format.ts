// Presentation only: the API's integers become words here and nowhere else.

const tokensFormat = new Intl.NumberFormat('en-IN');
const usdFormat = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 4,
});
const inrFormat = new Intl.NumberFormat('en-IN', { style: 'currency', currency: 'INR', maximumFractionDigits: 2 });

export function tokens(n: number): string {
  return tokensFormat.format(n);
}

export function signedTokens(n: number): string {
  return `${n > 0 ? '+' : n < 0 ? '−' : ''}${tokensFormat.format(Math.abs(n))}`;
}

export function usdFromMicros(micros: number): string {
  return usdFormat.format(micros / 1_000_000);
}

export function inrFromPaise(paise: number): string {
  return inrFormat.format(paise / 100);
}

export function percent(n: number): string {
  return `${(Math.round(n * 10) / 10).toFixed(1)}%`;
}

/** "3d 04h 12m" until `target`, or "now" once it has passed. */
export function countdown(targetIso: string, nowMs: number): string {
  const left = Date.parse(targetIso) - nowMs;
  if (!(left > 0)) return 'now';
  const minutes = Math.floor(left / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const pad = (v: number) => String(v).padStart(2, '0');
  return `${days}d ${pad(hours)}h ${pad(minutes % 60)}m`;
}

export function dateTime(iso: string): string {
  return new Date(iso).toLocaleString('en-GB', {
    day: '2-digit',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'UTC',
    timeZoneName: 'short',
  });
}

export function typeLabel(type: string): string {
  return type.replace(/_/g, ' ');
}
