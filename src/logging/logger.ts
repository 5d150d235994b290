import pino, { type Logger } from 'pino';
import type { LogLevel } from '../config/config';

export type { Logger };

/** Structured JSON logger; one per process, children per component. Quiet at `info`: start, stop, faults. */
export function createLogger(level: LogLevel, service: string): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Tokens never reach the logs; message text is not logged at any level by our code.
    redact: ['req.headers.authorization', 'req.headers.cookie', 'connectionParams'],
  });
}
