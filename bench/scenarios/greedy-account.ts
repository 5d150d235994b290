import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CpuMeter } from '../measure/proc';
import { percentiles } from '../measure/stats';
import { connectGraphqlDevice } from '../systems/graphql-clients';
import type { ProjectSystem } from '../systems/project';
import type { BenchUser, Device } from '../systems/system';
import type { GreedyClientData } from './greedy-client';
import type { Log } from './scenarios';

export interface GreedySizes {
  /** The unrelated pair's sends per second, in both phases. */
  readonly pairRate: number;
  /** Seconds of each phase. */
  readonly seconds: number;
  /** The partner's sends per second to the greedy account: the per-user send limit (20 per 2 s). */
  readonly floodRate: number;
  /** The greedy account's sockets (WS_MAX_SOCKETS_PER_USER) and subscriptions (MAX_SUBSCRIPTIONS_PER_USER). */
  readonly sockets: number;
  readonly subscriptions: number;
}

/** The web client's kind of newMessage subscription. */
const PAIR_SUBSCRIPTION = 'subscription { newMessage { id message senderId receiverId sender { name } } }';
/** The longest message allowed: 4,000 UTF-16 code units, as 2,000 emoji (8 KB of UTF-8). */
const LONGEST = '😀'.repeat(2_000);
/** How long the pair's last messages may take before they count as lost. */
const DRAIN_MS = 3_000;

/**
 * #24's greedy-account check: an account holding every socket and subscription it may (all
 * different operations, so none is shared), flooded with the longest messages at the highest
 * allowed rate, on the same WS instance as an unrelated pair. The pair's delivery p90 with the
 * flood against without it, in the same run; the pair must lose nothing.
 */
export async function greedyAccount(
  system: ProjectSystem,
  users: readonly BenchUser[],
  sizes: GreedySizes,
  log: Log,
): Promise<Record<string, number>> {
  const [pairFrom, pairTo, greedy, partner] = users as [BenchUser, BenchUser, BenchUser, BenchUser];
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const onText = (_device: Device, text: string) => {
    const at = sentAt.get(text);
    if (at === undefined) return;
    sentAt.delete(text);
    latencies.push(performance.now() - at);
  };
  const url = system.wsUrl(0);
  const receiver = await connectGraphqlDevice(url, pairTo, [PAIR_SUBSCRIPTION], {
    subscriptions: 1,
    instance: 0,
    onText,
  });

  const data: GreedyClientData = { url, user: greedy, sockets: sizes.sockets, subscriptions: sizes.subscriptions };
  const worker = new Worker(join(__dirname, 'greedy-client.js'), { workerData: data });
  const fromWorker = () =>
    new Promise<unknown>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  await fromWorker(); // 'ready': every socket connected, every subscription sent
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // and confirmed
  const greedyDeliveries = async () => {
    const answer = fromWorker();
    worker.postMessage('count');
    return ((await answer) as { delivered: number }).delivered;
  };

  const pairPhase = async (label: string): Promise<{ p50: number; p90: number; lost: number }> => {
    latencies.length = 0;
    sentAt.clear();
    const total = Math.round(sizes.pairRate * sizes.seconds);
    const sends: Array<Promise<void>> = [];
    for (let i = 0; i < total; i += 1) {
      const text = `${label}|${i}`;
      sentAt.set(text, performance.now());
      sends.push(system.sendAs(pairFrom, pairTo, text).catch(() => undefined));
      await new Promise((resolve) => setTimeout(resolve, 1000 / sizes.pairRate));
    }
    await Promise.all(sends);
    const deadline = performance.now() + DRAIN_MS;
    while (sentAt.size > 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const [p50, p90] = percentiles(latencies, [50, 90]);
    return { p50: p50!, p90: p90!, lost: sentAt.size };
  };

  try {
    const quiet = await pairPhase('quiet');
    log(`pair alone: p50 ${quiet.p50.toFixed(1)} ms, p90 ${quiet.p90.toFixed(1)} ms, lost ${quiet.lost}`);
    let flooding = true;
    let floodSent = 0;
    const flood = (async () => {
      while (flooding) {
        void system.sendAs(partner, greedy, LONGEST).catch(() => undefined);
        floodSent += 1;
        await new Promise((resolve) => setTimeout(resolve, 1000 / sizes.floodRate));
      }
    })();
    const cpu = new CpuMeter(system.socketPids().slice(0, 1));
    const deliveredBefore = await greedyDeliveries();
    const loud = await pairPhase('flood');
    const wsCpu = cpu.used() / sizes.seconds;
    flooding = false;
    await flood;
    const delivered = (await greedyDeliveries()) - deliveredBefore;
    log(
      `pair beside the greedy account: p50 ${loud.p50.toFixed(1)} ms, p90 ${loud.p90.toFixed(1)} ms, lost ${loud.lost}; ` +
        `${floodSent} floods sent, ${delivered} deliveries to the greedy account, ` +
        `WS instance CPU ${(wsCpu * 100).toFixed(0)}%`,
    );
    return {
      quietP50Ms: quiet.p50,
      quietP90Ms: quiet.p90,
      floodP50Ms: loud.p50,
      floodP90Ms: loud.p90,
      p90Ratio: loud.p90 / quiet.p90,
      lost: quiet.lost + loud.lost,
      greedyDeliveries: delivered,
      wsCpuShare: wsCpu,
    };
  } finally {
    worker.postMessage('close');
    await new Promise((resolve) => worker.once('exit', resolve));
    await receiver.close();
  }
}
