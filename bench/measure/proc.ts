import { readFileSync } from 'node:fs';
import { cpus, totalmem, release, platform } from 'node:os';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far, read from /proc. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** Resident set size in bytes, from /proc. */
export function rssBytes(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** CPU of a set of processes over an interval. */
export class CpuMeter {
  private readonly start: number[];
  private readonly startedAt = performance.now();
  constructor(private readonly pids: readonly number[]) {
    this.start = pids.map(cpuSeconds);
  }
  /** CPU seconds used since construction. */
  used(): number {
    return sum(this.usedByProcess());
  }

  /** CPU seconds used since construction, per process (in the order given). */
  usedByProcess(): number[] {
    return this.pids.map((pid, i) => cpuSeconds(pid) - this.start[i]!);
  }
  elapsedSeconds(): number {
    return (performance.now() - this.startedAt) / 1000;
  }
}

/** This process's own CPU (the load generator), in seconds since `since`. */
export function ownCpuSeconds(since: NodeJS.CpuUsage): number {
  const usage = process.cpuUsage(since);
  return (usage.user + usage.system) / 1e6;
}

export function machineDescription() {
  const cores = cpus();
  return {
    cpuModel: cores[0]?.model ?? 'unknown',
    cores: cores.length,
    memoryBytes: totalmem(),
    os: `${platform()} ${release()}`,
    node: process.version,
  };
}
