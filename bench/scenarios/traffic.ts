import { percentiles } from '../measure/stats';
import { CpuMeter, ownCpuSeconds } from '../measure/proc';
import type { BenchUser, Device, SystemUnderTest } from '../systems/system';

/**
 * A population of users in 1:1 conversations, each with `devices` connected devices, and an
 * open-loop sender that verifies every delivery: each message must reach every device of both
 * participants exactly once with its exact text. Latency is send → receipt on the receiver's devices.
 */
export interface Population {
  readonly users: readonly BenchUser[];
  readonly devices: ReadonlyMap<string, readonly Device[]>;
  /** Pairs of user indexes. */
  readonly conversations: ReadonlyArray<readonly [number, number]>;
}

interface Pending {
  readonly text: string;
  readonly senderId: string;
  readonly receiverId: string;
  readonly sentAt: number;
  remaining: number;
}

export class DeliveryTracker {
  private readonly pending = new Map<number, Pending>();
  latencies: number[] = [];
  delivered = 0;
  expected = 0;
  duplicates = 0;
  corrupted = 0;
  lastDeliveryAt = 0;

  register(id: number, text: string, senderId: string, receiverId: string, expected: number): void {
    this.expected += expected;
    this.pending.set(id, { text, senderId, receiverId, sentAt: performance.now(), remaining: expected });
  }

  /** Called for every message text any device receives. */
  receive = (device: Device, text: string): void => {
    const id = Number(text.split('|')[1]);
    const entry = this.pending.get(id);
    if (!entry) {
      if (text.startsWith('b|')) this.duplicates += 1; // already complete: a second copy
      return;
    }
    if (entry.text !== text || (device.user.id !== entry.receiverId && device.user.id !== entry.senderId)) {
      this.corrupted += 1;
      return;
    }
    if (device.user.id === entry.receiverId) this.latencies.push(performance.now() - entry.sentAt);
    this.delivered += 1;
    this.lastDeliveryAt = performance.now();
    entry.remaining -= 1;
    if (entry.remaining === 0) this.pending.delete(id);
  };

  /** A send the system refused (retryable): nobody is owed its deliveries. */
  forget(id: number): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.expected -= entry.remaining;
    this.pending.delete(id);
  }

  outstanding(): number {
    return this.pending.size;
  }

  reset(): void {
    this.pending.clear();
    this.latencies = [];
    this.delivered = 0;
    this.expected = 0;
    this.duplicates = 0;
    this.corrupted = 0;
    this.lastDeliveryAt = 0;
  }
}

export interface TrafficResult {
  readonly sent: number;
  readonly sendErrors: number;
  /** Sends refused with the retryable SERVICE_UNAVAILABLE (not counted as errors or losses). */
  readonly refused: number;
  /** From issuing a send to its answer (stored or refused), over every answered send. */
  readonly answerP99Ms: number;
  readonly answerMaxMs: number;
  readonly delivered: number;
  readonly lost: number;
  readonly duplicates: number;
  readonly corrupted: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly deliveredPerSecond: number;
  readonly serverCpuSeconds: number;
  readonly deliveredPerServerCpuSecond: number;
  /** Load generator CPU as a share of one core over the step. */
  readonly loadGeneratorCpuShare: number;
  readonly serverCpuShare: number;
  /** FerretDB + redis-server CPU as a share of one core (shared by every system). */
  readonly datastoreCpuShare: number;
  /** Each server process's CPU share, in the order of `system.pids()`. */
  readonly cpuShareByProcess: readonly number[];
}

/** The datastore processes, so each step can report how busy they were. */
export const datastorePids: number[] = [];

let nextMessageId = 0;

