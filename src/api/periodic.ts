import type { Logger } from '../logging/logger';

/**
 * Runs `task` now and then every `intervalMs`, never two rounds at once (a slow round delays the
 * next rather than piling up). A failed round is logged and the next one tries again. Returns a
 * stop function that resolves once a round in progress has finished.
 */
export function runPeriodically(
  task: () => Promise<void>,
  intervalMs: number,
  logger: Logger,
  what: string,
): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let round: Promise<void> = Promise.resolve();
  const tick = () => {
    round = task()
      .catch((error: unknown) => logger.warn({ err: error }, `${what} failed; tried again next round`))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs).unref();
      });
  };
  tick();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await round;
  };
}
