import { Agent } from 'node:http';
import { MongoClient, ObjectId, type Db } from 'mongodb';
import { percentiles } from '../measure/stats';
import { postGraphql } from '../systems/graphql-clients';
import { ProjectSystem } from '../systems/project';
import type { BenchUser, Datastores } from '../systems/system';
import { inBatches } from './traffic';

type Log = (message: string) => void;

/**
 * D's sizes: stored messages at each step (the first is the baseline the others are compared
 * with), requests per second and seconds per measure, and the largest size at which the native
 * driver's range query is also timed (on FerretDB it reads the whole conversation).
 */
export interface HistorySizes {
  readonly messages: readonly number[];
  readonly rate: number;
  readonly seconds: number;
  readonly nativeUpTo: number;
}

/** Conversations beside the two big ones; all of them the first user's (their list has them all). */
const SMALL_CONVERSATIONS = 100;
/** Messages per insertMany while seeding. */
const SEED_BATCH = 10_000;

const MESSAGES_QUERY =
  'query($t: ID!, $before: String) { messages(targetUserId: $t, first: 50, before: $before) { nodes { id seq message createdAt senderId } pageInfo { hasPreviousPage } } }';
const HISTORY_QUERY =
  'query($t: ID!, $page: Int) { chatHistory(targetUserId: $t, limit: 50, page: $page) { messages { id seq message createdAt senderId } pagination { total page } } }';
const SEND = 'mutation($t: ID!, $m: String!) { sendMessage(input: { targetUserId: $t, message: $m }) { id } }';
const SEARCH = 'query($t: ID!, $q: String!) { searchMessages(query: $q, targetUserId: $t, limit: 50) { id seq } }';
// As the web client lists conversations: previews, unread and mention counts, the other person.
const LIST =
  'query { conversations(limit: 50) { conversationId lastMessage unreadCount mentionCount otherUser { name } } }';

/**
 * D: history at scale. Grows one database through `sizes.messages` stored messages (half in one
 * conversation, a quarter in a second, the rest over 100 more, every one but the second the first
 * user's), restarting the project at each size, and measures at a fixed rate: the newest page and
 * a page halfway down the big conversation through the cursor API (`messages`) and the page API
 * (`chatHistory`), a send into it, the first user's conversation list and a search of the big
 * conversation for a phrase every message holds; and, while the size is
 * at most `nativeUpTo`, the native driver's range query for the same two pages. Keys are
 * `<size>:<measure><P50Ms|P99Ms>`; errors are counted per size.
 */
