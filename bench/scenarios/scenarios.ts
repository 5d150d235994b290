import type { ChangeSizes } from './message-changes';
import type { GreedySizes } from './greedy-account';
import type { ScheduledSizes } from './scheduled';
import { rssBytes, sum } from '../measure/proc';
import type { BenchUser, SystemUnderTest } from '../systems/system';
import type { GroupSizes } from './group-fanout';
import type { HistorySizes } from './history';
import { closePopulation, connectPopulation, DeliveryTracker, runTraffic, warmUp, type TrafficResult } from './traffic';

export type Log = (message: string) => void;

export interface Sizes {
  readonly a: { users: number; rate: number; seconds: number };
  /** A': A at a rate where sends contend (the send path's batching and leases). */
  readonly a2: { users: number; rate: number; seconds: number };
  /** Overload: a rate about twice the project's own ceiling (B1). */
  readonly overload: { users: number; rate: number; seconds: number };
  readonly b: {
    users1: number;
    users5: number;
    startRate: number;
    factor: number;
    maxRate: number;
    stepSeconds: number;
    /** How long a step waits for its last deliveries (a failing step waits all of it). */
    drainMs: number;
  };
  readonly c: { connections: number; churnDevices: number; churnPerDevice: number };
  readonly d: HistorySizes;
  readonly g: GroupSizes;
  /** E: changes to one message against sends to its conversation. */
  readonly e: ChangeSizes;
  /** S: scheduled messages' lateness against a burst of direct sends. */
  readonly s: ScheduledSizes;
  /** F: an unrelated pair beside a greedy account (every socket and subscription, flooded). */
  readonly f: GreedySizes;
}

/** Connects `sizes.users` users (one device each), warms up, and sends at `sizes.rate` for `sizes.seconds`. */
async function sendAtFixedRate(
  system: SystemUnderTest,
  users: readonly BenchUser[],
  sizes: { users: number; rate: number; seconds: number },
  log: Log,
): Promise<TrafficResult> {
  const tracker = new DeliveryTracker();
  const population = await connectPopulation(system, users.slice(0, sizes.users), 1, tracker, 1, (done, total) =>
    log(`connected ${done}/${total}`),
  );
  try {
    const problem = await warmUp(system, population, tracker);
    if (problem) log(`${system.key}: ${problem}`);
    log(`sending ${sizes.rate}/s for ${sizes.seconds} s`);
    return await runTraffic(system, population, tracker, { rate: sizes.rate, seconds: sizes.seconds });
  } finally {
    const closing = performance.now();
    await closePopulation(population);
    log(`closed ${population.users.length} users' devices in ${Math.round(performance.now() - closing)} ms`);
  }
}

/** A (and A'): latency at a fixed rate. */
export async function latencyAtFixedRate(
  system: SystemUnderTest,
  users: readonly BenchUser[],
  sizes: Sizes['a'],
  log: Log,
): Promise<Record<string, number>> {
  const result = await sendAtFixedRate(system, users, sizes, log);
  log(
    `p99 ${result.p99Ms.toFixed(1)} ms (answers p99 ${result.answerP99Ms.toFixed(1)} ms), lost ${result.lost}, ` +
      `send errors ${result.sendErrors}, refused ${result.refused}`,
  );
  return pick(result, [
    'p50Ms',
    'p99Ms',
    'p999Ms',
    'lost',
    'sendErrors',
    'refused',
    'duplicates',
    'corrupted',
    'serverCpuShare',
    'datastoreCpuShare',
    'loadGeneratorCpuShare',
  ]);
}

/**
 * Overload: offers about twice what the project sustains. Every send must be answered (stored,
 * or refused with the retryable SERVICE_UNAVAILABLE) within 1 s, and every stored one delivered;
 * refused sends are owed no delivery.
 */
export async function overload(
  system: SystemUnderTest,
  users: readonly BenchUser[],
  sizes: Sizes['overload'],
  log: Log,
): Promise<Record<string, number>> {
  const result = await sendAtFixedRate(system, users, sizes, log);
  log(
    `answers p99 ${result.answerP99Ms.toFixed(0)} ms, max ${result.answerMaxMs.toFixed(0)} ms; ` +
      `refused ${result.refused}/${result.sent}, lost ${result.lost}, send errors ${result.sendErrors}`,
  );
  return pick(result, ['answerP99Ms', 'answerMaxMs', 'refused', 'sent', 'lost', 'sendErrors', 'p99Ms']);
}

/**
 * B: raise the rate until p99 > 250 ms or any loss; the passing step that delivered the most is
 * the ceiling. (Not the last one: past its ceiling this project refuses sends retryably, which is
 * neither loss nor latency, so a later step can pass while delivering less.)
 */
