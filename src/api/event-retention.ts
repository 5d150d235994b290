import type { TimelineService } from '../domain/timeline/timeline.service';
import type { Logger } from '../logging/logger';

/** How often an API instance deletes conversation events past the retention window. @default 1 h */
const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Deletes events older than EVENT_RETENTION_DAYS: at start, then hourly. Every API instance runs
 * it; the delete is idempotent, so instances need no coordination. Returns a stop function.
 */
export function startEventRetention(timeline: TimelineService, logger: Logger): () => void {
  const sweep = () =>
    timeline.prune().then(
      (deleted) => deleted > 0 && logger.info({ deleted }, 'deleted conversation events past retention'),
      (error: unknown) => logger.warn({ err: error }, 'event retention sweep failed; retried next hour'),
    );
  void sweep();
  const timer = setInterval(() => void sweep(), SWEEP_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
