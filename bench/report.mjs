// The printed tables and the target checks. Ratios compare figures of the same run only.

/** The targets, each checked against one run's figures (ratios of the same run only). */
export const TARGETS = {
  /** One hot user: the service's req/s at least this many times the peer's… */
  hotThroughputVsPeerMin: 2,
  /** …and its p99 at most this fraction of the peer's. */
  hotP99VsPeerMax: 0.5,
  /** Spread over many users: server CPU per deduction at most this fraction of the peer's… */
  spreadCpuVsPeerMax: 0.75,
  /** …and p99 no worse than the peer's. */
  spreadP99VsPeerMax: 1,
  /** A hot user's deductions at least this fraction of the object floor's req/s (auth + no-op RPC, same path). */
  hotVsFloorThroughputMin: 0.9,
  /** The platform day (many cold users, each a seven-agent project): server CPU per step at most this × the peer's. */
  platformDayCpuPerStepVsPeerMax: 1,
  /** A new user's first call: server CPU at most this many times the peer's. */
  firstCallCpuVsPeerMax: 2.5,
  /** A new account's first call (a deduction) at most this × a bare object's first call (a one-table schema, one row). */
  firstCallVsBareMax: 1.5,
  /** An existing account woken after eviction (a deduction) at most this × a bare object's wake (one row). */
  wakeVsBareWakeMax: 1.25,
  /** Batches: server CPU per record at most this fraction of the peer's on the same batches… */
  batchCpuPerRecordVsPeerMax: 0.5,
  /** …records per second, spread over the users, at least this many times the single route's spread req/s… */
  batchVsSingleSpreadMin: 10,
  /** …one hot user's records per second at least this fraction of the object's own limit (1 ÷ the in-object deduction)… */
  hotBatchVsObjectLimitMin: 0.5,
  /** …and records per second at least the peer's, on the same batches. */
  batchThroughputVsPeerMin: 1,
  inObjectDeductionMedianUsMax: 100,
  storageBytesPerRowMax: 200,
  /** A read on the 100,000-row log may cost at most this many times the read on a short log. */
  longLogReadVsShortMax: 1.25,
  /** The analytics call inside the object, on the long log. */
  analyticsLongLogUsMax: 50_000,
};

/** The service-side runs that price the runtime itself, each beside the scenario it rides with. */
const FLOOR_LABELS = {
  floor: 'object floor: same path and auth, one no-op RPC into an object',
  writeFloor:
    'write floor: same path and auth, one RPC into a bare object that commits one row; as many objects as the spread',
};

export const ratio = (a, b) => (a != null && b > 0 ? Math.round((a / b) * 100) / 100 : null);
const verdict = (ok) => (ok === null ? 'skip' : ok ? 'met' : 'MISSED');