export async function historyAtScale(
  stores: Datastores,
  users: readonly BenchUser[],
  sizes: HistorySizes,
  log: Log,
): Promise<Record<string, number>> {
  const db = 'bench_history';
  const client = await new MongoClient(stores.mongoUrl(db)).connect();
  const results: Record<string, number> = {};
  try {
    // A fresh history each run; the users run.ts seeded stay.
    for (const { name } of await client.db().listCollections({}, { nameOnly: true }).toArray())
      if (name !== 'users') await client.db().dropCollection(name);
    const seeder = new HistorySeeder(client.db(), users, log);
    const [alice, bob] = [users[0]!, users[1]!];
    for (const size of sizes.messages) {
      const system = new ProjectSystem(false, db);
      await system.start(stores); // creates the indexes before the first seed; a fresh process per size
      const agent = new Agent({ keepAlive: true, maxSockets: 64 });
      try {
        await seeder.growTo(size);
        const { conversationId, lastSeq } = await seeder.big();
        const middle = Math.ceil(lastSeq / 2);
        const cursor = Buffer.from(`${conversationId}:${middle}`, 'utf8').toString('base64url');
        const native = client.db().collection('chatmessages');
        const call = (query: string, variables: object) => () =>
          postGraphql(system.apiPort(), agent, alice.token, query, variables);
        let sent = 0;
        const measures: Array<[string, () => Promise<void>]> = [
          ['pageTop', call(MESSAGES_QUERY, { t: bob.id, before: null })],
          ['pageDeep', call(MESSAGES_QUERY, { t: bob.id, before: cursor })],
          ['historyTop', call(HISTORY_QUERY, { t: bob.id, page: 1 })],
          ['historyDeep', call(HISTORY_QUERY, { t: bob.id, page: Math.floor((lastSeq - middle) / 50) + 1 })],
          ['send', () => call(SEND, { t: bob.id, m: `bench send ${(sent += 1)}` })()],
          ['list', call(LIST, {})],
          // Every seeded message says "history message": the newest 50 matches.
          ['searchRecent', call(SEARCH, { t: bob.id, q: 'history message' })],
        ];
        if (size <= sizes.nativeUpTo) {
          const page = (seq: object) => async () =>
            void (await native.find({ conversationId, seq, deletedAt: null }).sort({ seq: -1 }).limit(50).toArray());
          measures.push(['nativeTop', page({ $gt: 0 })], ['nativeDeep', page({ $gt: 0, $lt: middle })]);
        }
        let errors = 0;
        for (const [name, request] of measures) {
          log(`D ${size.toLocaleString('en')} messages: ${name} at ${sizes.rate} req/s for ${sizes.seconds} s`);
          const measured = await atFixedRate(sizes.rate, sizes.seconds, request);
          results[`${size}:${name}P50Ms`] = measured.p50;
          results[`${size}:${name}P99Ms`] = measured.p99;
          errors += measured.errors;
        }
        results[`${size}:errors`] = errors;
      } finally {
        agent.destroy();
        await system.stop();
      }
    }
    return results;
  } finally {
    await client.close();
  }
}

