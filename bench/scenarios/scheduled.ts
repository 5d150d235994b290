import { percentiles } from '../measure/stats';
import type { BenchUser } from '../systems/system';
import type { ProjectSystem } from '../systems/project';
import type { Log } from './scenarios';

export interface ScheduledSizes {
  /** Pairs of users: the first of each pair writes to the second. */
  readonly pairs: number;
  /** Messages each writer sends at once (baseline) and schedules for one moment. */
  readonly perPair: number;
}

const SEND = 'mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { id } }';
const SCHEDULE =
  'mutation Schedule($input: SendMessageInput!, $sendAt: DateTimeISO!) { scheduleMessage(input: $input, sendAt: $sendAt) { id } }';
const RECEIVED =
  'query Received($target: ID!) { messages(targetUserId: $target, first: 100) { nodes { message clientMessageId createdAt } } }';
/** Ahead of the server's minimum lead (SCHEDULE_MIN_LEAD_SECONDS, 10 s), with room to schedule them all. */
const LEAD_MS = 15_000;
/** How long after sendAt the scenario waits for the last one. */
const SETTLE_MS = 10_000;

/**
 * S: lateness of scheduled messages. First the baseline: every writer sends `perPair` messages
 * at once, timed from the burst's start to each message's `createdAt` (what a burst of direct
 * sends costs this system). Then every writer schedules as many for one moment, and each
 * message's lateness is its `createdAt` minus that moment: the scheduler's poll interval plus
 * the same burst through the send path. Also counts what arrived twice or never.
 */
export async function scheduledLateness(
  system: ProjectSystem,
  users: readonly BenchUser[],
  sizes: ScheduledSizes,
  log: Log,
): Promise<Record<string, number>> {
  const pairs = Array.from({ length: sizes.pairs }, (_, i) => [users[2 * i]!, users[2 * i + 1]!] as const);
  const request = (user: BenchUser, query: string, variables: object) => system.graphql(user.token, query, variables);
  const received = async (prefix: string) => {
    const found: Array<{ message: string; createdAt: string }> = [];
    for (const [writer, reader] of pairs) {
      const page = (await request(reader, RECEIVED, { target: writer.id }))['messages'] as {
        nodes: Array<{ message: string; createdAt: string }>;
      };
      found.push(...page.nodes.filter((node) => node.message.startsWith(prefix)));
    }
    return found;
  };
  const spread = (found: ReadonlyArray<{ createdAt: string }>, from: number) => {
    const [p50, p99] = percentiles(
      found.map((node) => Date.parse(node.createdAt) - from),
      [50, 99],
    );
    return { p50: p50!, p99: p99!, max: Math.max(...found.map((node) => Date.parse(node.createdAt) - from)) };
  };
  const expected = sizes.pairs * sizes.perPair;

  const burstStart = Date.now();
  await Promise.all(
    pairs.flatMap(([writer, reader]) =>
      Array.from({ length: sizes.perPair }, (_, n) =>
        request(writer, SEND, { input: { targetUserId: reader.id, message: `direct|${n}` } }),
      ),
    ),
  );
  const direct = spread(await received('direct|'), burstStart);
  log(`a burst of ${expected} direct sends: stored p99 ${Math.round(direct.p99)} ms after it started`);

  const sendAt = Date.now() + LEAD_MS;
  await Promise.all(
    pairs.flatMap(([writer, reader], pair) =>
      Array.from({ length: sizes.perPair }, (_, n) =>
        request(writer, SCHEDULE, {
          input: { targetUserId: reader.id, message: `later|${pair}|${n}` },
          sendAt: new Date(sendAt).toISOString(),
        }),
      ),
    ),
  );
  log(`scheduled ${expected} for one moment ${Math.round((sendAt - Date.now()) / 1000)} s ahead`);
  await new Promise((resolve) => setTimeout(resolve, sendAt - Date.now() + SETTLE_MS));
  const later = await received('later|');
  const lateness = spread(later, sendAt);
  const distinct = new Set(later.map((node) => node.message)).size;
  log(
    `scheduled: ${later.length}/${expected} arrived, lateness p50 ${Math.round(lateness.p50)} ms, ` +
      `p99 ${Math.round(lateness.p99)} ms, max ${Math.round(lateness.max)} ms`,
  );
  return {
    directP50Ms: direct.p50,
    directP99Ms: direct.p99,
    latenessP50Ms: lateness.p50,
    latenessP99Ms: lateness.p99,
    latenessMaxMs: lateness.max,
    early: later.filter((node) => Date.parse(node.createdAt) < sendAt).length,
    missing: Math.max(0, expected - distinct),
    duplicates: later.length - distinct,
  };
}