export async function throughputCeiling(
  system: SystemUnderTest,
  users: readonly BenchUser[],
  devices: 1 | 5,
  sizes: Sizes['b'],
  log: Log,
): Promise<Record<string, number>> {
  const tracker = new DeliveryTracker();
  const count = devices === 1 ? sizes.users1 : sizes.users5;
  const population = await connectPopulation(system, users.slice(0, count), devices, tracker, 1, (done, total) =>
    log(`connected ${done}/${total} devices`),
  );
  let best: TrafficResult | null = null;
  try {
    const problem = await warmUp(system, population, tracker);
    if (problem) log(`${system.key}: ${problem}`);
    for (let rate = sizes.startRate; rate <= sizes.maxRate; rate = Math.round(rate * sizes.factor)) {
      const step = await runTraffic(system, population, tracker, {
        rate,
        seconds: sizes.stepSeconds,
        drainMs: sizes.drainMs,
      });
      const passed = step.p99Ms <= 250 && step.lost === 0 && step.sendErrors === 0 && step.corrupted === 0;
      log(
        `${rate} msg/s: p99 ${step.p99Ms.toFixed(1)} ms, lost ${step.lost}, refused ${step.refused}, ${Math.round(step.deliveredPerSecond)} deliveries/s, ` +
          `server CPU ${(step.serverCpuShare * 100).toFixed(0)}% (${step.cpuShareByProcess.map((share) => (share * 100).toFixed(0)).join('+')}), datastores ${(step.datastoreCpuShare * 100).toFixed(0)}%, load generator CPU ${(step.loadGeneratorCpuShare * 100).toFixed(0)}% ${passed ? '' : '(limit reached)'}`,
      );
      if (!passed) break;
      if (!best || step.deliveredPerSecond > best.deliveredPerSecond) best = step;
    }
  } finally {
    await closePopulation(population);
  }
  return {
    deliveredPerSecond: best?.deliveredPerSecond ?? 0,
    deliveredPerServerCpuSecond: best?.deliveredPerServerCpuSecond ?? 0,
    p99MsAtCeiling: best?.p99Ms ?? Number.NaN,
    loadGeneratorCpuShare: best?.loadGeneratorCpuShare ?? Number.NaN,
  };
}

/** C: memory per idle connection and subscription, and subscribe/unsubscribe churn. */
export async function idleCapacity(
  system: SystemUnderTest,
  users: readonly BenchUser[],
  sizes: Sizes['c'],
  log: Log,
): Promise<Record<string, number>> {
  const tracker = new DeliveryTracker();
  // Warm the code paths (and lazily allocated pools) before the baseline is taken.
  const warm = await connectPopulation(system, users.slice(0, 50), 1, tracker, 3, () => undefined);
  await closePopulation(warm);
  await settle(1500);
  const rssBefore = sum(system.socketPids().map(rssBytes));
  const heapBefore = await system.heapBytes();
  await heapSnapshots(system, 'before');
  const population = await connectPopulation(system, users.slice(0, sizes.connections), 1, tracker, 3, (done, total) =>
    log(`connected ${done}/${total} (3 subscriptions each)`),
  );
  try {
    await settle(2500);
    const rssAfter = sum(system.socketPids().map(rssBytes));
    const heapAfter = await system.heapBytes();
    await heapSnapshots(system, 'after');
    const perConnection = (rssAfter - rssBefore) / sizes.connections;
    const subscriptionsPerConnection = system.churn ? 3 : 1;
    let churnPerSecond = Number.NaN;
    if (system.churn) {
      const devices = [...population.devices.values()].flat().slice(0, sizes.churnDevices);
      const started = performance.now();
      await Promise.all(devices.map((device) => system.churn!(device, sizes.churnPerDevice)));
      churnPerSecond = (devices.length * sizes.churnPerDevice) / ((performance.now() - started) / 1000);
    }
    return {
      rssBytesPerConnection: perConnection,
      heapBytesPerConnection: (heapAfter - heapBefore) / sizes.connections,
      rssBytesPerSubscription: perConnection / subscriptionsPerConnection,
      subscribeUnsubscribePerSecond: churnPerSecond,
    };
  } finally {
    await closePopulation(population);
  }
}

/**
 * BENCH_HEAP=<dir>: each socket process writes a heap snapshot (it runs with
 * --heapsnapshot-signal); tools/heap-diff.py then itemises what the connections added.
 */
async function heapSnapshots(system: SystemUnderTest, label: string): Promise<void> {
  if (!process.env.BENCH_HEAP) return;
  for (const pid of system.socketPids()) process.kill(pid, 'SIGUSR2');
  await settle(8_000); // writing a snapshot of a few hundred MB takes seconds
  process.stderr.write(`heap snapshots ${label} written to ${process.env.BENCH_HEAP}\n`);
}

function settle(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function pick<T extends object>(value: T, keys: ReadonlyArray<keyof T>): Record<string, number> {
  return Object.fromEntries(keys.map((key) => [key, value[key] as number]));
}