async function atFixedRate(
  rate: number,
  seconds: number,
  call: () => Promise<void>,
): Promise<{ p50: number; p99: number; errors: number }> {
  await call().catch(() => undefined); // warm
  const latencies: number[] = [];
  let errors = 0;
  const inflight: Promise<void>[] = [];
  const total = Math.max(1, Math.round(rate * seconds));
  const start = performance.now();
  for (let i = 0; i < total; i += 1) {
    const wait = start + (i * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const began = performance.now();
    inflight.push(
      call().then(
        () => void latencies.push(performance.now() - began),
        (error: unknown) => {
          errors += 1;
          if (errors <= 3) process.stderr.write(`D request failed: ${String(error).slice(0, 300)}\n`);
        },
      ),
    );
  }
  await Promise.all(inflight);
  const [p50, p99] = percentiles(latencies, [50, 99]);
  return { p50: p50 ?? Number.NaN, p99: p99 ?? Number.NaN, errors };
}

interface Planned {
  readonly conversationId: string;
  readonly a: BenchUser;
  readonly b: BenchUser;
  readonly share: number;
}

/**
 * Writes the skewed history straight into the project's collections, in the service's layout
 * (messages, conversation documents, inbox entries), growing it size by size: each conversation
 * continues from the `lastSeq` its document records (sends measured at a smaller size included).
 */
class HistorySeeder {
  private readonly plan: Planned[];
  private written = 0;

  constructor(
    private readonly db: Db,
    users: readonly BenchUser[],
    private readonly log: Log,
  ) {
    const pair = (a: BenchUser, b: BenchUser, share: number): Planned => ({
      conversationId: a.id < b.id ? `${a.id}_${b.id}` : `${b.id}_${a.id}`,
      a,
      b,
      share,
    });
    this.plan = [
      pair(users[0]!, users[1]!, 0.5),
      pair(users[2]!, users[3]!, 0.25),
      ...Array.from({ length: SMALL_CONVERSATIONS }, (_, i) =>
        pair(users[0]!, users[4 + i]!, 0.25 / SMALL_CONVERSATIONS),
      ),
    ];
  }

  async big(): Promise<{ conversationId: string; lastSeq: number }> {
    const { conversationId } = this.plan[0]!;
    return { conversationId, lastSeq: await this.lastSeqOf(conversationId) };
  }

  /** Adds messages until `total` were seeded in all (its shares of them to each conversation). */
  async growTo(total: number): Promise<void> {
    const adding = total - this.written;
    if (adding <= 0) return;
    const started = performance.now();
    let added = 0;
    let lastLog = 0;
    for (const [index, planned] of this.plan.entries()) {
      const target = Math.round(total * planned.share);
      const already = Math.round(this.written * planned.share);
      const count = index === this.plan.length - 1 ? adding - added : target - already;
      if (count <= 0) continue;
      const from = (await this.lastSeqOf(planned.conversationId)) + 1;
      const jobs: Array<() => Promise<void>> = [];
      for (let first = from; first < from + count; first += SEED_BATCH) {
        const last = Math.min(from + count - 1, first + SEED_BATCH - 1);
        jobs.push(async () => {
          await this.db.collection('chatmessages').insertMany(this.messages(planned, first, last), { ordered: false });
          added += last - first + 1;
          if (performance.now() - lastLog > 5000 || added === adding) {
            lastLog = performance.now();
            const rate = Math.round(added / ((lastLog - started) / 1000));
            this.log(
              `seeded ${(this.written + added).toLocaleString('en')}/${total.toLocaleString('en')} messages (${rate}/s)`,
            );
          }
        });
      }
      await inBatches(jobs, 2);
      await this.record(planned, from + count - 1);
    }
    this.written = total;
  }

  private messages(planned: Planned, first: number, last: number): object[] {
    const docs = [];
    const base = Date.UTC(2026, 0, 1);
    for (let seq = first; seq <= last; seq += 1) {
      const [sender, receiver] = seq % 2 === 0 ? [planned.a, planned.b] : [planned.b, planned.a];
      const at = new Date(base + seq * 1000);
      docs.push({
        conversationId: planned.conversationId,
        senderId: new ObjectId(sender.id),
        receiverId: new ObjectId(receiver.id),
        message: `history message ${seq} of ${planned.conversationId}`,
        messageType: 'text',
        attachmentUrl: null,
        isRead: true,
        readAt: null,
        deletedAt: null,
        seq,
        clientMessageId: `seed-${seq}`,
        createdAt: at,
        updatedAt: at,
      });
    }
    return docs;
  }

  private async lastSeqOf(conversationId: string): Promise<number> {
    const doc = await this.db
      .collection<{ _id: string; state?: { lastSeq?: number } }>('conversations')
      .findOne({ _id: conversationId });
    return doc?.state?.lastSeq ?? 0;
  }

  /** The conversation document and both inbox entries, as the service keeps them (everything read). */
  private async record(planned: Planned, lastSeq: number): Promise<void> {
    const participants = [planned.a.id, planned.b.id].sort();
    const member = { unreadCount: 0, readSeq: lastSeq, clearedSeq: 0, hidden: false };
    const now = new Date();
    const conversations = this.db.collection<{ _id: string }>('conversations');
    const existing = await conversations.findOne({ _id: planned.conversationId });
    if (!existing) {
      await conversations.insertOne({
        _id: planned.conversationId,
        participants,
        state: {
          fence: 0,
          version: 1,
          lastSeq,
          lastActivityAt: now,
          lastMessage: null,
          lastMessageTime: now,
          members: Object.fromEntries(participants.map((id) => [id, member])),
        },
      } as { _id: string });
      await this.db.collection<{ _id: string }>('inboxes').insertMany(
        participants.map((userId) => ({
          _id: `${userId}|${planned.conversationId}`,
          userId,
          conversationId: planned.conversationId,
        })),
      );
      return;
    }
    await conversations.updateOne(
      { _id: planned.conversationId },
      {
        $set: {
          'state.lastSeq': lastSeq,
          'state.lastActivityAt': now,
          'state.lastMessageTime': now,
          'state.members': Object.fromEntries(participants.map((id) => [id, member])),
        },
      },
    );
  }
}
