import { ChatError } from '../domain/errors';

const UNAVAILABLE_ERROR_NAMES = new Set([
  'MongoServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongooseServerSelectionError',
]);

/**
 * Server codes a replica set answers while it elects a primary or a member restarts: the
 * operation did not run (or, for a write-concern timeout, may have run; every write here is
 * idempotent), and the same request succeeds once a primary is back. The driver labels most of
 * them `RetryableWriteError` too; the codes also cover reads.
 */
const TRANSIENT_SERVER_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  64, // WriteConcernFailed (w: majority not reached in time)
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/** MongoDB's (and FerretDB's) code for a write a unique index refused. */
export const DUPLICATE_KEY = 11000;

export function isDuplicateKeyError(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === DUPLICATE_KEY;
}

/**
 * True for driver errors that mean "the database cannot serve this right now" (retryable): it
 * cannot be reached, or a replica set is between primaries.
 */
export function isDatastoreUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, message, code, hasErrorLabel } = error as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    hasErrorLabel?: unknown;
  };
  if (typeof name === 'string' && UNAVAILABLE_ERROR_NAMES.has(name)) return true;
  if (typeof code === 'number' && TRANSIENT_SERVER_CODES.has(code)) return true;
  if (typeof hasErrorLabel === 'function' && hasErrorLabel.call(error, 'RetryableWriteError') === true) return true;
  if (name === 'MongoWriteConcernError') return true;
  // With bufferCommands off, mongoose refuses operations on a closed connection with this text.
  return typeof message === 'string' && message.includes('Client must be connected before running operations');
}

/** Rethrows a driver error meaning "the database cannot be reached" as the domain's retryable SERVICE_UNAVAILABLE. */
export function rethrowAsDomainError(error: unknown): never {
  if (isDatastoreUnavailable(error))
    throw ChatError.unavailable('The database is unavailable right now; retry shortly', error);
  throw error;
}

/**
 * Wraps a MongoDB-backed adapter so that every method that fails because the database cannot be
 * reached fails with the domain's retryable SERVICE_UNAVAILABLE instead, and the front doors never
 * need to know driver error names. Other errors pass through untouched.
 */
export function translateDatastoreErrors<T extends object>(adapter: T): T {
  return new Proxy(adapter, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        try {
          const result: unknown = value.apply(target, args);
          return result instanceof Promise ? result.catch(rethrowAsDomainError) : result;
        } catch (error) {
          return rethrowAsDomainError(error);
        }
      };
    },
  });
}