/** Ratios of the comparison and every target's verdict (`ok: null` when a side was not measured). */
export function evaluate(results) {
  const scenario = (id) => results.comparison.scenarios.find((s) => s.id === id);
  for (const s of results.comparison.scenarios) {
    const { service, peer } = s.sides;
    s.vsPeer = {
      throughput: ratio(service?.requestsPerSecond, peer?.requestsPerSecond),
      p99: ratio(service?.p99Ms, peer?.p99Ms),
      cpuPerRequest: ratio(service?.cpuUsPerRequest, peer?.cpuUsPerRequest),
      cpuPerRecord: ratio(service?.cpuUsPerRecord, peer?.cpuUsPerRecord),
    };
  }
  const hot = scenario('hot');
  const spread = scenario('spread');
  const batch = scenario('batch');
  hot.vsFloor = {
    throughput: ratio(hot.sides.service?.requestsPerSecond, hot.sides.floor?.requestsPerSecond),
    p99: ratio(hot.sides.service?.p99Ms, hot.sides.floor?.p99Ms),
    cpuPerRequest: ratio(hot.sides.service?.cpuUsPerRequest, hot.sides.floor?.cpuUsPerRequest),
  };
  // The least a committed write costs here, spread the same way: what the spread targets stand on.
  const writeFloor = scenario('write-floor')?.sides.writeFloor;
  spread.vsWriteFloor = {
    cpuPerRequest: ratio(spread.sides.service?.cpuUsPerRequest, writeFloor?.cpuUsPerRequest),
    floorCpuVsPeer: ratio(writeFloor?.cpuUsPerRequest, spread.sides.peer?.cpuUsPerRequest),
    floorP99VsPeer: ratio(writeFloor?.p99Ms, spread.sides.peer?.p99Ms),
  };
  const atLeast = (value, min) => (value === null ? null : value >= min);
  const atMost = (value, max) => (value === null ? null : value <= max);
  const checks = [];
  const check = (what, value, ok) => checks.push({ what, value, ok });
  for (const s of results.comparison.scenarios)
    for (const [side, f] of Object.entries(s.sides))
      if (f.non2xx || f.errors)
        check(
          `${s.label}, ${side}: every answer 2xx`,
          `${f.non2xx} non-2xx, ${f.errors} errors${firstBody(f.nonOkBodies)}`,
          false,
        );
  for (const s of results.context.filter((x) => x.non2xx || x.errors))
    check(`${s.label}: every answer 2xx`, `${s.non2xx} non-2xx ${JSON.stringify(s.statusCodes)}`, false);
  const T = TARGETS;
  check(
    `hot user: req/s ≥ ${T.hotThroughputVsPeerMin} × the peer's`,
    hot.vsPeer.throughput,
    atLeast(hot.vsPeer.throughput, T.hotThroughputVsPeerMin),
  );
  check(`hot user: p99 ≤ ${T.hotP99VsPeerMax} × the peer's`, hot.vsPeer.p99, atMost(hot.vsPeer.p99, T.hotP99VsPeerMax));
  check(
    `spread: server CPU per deduction ≤ ${T.spreadCpuVsPeerMax} × the peer's`,
    spread.vsPeer.cpuPerRequest,
    atMost(spread.vsPeer.cpuPerRequest, T.spreadCpuVsPeerMax),
  );
  check(
    `spread: p99 ≤ ${T.spreadP99VsPeerMax} × the peer's`,
    spread.vsPeer.p99,
    atMost(spread.vsPeer.p99, T.spreadP99VsPeerMax),
  );
  const day = scenario('platform-day');
  if (day)
    check(
      `platform day: server CPU per step ≤ ${T.platformDayCpuPerStepVsPeerMax} × the peer's`,
      day.vsPeer.cpuPerRequest,
      atMost(day.vsPeer.cpuPerRequest, T.platformDayCpuPerStepVsPeerMax),
    );
  const newUsers = scenario('new-users');
  if (newUsers)
    check(
      `first call of a new user: server CPU ≤ ${T.firstCallCpuVsPeerMax} × the peer's`,
      newUsers.vsPeer.cpuPerRequest,
      atMost(newUsers.vsPeer.cpuPerRequest, T.firstCallCpuVsPeerMax),
    );
  const cold = results.coldObjects;
  if (cold) {
    check(
      `a new account's first call ≤ ${T.firstCallVsBareMax} × a bare object's first call (workerd CPU)`,
      cold.firstCallVsBare,
      atMost(cold.firstCallVsBare ?? null, T.firstCallVsBareMax),
    );
    check(
      `an account woken after eviction ≤ ${T.wakeVsBareWakeMax} × a bare object's wake (workerd CPU)`,
      cold.wakeVsBareWake,
      atMost(cold.wakeVsBareWake ?? null, T.wakeVsBareWakeMax),
    );
  }
  check(
    `hot user: req/s ≥ ${T.hotVsFloorThroughputMin} × the object floor's`,
    hot.vsFloor.throughput,
    atLeast(hot.vsFloor.throughput, T.hotVsFloorThroughputMin),
  );
  check(
    `batches: server CPU per record ≤ ${T.batchCpuPerRecordVsPeerMax} × the peer's`,
    batch.vsPeer.cpuPerRecord,
    atMost(batch.vsPeer.cpuPerRecord, T.batchCpuPerRecordVsPeerMax),
  );
  const o = results.inObject;
  const rows = results.config.logRows.toLocaleString('en');
  const hotBatch = scenario('batch-hot');
  const batchVsSingle = ratio(batch.sides.service?.recordsPerSecond, spread.sides.service?.requestsPerSecond);
  check(
    `batches: records/s ≥ ${T.batchVsSingleSpreadMin} × single deductions/s, spread over the users`,
    batchVsSingle,
    atLeast(batchVsSingle, T.batchVsSingleSpreadMin),
  );
  // The object's own limit: one deduction after another inside it, nothing around them.
  const objectLimit = o.deductionAtLongLogUs.p50 > 0 ? 1e6 / o.deductionAtLongLogUs.p50 : null;
  const hotBatchVsLimit = ratio(hotBatch?.sides.service?.recordsPerSecond, objectLimit);
  check(
    `batches of one hot user: records/s ≥ ${T.hotBatchVsObjectLimitMin} × the object's own limit (${Math.round(objectLimit ?? 0)}/s)`,
    hotBatchVsLimit,
    atLeast(hotBatchVsLimit, T.hotBatchVsObjectLimitMin),
  );
  check(
    `batches: records/s ≥ ${T.batchThroughputVsPeerMin} × the peer's`,
    batch.vsPeer.throughput,
    atLeast(batch.vsPeer.throughput, T.batchThroughputVsPeerMin),
  );
  check(
    `in-object deduction median ≤ ${T.inObjectDeductionMedianUsMax} µs (${o.liveGrants} live grants, ${rows} rows)`,
    o.deductionAtLongLogUs.p50,
    o.deductionAtLongLogUs.p50 <= T.inObjectDeductionMedianUsMax,
  );
  check(
    `storage < ${T.storageBytesPerRowMax} bytes per transaction row`,
    results.storage.bytesPerRow,
    results.storage.bytesPerRow < T.storageBytesPerRowMax,
  );
  check(
    `in-object analytics ≤ ${T.analyticsLongLogUsMax / 1000} ms on ${rows} rows`,
    `${o.reads.analytics.longLogUs} µs`,
    o.reads.analytics.longLogUs <= T.analyticsLongLogUsMax,
  );
  for (const what of Object.keys(o.reads)) {
    const r = ratio(o.reads[what].longLogUs, o.reads[what].shortLogUs);
    // A noisy machine can make an empty call outlast a short read: then there is no ratio to judge.
    check(
      `in-object ${what} read, ${rows}-row log ≤ ${T.longLogReadVsShortMax} × short log`,
      r,
      atMost(r, T.longLogReadVsShortMax),
    );
  }
  results.checks = checks;
  return checks;
}

