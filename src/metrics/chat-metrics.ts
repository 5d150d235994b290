import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ChatObserver } from '../domain/observer';

/** Prometheus metrics of one service instance (own registry, so several can share a process in tests). */
export class ChatMetrics implements ChatObserver {
  readonly registry = new Registry();
  private readonly stored: Counter;
  private readonly duplicates: Counter;
  private readonly delivered: Counter;
  private readonly latency: Histogram;
  private readonly resumes: Counter<'via'>;
  private readonly resyncs: Counter;
  private readonly userQueries: Counter;
  private readonly refusedSends: Counter;
  private readonly leftovers: Counter;

  constructor(service: 'api' | 'ws') {
    this.registry.setDefaultLabels({ service });
    // Process metrics, including nodejs_eventloop_lag_seconds.
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.stored = new Counter({
      name: 'chat_messages_sent_total',
      help: 'Messages stored (confirmed to their sender)',
      registers,
    });
    this.duplicates = new Counter({
      name: 'chat_duplicate_sends_total',
      help: 'Sends answered with the original message because their clientMessageId was already used',
      registers,
    });
    this.delivered = new Counter({
      name: 'chat_messages_delivered_total',
      help: 'Live messages handed to subscribers',
      registers,
    });
    this.latency = new Histogram({
      name: 'chat_delivery_latency_seconds',
      help: 'From a message being stored to its delivery to a subscriber',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.resumes = new Counter({
      name: 'chat_resumes_total',
      help: 'Catch-ups from a cursor',
      labelNames: ['via'],
      registers,
    });
    this.resyncs = new Counter({
      name: 'chat_full_resyncs_total',
      help: 'Conversation loads without a cursor',
      registers,
    });
    this.userQueries = new Counter({
      name: 'chat_user_queries_total',
      help: 'Queries sent to the users collection to resolve sender, receiver and other user fields',
      registers,
    });
    this.refusedSends = new Counter({
      name: 'chat_sends_refused_total',
      help: 'Sends refused with SERVICE_UNAVAILABLE because the instance held its maximum in flight',
      registers,
    });
    this.leftovers = new Counter({
      name: 'chat_leftover_messages_folded_total',
      help: 'Messages a stalled or crashed writer stored without recording, folded in by a later writer',
      registers,
    });
  }

  /** A gauge whose value is read when Prometheus scrapes. */
  gauge(name: string, help: string, read: () => number | Promise<number>): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        this.set(await read());
      },
    });
  }

  /** A labelled gauge filled at scrape time. */
  labelledGauge<L extends string>(
    name: string,
    help: string,
    label: L,
    read: () => Promise<Record<string, number>> | Record<string, number>,
  ): void {
    new Gauge<L>({
      name,
      help,
      labelNames: [label],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [value, count] of Object.entries(await read()))
          this.set({ [label]: value } as Record<L, string>, count);
      },
    });
  }

  messageStored(): void {
    this.stored.inc();
  }

  duplicateSendCaught(): void {
    this.duplicates.inc();
  }

  sendRefused(): void {
    this.refusedSends.inc();
  }

  leftoverFolded(): void {
    this.leftovers.inc();
  }

  messageDelivered(createdAt: Date): void {
    this.delivered.inc();
    this.latency.observe(Math.max(0, (Date.now() - createdAt.getTime()) / 1000));
  }

  resumed(via: 'subscription' | 'page'): void {
    this.resumes.inc({ via });
  }

  fullResync(): void {
    this.resyncs.inc();
  }

  /** One batched query for user profiles (not part of ChatObserver: the front doors count it). */
  userQueried(): void {
    this.userQueries.inc();
  }
}
