// What the machine was and how busy it was: the figures are only comparable within one run,
// and only as far as other processes left the cores alone.
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';

export function machineInfo() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryBytes: os.totalmem(),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverage1mAtStart: os.loadavg()[0],
  };
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function busyTicksAll() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return user + nice + system + irq + softirq + steal;
}

function busyTicksOf(pid) {
  try {
    const rest = readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /s, '')
      .split(' ');
    return Number(rest[11]) + Number(rest[12]); // utime + stime
  } catch {
    return 0;
  }
}

const sum = (pids) => pids.reduce((total, pid) => total + busyTicksOf(pid), 0);

/**
 * Start counting CPU time; `stop()` returns the cores used by the runtime (`runtimePids`), by this
 * Node process (autocannon, the load generator) and by everything else on the machine.
 */
export function cpuMonitor(runtimePids) {
  const startedAt = performance.now();
  const start = { all: busyTicksAll(), runtime: sum(runtimePids), node: busyTicksOf(process.pid) };
  return {
    stop() {
      const seconds = (performance.now() - startedAt) / 1000;
      const all = (busyTicksAll() - start.all) / TICKS_PER_SECOND;
      const runtime = (sum(runtimePids) - start.runtime) / TICKS_PER_SECOND;
      const node = (busyTicksOf(process.pid) - start.node) / TICKS_PER_SECOND;
      return {
        seconds,
        runtimeCpuSeconds: runtime,
        runtimeCores: round(runtime / seconds),
        loadGeneratorCores: round(node / seconds),
        otherCores: round(Math.max(0, all - runtime - node) / seconds),
      };
    },
  };
}

function round(x) {
  return Math.round(x * 100) / 100;
}

/** utime + stime + cutime + cstime of every process, with its parent: one pass over /proc. */
function processTable() {
  const table = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const rest = readFileSync(`/proc/${entry}/stat`, 'utf8')
        .replace(/^.*\) /s, '')
        .split(' ');
      const ticks = Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]);
      table.set(Number(entry), { ppid: Number(rest[1]), ticks });
    } catch {
      // The process ended while we looked.
    }
  }
  return table;
}

/**
 * CPU seconds used so far by the processes `rootPids` and all their descendants. Each process
 * counts its own time and the time of the children it has already reaped (cutime, cstime), so a
 * backend that exits during a run is still counted, through its parent.
 */
export function treeCpuSeconds(rootPids) {
  const table = processTable();
  const children = new Map();
  for (const [pid, { ppid }] of table) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  let ticks = 0;
  const seen = new Set();
  const stack = [...rootPids];
  while (stack.length) {
    const pid = stack.pop();
    if (seen.has(pid) || !table.has(pid)) continue;
    seen.add(pid);
    ticks += table.get(pid).ticks;
    stack.push(...(children.get(pid) ?? []));
  }
  return ticks / TICKS_PER_SECOND;
}

/**
 * Start counting CPU time per side (`{ service: pids, peer: pids }`, each a list of root
 * processes); `stop()` returns each side's server CPU seconds, the load generator's (this Node
 * process) and the cores everything else on the machine used.
 */
export function sideCpuMonitor(sides) {
  const startedAt = performance.now();
  const read = () => ({
    all: busyTicksAll() / TICKS_PER_SECOND,
    node: busyTicksOf(process.pid) / TICKS_PER_SECOND,
    sides: Object.fromEntries(Object.entries(sides).map(([name, pids]) => [name, treeCpuSeconds(pids)])),
  });
  const start = read();
  return {
    stop() {
      const end = read();
      const seconds = (performance.now() - startedAt) / 1000;
      const serverCpuSeconds = Object.fromEntries(
        Object.keys(sides).map((name) => [name, end.sides[name] - start.sides[name]]),
      );
      const node = end.node - start.node;
      const servers = Object.values(serverCpuSeconds).reduce((a, b) => a + b, 0);
      return {
        seconds,
        serverCpuSeconds,
        loadGeneratorCores: round(node / seconds),
        otherCores: round(Math.max(0, end.all - start.all - servers - node) / seconds),
      };
    },
  };
}