export function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    `| ${cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' | ')} |`;
  return [
    line(headers),
    `|${widths.map((w, i) => (i === 0 ? ':' : '') + '-'.repeat(w + 1) + (i === 0 ? '' : ':')).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

const dash = (x) => (x === null || x === undefined ? '–' : x);

export function printReport(results) {
  const out = [];
  const c = results.config.compare;
  out.push(
    `Benchmark ${results.date} · ${results.machine.cpus} cores (${results.machine.cpuModel}) · Node ${results.machine.node} · ` +
      `${results.versions.postgres ?? 'no PostgreSQL'} · ${results.config.connections} connections · ` +
      `${c.rounds} alternating round(s) of ${c.requestsPerRound.toLocaleString('en')} requests (batches: ${c.batchesPerRound}), medians`,
  );
  out.push('');
  out.push(
    table(
      [
        'scenario (service vs peer)',
        'req/s',
        'peer req/s',
        '÷',
        'p99 ms',
        'peer p99',
        '÷',
        'CPU µs/req',
        'peer µs/req',
        '÷',
        'other load (cores)',
      ],
      results.comparison.scenarios.flatMap((s) => {
        const a = s.sides.service ?? {};
        const b = s.sides.peer ?? {};
        const perRecord = s.id.startsWith('batch');
        const cpu = (f) => (perRecord ? f.cpuUsPerRecord : f.cpuUsPerRequest);
        const floorRows = Object.entries(FLOOR_LABELS)
          .filter(([name]) => s.sides[name])
          .map(([name, label]) => {
            const floor = s.sides[name];
            const perPeer = ratio(floor.cpuUsPerRequest, b.cpuUsPerRequest);
            return [
              `  ${label}`,
              floor.requestsPerSecond,
              '',
              '',
              floor.p99Ms,
              '',
              '',
              floor.cpuUsPerRequest,
              '',
              dash(perPeer),
              floor.otherCores,
            ];
          });
        const row = [
          perRecord ? `${s.label} (req/s = records/s, CPU per record)` : s.label,
          dash(perRecord ? a.recordsPerSecond : a.requestsPerSecond),
          dash(perRecord ? b.recordsPerSecond : b.requestsPerSecond),
          dash(s.vsPeer.throughput),
          dash(a.p99Ms),
          dash(b.p99Ms),
          dash(s.vsPeer.p99),
          dash(cpu(a)),
          dash(cpu(b)),
          dash(perRecord ? s.vsPeer.cpuPerRecord : s.vsPeer.cpuPerRequest),
          Object.values(s.sides)
            .map((f) => f.otherCores)
            .join(' / '),
        ];
        return s.sides.service || s.sides.peer ? [row, ...floorRows] : floorRows;
      }),
    ),
  );
  const hot = results.comparison.scenarios.find((s) => s.id === 'hot');
  out.push('');
  out.push(
    `hot user ÷ object floor: req/s ${dash(hot.vsFloor.throughput)} · p99 ${dash(hot.vsFloor.p99)} · CPU per request ${dash(hot.vsFloor.cpuPerRequest)}`,
  );
  const spread = results.comparison.scenarios.find((s) => s.id === 'spread');
  out.push(
    `spread ÷ write floor: CPU per request ${dash(spread.vsWriteFloor.cpuPerRequest)} · the write floor alone ÷ the peer's spread: CPU ${dash(spread.vsWriteFloor.floorCpuVsPeer)}, p99 ${dash(spread.vsWriteFloor.floorP99VsPeer)}`,
  );
  for (const note of results.comparison.notes) out.push(`note: ${note}`);
  out.push('');
  out.push(
    table(
      ['service only, for context', 'req/s', 'p50 ms', 'p99 ms', 'workerd CPU µs/req', 'other load (cores)'],
      results.context.map((s) => [
        s.label,
        s.requestsPerSecond,
        s.latencyMs.p50,
        s.latencyMs.p99,
        s.runtimeCpuUsPerRequest,
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
      [`inside the object (µs per operation; other load ${o.otherCores ?? '?'} cores)`, 'p50', 'p99', 'batches'],
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
  const cold = results.coldObjects;
  if (cold) {
    const step = (kind, before) =>
      before ? cold[kind].cpuUsPerObject - cold[before].cpuUsPerObject : cold[kind].cpuUsPerObject;
    out.push('');
    out.push(
      table(
        [
          `first call of a new object, taken apart (${cold.objects} new objects per step)`,
          'workerd CPU µs per object',
          'the step adds',
        ],
        [
          ['created, no storage (the runtime alone)', cold.bare.cpuUsPerObject, step('bare')],
          ['+ the account schema (a UserAccount constructed)', cold.schema.cpuUsPerObject, step('schema', 'bare')],
          [
            '+ the account opened (plan read, first grant) by a balance read',
            cold.account.cpuUsPerObject,
            step('account', 'schema'),
          ],
          ['the same, opened by a first deduction instead', cold.usage.cpuUsPerObject, step('usage', 'account')],
          ["floor: a bare object's first call (a one-table schema, one row)", cold.bareWrite.cpuUsPerObject, ''],
          ["a bare object's wake after eviction (one row)", cold.bareWake.cpuUsPerObject, ''],
          ["an account's wake after eviction (a deduction)", cold.usageWake.cpuUsPerObject, ''],
        ],
      ),
    );
  }
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
  for (const check of results.checks) out.push(`${verdict(check.ok).padEnd(6)} ${check.what}: ${check.value}`);
  console.log(out.join('\n'));
}

function mb(bytes) {
  return `${Math.round(bytes / 1024 / 1024)} MiB`;
}

/** The first non-2xx body kept, as a suffix for a report line. */
function firstBody(nonOkBodies = {}) {
  const [status, bodies] = Object.entries(nonOkBodies)[0] ?? [];
  return status ? `; first ${status}: ${bodies[0]}` : '';
}