/** Sends at `rate` messages/s for `seconds`, then waits up to `drainMs` for the deliveries. */
export async function runTraffic(
  system: SystemUnderTest,
  population: Population,
  tracker: DeliveryTracker,
  options: { rate: number; seconds: number; drainMs?: number; padding?: number },
): Promise<TrafficResult> {
  tracker.reset();
  const padding = 'x'.repeat(options.padding ?? 40);
  const cpu = new CpuMeter(system.pids());
  const datastoreCpu = new CpuMeter(datastorePids);
  const ownCpu = process.cpuUsage();
  const total = Math.round(options.rate * options.seconds);
  let issued = 0;
  let sendErrors = 0;
  let refused = 0;
  const answerTimes: number[] = [];
  const inflight = new Set<Promise<void>>();
  const start = performance.now();

  const sendOne = () => {
    const [a, b] = population.conversations[issued % population.conversations.length]!;
    const [from, to] = issued % 2 === 0 ? [a, b] : [b, a];
    const sender = population.users[from]!;
    const receiver = population.users[to]!;
    const senderDevices = population.devices.get(sender.id)!;
    const expected = senderDevices.length + population.devices.get(receiver.id)!.length;
    const id = (nextMessageId += 1);
    const text = `b|${id}|${padding}`;
    tracker.register(id, text, sender.id, receiver.id, expected);
    const issuedAt = performance.now();
    const promise = system
      .send(senderDevices[issued % senderDevices.length]!, receiver, text)
      .then(() => void answerTimes.push(performance.now() - issuedAt))
      .catch((error: unknown) => {
        if (String(error).includes('SERVICE_UNAVAILABLE')) {
          refused += 1;
          answerTimes.push(performance.now() - issuedAt);
          tracker.forget(id);
          return;
        }
        sendErrors += 1;
        if (sendErrors <= 3) process.stderr.write(`send error: ${String(error).slice(0, 300)}\n`);
      })
      .finally(() => inflight.delete(promise));
    inflight.add(promise);
    issued += 1;
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * options.rate));
      while (issued < due) sendOne();
      if (issued >= total) resolve();
      else setTimeout(tick, 2);
    };
    tick();
  });
  const sendSeconds = (performance.now() - start) / 1000;
  await Promise.all(inflight);
  const drainUntil = performance.now() + (options.drainMs ?? 5000);
  while (tracker.outstanding() > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
  const elapsed = (performance.now() - start) / 1000;
  const serverCpu = cpu.used();
  const byProcess = cpu.usedByProcess().map((seconds) => seconds / elapsed);
  const [p50, p99, p999] = percentiles(tracker.latencies, [50, 99, 99.9]);
  const [answerP99] = percentiles(answerTimes, [99]);
  return {
    sent: issued,
    sendErrors,
    refused,
    answerP99Ms: answerP99 ?? Number.NaN,
    answerMaxMs: answerTimes.length > 0 ? Math.max(...answerTimes) : Number.NaN,
    delivered: tracker.delivered,
    lost: tracker.expected - tracker.delivered,
    duplicates: tracker.duplicates,
    corrupted: tracker.corrupted,
    p50Ms: p50!,
    p99Ms: p99!,
    p999Ms: p999!,
    // Over the time until the last delivery, so a system that falls behind is not flattered.
    deliveredPerSecond: tracker.delivered / Math.max(sendSeconds, (tracker.lastDeliveryAt - start) / 1000),
    serverCpuSeconds: serverCpu,
    deliveredPerServerCpuSecond: tracker.delivered / serverCpu,
    loadGeneratorCpuShare: ownCpuSeconds(ownCpu) / elapsed,
    serverCpuShare: serverCpu / elapsed,
    datastoreCpuShare: datastoreCpu.used() / elapsed,
    cpuShareByProcess: byProcess,
  };
}

/** Connects every device (a few at a time) and proves each conversation delivers end to end. */
export async function connectPopulation(
  system: SystemUnderTest,
  users: readonly BenchUser[],
  devicesPerUser: number,
  tracker: DeliveryTracker,
  subscriptions: 1 | 3,
  progress: (done: number, total: number) => void,
): Promise<Population> {
  const devices = new Map<string, Device[]>();
  const total = users.length * devicesPerUser;
  let done = 0;
  const jobs = users.flatMap((user, u) =>
    Array.from({ length: devicesPerUser }, (_, d) => async () => {
      const device = await system.connect(user, { subscriptions, instance: u + d, onText: tracker.receive });
      const list = devices.get(user.id) ?? [];
      list.push(device);
      devices.set(user.id, list);
      done += 1;
      if (done % 100 === 0 || done === total) progress(done, total);
    }),
  );
  await inBatches(jobs, 50);
  await waitForQuiet(system);
  const conversations = Array.from({ length: Math.floor(users.length / 2) }, (_, i) => [2 * i, 2 * i + 1] as const);
  return { users, devices, conversations };
}

/**
 * Waits until the system and the datastores are idle (under 15% of a core for a second, at most
 * 60 s): connecting thousands of clients leaves work behind (presence fan-out, which on FerretDB
 * scans the conversations), and that must not be billed to the next measurement.
 */
export async function waitForQuiet(system: SystemUnderTest): Promise<void> {
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline) {
    const meter = new CpuMeter([...system.pids(), ...datastorePids]);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (meter.used() / meter.elapsedSeconds() < 0.15) return;
  }
}

/**
 * One message per conversation, gently (at most 50/s), until all arrive: subscriptions are live and
 * code paths warm before anything is measured. Returns what went wrong, if anything.
 */
export async function warmUp(
  system: SystemUnderTest,
  population: Population,
  tracker: DeliveryTracker,
): Promise<string | null> {
  const rate = Math.min(50, population.conversations.length);
  const result = await runTraffic(system, population, tracker, {
    rate,
    seconds: population.conversations.length / rate,
    // Long enough for a loaded FerretDB; a system that drops warm-up events is reported, not awaited.
    drainMs: 5000,
  });
  if (result.lost > 0 || result.sendErrors > 0) {
    return `warm-up lost ${result.lost} deliveries with ${result.sendErrors} send errors`;
  }
  return null;
}

export async function closePopulation(population: Population): Promise<void> {
  const all = [...population.devices.values()].flat();
  await inBatches(
    all.map((device) => () => device.close()),
    200,
  );
}

export async function inBatches(jobs: ReadonlyArray<() => Promise<unknown>>, size: number): Promise<void> {
  for (let i = 0; i < jobs.length; i += size) await Promise.all(jobs.slice(i, i + size).map((job) => job()));
}
