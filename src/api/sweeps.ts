import type { TimelineService } from '../domain/timeline/timeline.service';
import type { AttachmentService } from '../domain/attachment/attachment.service';
import type { ScheduledMessageService } from '../domain/scheduling/scheduled-message.service';
import type { UserId } from '../domain/ids';
import type { Logger } from '../logging/logger';
import { runPeriodically } from './periodic';

/** How often an API instance deletes conversation events past the retention window. @default 1 h */
const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Deletes events older than EVENT_RETENTION_DAYS: at start, then hourly. Every API instance runs
 * it; the delete is idempotent, so instances need no coordination. Returns a stop function.
 */
export function startEventRetention(timeline: TimelineService, logger: Logger): () => Promise<void> {
  return runPeriodically(
    async () => {
      const deleted = await timeline.prune();
      if (deleted > 0) logger.info({ deleted }, 'deleted conversation events past retention');
    },
    SWEEP_INTERVAL_MS,
    logger,
    'event retention sweep',
  );
}

/**
 * Deletes uploads never sent within ATTACHMENT_UNSENT_TTL_SECONDS, checking at least every half
 * of it (every second at most, every hour at least). Idempotent like the event sweep.
 */
export function startAttachmentSweep(
  attachments: AttachmentService,
  unsentTtlSeconds: number,
  logger: Logger,
): () => Promise<void> {
  const intervalMs = Math.min(SWEEP_INTERVAL_MS, Math.max(1_000, (unsentTtlSeconds * 1000) / 2));
  return runPeriodically(
    async () => {
      const deleted = await attachments.sweep();
      if (deleted > 0) logger.info({ deleted }, 'deleted uploads that were never sent');
    },
    intervalMs,
    logger,
    'attachment sweep',
  );
}

/**
 * The sender loop of scheduled messages: every SCHEDULER_POLL_MS, sends what is due, and sets a
 * timer for each one due before the next round, so it goes at its moment rather than up to a
 * round late. Every API instance runs it; a Redis lock per message decides which one sends it
 * (scheduling/), and a timer that fires on a message already sent finds it settled.
 */
export function startScheduledSender(
  scheduled: ScheduledMessageService,
  pollMs: number,
  logger: Logger,
): () => Promise<void> {
  const timers = new Map<string, NodeJS.Timeout>();
  const inFlight = new Set<Promise<unknown>>();
  const sendAtItsMoment = (senderId: UserId, id: string, sendAt: Date) => {
    if (timers.has(id)) return;
    const timer = setTimeout(
      () => {
        timers.delete(id);
        const sending = scheduled
          .sendNow(senderId, id)
          .catch((error: unknown) =>
            logger.warn({ err: error, id }, 'scheduled message not sent at its moment; the next round tries'),
          )
          .finally(() => inFlight.delete(sending));
        inFlight.add(sending);
      },
      Math.max(0, sendAt.getTime() - Date.now()),
    );
    timers.set(id, timer.unref());
  };
  const stop = runPeriodically(
    async () => {
      const { settled, retrying } = await scheduled.sendDue();
      if (settled > 0) logger.debug({ settled }, 'scheduled messages settled');
      if (retrying > 0) logger.warn({ retrying }, 'scheduled messages could not be sent yet; retrying');
      for (const { senderId, id, sendAt } of await scheduled.dueBy(new Date(Date.now() + pollMs)))
        sendAtItsMoment(senderId, id, sendAt);
    },
    pollMs,
    logger,
    'scheduled message round',
  );
  return async () => {
    await stop();
    for (const timer of timers.values()) clearTimeout(timer);
    timers.clear();
    await Promise.all(inFlight);
  };
}
