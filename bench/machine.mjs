// What the machine was and how busy it was: the figures are only comparable within one run,
// and only as far as other processes left the cores alone.
import { readFileSync } from 'node:fs';
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
