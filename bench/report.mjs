// The printed tables and the target checks. Ratios compare figures of the same run only.

/** The targets, checked against one run's figures. */
export const TARGETS = {
  deductionThroughputVsBaselineMin: 0.75,
  deductionP99VsBaselineMax: 1.5,
  inObjectDeductionMedianUsMax: 100,
  storageBytesPerRowMax: 200,
  /** A read on the 100,000-row log may cost at most this many times the read on a short log. */
  longLogReadVsShortMax: 1.25,
  /** The analytics call inside the object, on the long log. */
  analyticsLongLogUsMax: 50_000,
};

const ratio = (a, b) => (b > 0 ? Math.round((a / b) * 100) / 100 : null);
const verdict = (ok) => (ok ? 'met' : 'MISSED');

/** Add ratios to the baseline and target verdicts to every HTTP scenario; returns the checks. */
export function evaluate(results) {
  const baseline = results.http.find((s) => s.id === 'baseline');
  for (const s of results.http) {
    s.throughputVsBaseline = ratio(s.requestsPerSecond, baseline.requestsPerSecond);
    s.p99VsBaseline = ratio(s.latencyMs.p99, baseline.latencyMs.p99);
  }
  const checks = [];
  for (const s of results.http.filter((x) => x.non2xx)) {
    checks.push({
      what: `${s.label}: every answer 2xx`,
      value: `${s.non2xx} non-2xx ${JSON.stringify(s.statusCodes)}`,
      ok: false,
    });
  }
  for (const s of results.http.filter((x) => x.deduction)) {
    checks.push({
      what: `${s.label}: req/s ≥ ${TARGETS.deductionThroughputVsBaselineMin} × baseline`,
      value: s.throughputVsBaseline,
      ok: s.throughputVsBaseline >= TARGETS.deductionThroughputVsBaselineMin,
    });
    checks.push({
      what: `${s.label}: p99 ≤ ${TARGETS.deductionP99VsBaselineMax} × baseline`,
      value: s.p99VsBaseline,
      ok: s.p99VsBaseline <= TARGETS.deductionP99VsBaselineMax,
    });
  }
  const o = results.inObject;
  const rows = results.config.logRows.toLocaleString('en');
  checks.push({
    what: `in-object deduction median ≤ ${TARGETS.inObjectDeductionMedianUsMax} µs (${o.liveGrants} live grants, ${rows} rows)`,
    value: o.deductionAtLongLogUs.p50,
    ok: o.deductionAtLongLogUs.p50 <= TARGETS.inObjectDeductionMedianUsMax,
  });
  checks.push({
    what: `storage < ${TARGETS.storageBytesPerRowMax} bytes per transaction row`,
    value: results.storage.bytesPerRow,
    ok: results.storage.bytesPerRow < TARGETS.storageBytesPerRowMax,
  });
  checks.push({
    what: `in-object analytics ≤ ${TARGETS.analyticsLongLogUsMax / 1000} ms on ${rows} rows`,
    value: `${o.reads.analytics.longLogUs} µs`,
    ok: o.reads.analytics.longLogUs <= TARGETS.analyticsLongLogUsMax,
  });
  for (const what of Object.keys(o.reads)) {
    const r = ratio(o.reads[what].longLogUs, o.reads[what].shortLogUs);
    checks.push({
      what: `in-object ${what} read, ${rows}-row log ≤ ${TARGETS.longLogReadVsShortMax} × short log`,
      value: r,
      ok: r <= TARGETS.longLogReadVsShortMax,
    });
  }
  results.checks = checks;
  return checks;
}

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    `| ${cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' | ')} |`;
  return [
    line(headers),
    `|${widths.map((w, i) => (i === 0 ? ':' : '') + '-'.repeat(w + 1) + (i === 0 ? '' : ':')).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

export function printReport(results) {
  const out = [];
  out.push(
    `Benchmark ${results.date} · ${results.machine.cpus} cores (${results.machine.cpuModel}) · Node ${results.machine.node} · ${results.config.connections} connections`,
  );
  out.push('');
  out.push(
    table(
      [
        'scenario',
        'req/s',
        'p50 ms',
        'p99 ms',
        'req/s ÷ baseline',
        'p99 ÷ baseline',
        'workerd CPU µs/req',
        'conn. errors',
        'other load (cores)',
      ],
      results.http.map((s) => [
        s.label,
        s.requestsPerSecond,
        s.latencyMs.p50,
        s.latencyMs.p99,
        s.throughputVsBaseline,
        s.p99VsBaseline,
        s.runtimeCpuUsPerRequest,
        s.errors,
        s.cpu.otherCores,
      ]),
    ),
  );
  const o = results.inObject;
  const rows = results.config.logRows.toLocaleString('en');
  const shortRows = (results.config.inObjectBatch + o.liveGrants).toLocaleString('en');
  out.push('');
  out.push(
    table(
      ['inside the object (µs per operation)', 'p50', 'p99', 'batches'],
      [
        [
          `deduction, first ${(results.config.logRows / 10).toLocaleString('en')} rows`,
          o.deductionAtShortLogUs.p50,
          o.deductionAtShortLogUs.p99,
          o.deductionAtShortLogUs.batches,
        ],
        [
          `deduction, ${rows} rows`,
          o.deductionAtLongLogUs.p50,
          o.deductionAtLongLogUs.p99,
          o.deductionAtLongLogUs.batches,
        ],
        [
          `balance read, ${shortRows} → ${rows} rows`,
          `${o.reads.balance.shortLogUs} → ${o.reads.balance.longLogUs}`,
          '',
          '',
        ],
        [
          `transactions page (20), ${shortRows} → ${rows} rows`,
          `${o.reads.transactions.shortLogUs} → ${o.reads.transactions.longLogUs}`,
          '',
          '',
        ],
        [
          `transactions page, until= before every row, ${shortRows} → ${rows} rows`,
          `${o.reads.transactionsUntil.shortLogUs} → ${o.reads.transactionsUntil.longLogUs}`,
          '',
          '',
        ],
        [
          `analytics, ${shortRows} → ${rows} rows`,
          `${o.reads.analytics.shortLogUs} → ${o.reads.analytics.longLogUs}`,
          '',
          '',
        ],
        ['RPC round trip to an object (no-op method)', o.rpc.noopUs, '', ''],
        ['RPC + deduction + its own commit', o.rpc.deductionUs, '', ''],
      ],
    ),
  );
  const st = results.storage;
  const m = results.memory;
  out.push('');
  out.push(
    `storage: ${st.bytesPerRow} bytes per transaction row (${st.rows} rows: ${st.databaseBytesBefore} → ${st.databaseBytesAfter} bytes)`,
  );
  out.push(
    `memory (workerd RSS): idle ${mb(m.idleBytes)} · ` +
      `${m.probeObjects} objects opened at once ${mb(m.afterProbeBytes)} (≈ ${Math.round(m.bytesPerObject / 1024)} KiB per live object; evicted after ${m.evictedAfterSeconds} s idle) · ` +
      `after the spread ${mb(m.afterSpreadBytes)} · at the end ${mb(m.endBytes)}`,
  );
  out.push('');
  for (const c of results.checks) out.push(`${verdict(c.ok).padEnd(6)} ${c.what}: ${c.value}`);
  console.log(out.join('\n'));
}

function mb(bytes) {
  return `${Math.round(bytes / 1024 / 1024)} MiB`;
}
