import type { PresenceService } from '../domain/presence/presence.service';
import type { Logger } from '../logging/logger';

/** Misses after which the other instances presume this one dead and reap its users. */
const MISSES_BEFORE_PRESUMED_DEAD = 3;

export interface PresenceHeartbeat {
  /** Stops the heartbeat and takes this instance's users offline (each announced once). */
  stop(): Promise<void>;
}

/**
 * Keeps this WS instance's presence entry alive every `intervalMs` and reaps instances whose
 * heartbeat lapsed. Presence is best effort: a Redis hiccup is logged, never fatal.
 */
export async function startPresenceHeartbeat(
  presence: PresenceService,
  instanceId: string,
  intervalMs: number,
  logger: Logger,
): Promise<PresenceHeartbeat> {
  const ttlMs = intervalMs * MISSES_BEFORE_PRESUMED_DEAD;
  const failed = (error: unknown) => logger.warn({ err: error }, 'presence heartbeat failed');
  const timer = setInterval(() => void presence.tick(instanceId, ttlMs).catch(failed), intervalMs);
  timer.unref();
  await presence.tick(instanceId, ttlMs).catch(failed);
  return {
    async stop() {
      clearInterval(timer);
      await presence.instanceGone(instanceId).catch(failed);
    },
  };
}
