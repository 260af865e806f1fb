// Tokens per day over the last 30 days, drawn with uPlot as bars. The same numbers are in a
// table right below for screen readers and for reading exact values.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import * as fmt from '../format';

const CHART_HEIGHT_PX = 200;

export function DailyChart(props: { days: { date: string; requests: number; tokens: number }[] }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  const xs = props.days.map((d) => Date.parse(`${d.date}T00:00:00Z`) / 1000);
  const ys = props.days.map((d) => d.tokens);

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const bars = uPlot.paths.bars?.({ size: [0.7, 24] });
    const chart = new uPlot(
      {
        width: Math.max(element.clientWidth, 200),
        height: CHART_HEIGHT_PX,
        legend: { show: false },
        cursor: { show: true, points: { show: false }, drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(10, max * 1.1)] } },
        axes: [
          { stroke: '#4a5568', grid: { show: false }, values: (_u, ticks) => ticks.map(shortDate) },
          {
            stroke: '#4a5568',
            grid: { stroke: '#e2e8f0' },
            size: 56,
            values: (_u, ticks) => ticks.map((t) => compact(t)),
          },
        ],
        series: [
          {},
          { label: 'Tokens', fill: '#3b6fd8', stroke: '#3b6fd8', width: 0, paths: bars, points: { show: false } },
        ],
      },
      [xs, ys],
      element,
    );
    plot.current = chart;
    const observer = new ResizeObserver(() =>
      chart.setSize({ width: Math.max(element.clientWidth, 200), height: CHART_HEIGHT_PX }),
    );
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // The chart is built once; new numbers go through setData below.
  }, []);

  useEffect(() => {
    plot.current?.setData([xs, ys]);
  }, [props.days]);

  const used = props.days.filter((d) => d.tokens > 0);
  return (
    <figure class="chart">
      <div ref={host} class="chart__canvas" style={{ height: `${CHART_HEIGHT_PX}px` }} aria-hidden="true" />
      <figcaption class="fine">
        Tokens used per day (UTC), last {props.days.length} days.{' '}
        {used.length === 0 ? 'No usage yet.' : `${used.length} day${used.length === 1 ? '' : 's'} with usage.`}
      </figcaption>
      <details>
        <summary>Daily numbers as a table</summary>
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col" class="num">
                Requests
              </th>
              <th scope="col" class="num">
                Tokens
              </th>
            </tr>
          </thead>
          <tbody>
            {props.days.map((d) => (
              <tr key={d.date}>
                <td>{d.date}</td>
                <td class="num">{fmt.tokens(d.requests)}</td>
                <td class="num">{fmt.tokens(d.tokens)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

function shortDate(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  return `${d.getUTCDate()} ${d.toLocaleString('en-GB', { month: 'short', timeZone: 'UTC' })}`;
}

function compact(n: number): string {
  if (n >= 1_000_000) return `${Math.round(n / 100_000) / 10}M`;
  if (n >= 1_000) return `${Math.round(n / 100) / 10}k`;
  return String(Math.round(n * 10) / 10);
}
