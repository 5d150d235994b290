import { cleanEnv, EnvMissingError, makeValidator, str, type ReporterOptions } from 'envalid';
import {
  DEFAULT_ATTACHMENT_MAX_BYTES,
  DEFAULT_ATTACHMENT_UNSENT_TTL_SECONDS,
  DEFAULT_EVENT_RETENTION_DAYS,
  DEFAULT_SCHEDULE_MIN_LEAD_SECONDS,
  DEFAULT_MAX_GROUP_MEMBERS,
  DEFAULT_MAX_REACTIONS_PER_MESSAGE,
  DEFAULT_SEND_MAX_IN_FLIGHT,
  DEFAULT_TYPING_EXPIRY_MS,
} from '../domain/limits';

/** Thrown when an environment variable is missing or malformed; the message names the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Fixed secret used outside production so `npm start` needs no set-up; logged as a warning. */
export const DEVELOPMENT_JWT_SECRET = 'development-only-secret-do-not-use-in-production';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A TCP port; 0 asks the OS for a free one (tests use it). */
const tcpPort = makeValidator<number>((input) => {
  const value = Number(input);
  if (!/^\d+$/.test(input.trim()) || !Number.isInteger(value) || value < 0 || value > 65535) {
    throw new Error('must be an integer port between 0 and 65535');
  }
  return value;
});

const positiveInteger = makeValidator<number>((input) => {
  const value = Number(input);
  if (!/^\d+$/.test(input.trim()) || value <= 0) throw new Error('must be a positive integer');
  return value;
});

/** A group has at least its creator and one other member. */
const groupSize = makeValidator<number>((input) => {
  const value = Number(input);
  if (!/^\d+$/.test(input.trim()) || value < 2) throw new Error('must be an integer of at least 2');
  return value;
});

const mongoUrl = makeValidator<string>((input) => {
  if (!/^mongodb(\+srv)?:\/\/.+/.test(input)) throw new Error('must be a mongodb:// or mongodb+srv:// URI');
  return input;
});

const redisUrl = makeValidator<string>((input) => {
  if (!/^rediss?:\/\/.+/.test(input)) throw new Error('must be a redis:// or rediss:// URL');
  return input;
});

/** `host:port,host:port` (Sentinel or Cluster seed nodes); hosts may be names or IPv4/IPv6 literals. */
const hostPortList = makeValidator<readonly HostPort[]>((input) => {
  const nodes = input
    .split(',')
    .map((node) => node.trim())
    .filter((node) => node.length > 0)
    .map((node) => {
      const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(node);
      const port = Number(match?.[2]);
      if (!match?.[1] || port < 1 || port > 65535) throw new Error(`"${node}" is not host:port`);
      return Object.freeze({ host: match[1].replace(/^\[|\]$/g, ''), port });
    });
  if (nodes.length === 0) throw new Error('must list at least one host:port');
  return Object.freeze(nodes);
});

const originList = makeValidator<readonly string[]>((input) => {
  const origins = input
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin.length > 0);
  for (const origin of origins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new Error(`"${origin}" is not an origin like http://localhost:3000 (no path, no trailing slash)`);
    }
  }
  return Object.freeze(origins);
});

const secret = makeValidator<string>((input) => {
  if (input.length < 16) throw new Error('must be at least 16 characters');
  return input;
});

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/**
 * The Redis deployment every Redis use of a process goes to (pub/sub, leases, presence, rate
 * limits): one server (`REDIS_URL`), a Sentinel-managed primary (`REDIS_SENTINELS` +
 * `REDIS_SENTINEL_NAME`), or a Cluster (`REDIS_CLUSTER_NODES`, seed nodes; the rest is discovered).
 */
export type RedisTopology =
  | { readonly kind: 'single'; readonly url: string }
  | { readonly kind: 'sentinel'; readonly sentinels: readonly HostPort[]; readonly name: string }
  | { readonly kind: 'cluster'; readonly nodes: readonly HostPort[] };

/** Everything the services read from the environment, parsed once and frozen. */
export interface Config {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly databaseUrl: string;
  /** `REDIS_URL`; the deployment actually used is {@link Config.redis}. */
  readonly redisUrl: string;
  readonly redis: RedisTopology;
  readonly apiPort: number;
  readonly websocketPort: number;
  /** Interface both services listen on; loopback unless a container needs 0.0.0.0. */
  readonly bindHost: string;
  readonly jwtSecret: string;
  /** True when `jwtSecret` is the built-in development secret. */
  readonly usingDevelopmentSecret: boolean;
  readonly clientOrigins: readonly string[];
  readonly logLevel: LogLevel;
  /** How often a WS instance refreshes its presence heartbeat; it is presumed dead after 3 misses. */
  readonly presenceHeartbeatMs: number;
  /** A typing state not refreshed within this long ends by itself with `isTyping: false`. */
  readonly typingExpiryMs: number;
  /**
   * Sends one API instance accepts at a time (queued or being written); past it a send is refused
   * at once with the retryable SERVICE_UNAVAILABLE (503 + Retry-After over REST).
   */
  readonly sendMaxInFlight: number;
  /** Most members a group may have (2 at least); createGroup and addMembers refuse more. */
  readonly maxGroupMembers: number;
  /** Distinct emoji one message may carry; a new one past it is refused. */
  readonly maxReactionsPerMessage: number;
  /** Days conversation events stay resumable; older cursors answer RESYNC_REQUIRED. */
  readonly eventRetentionDays: number;
  /** Groups: only the owner and admins pin and unpin (PIN_REQUIRES_ADMIN=off lets every member). */
  readonly pinRequiresAdmin: boolean;
  /** How long a conversation lease lives unless renewed (renewed every third of it while held). */
  readonly leaseTtlMs: number;
  /** Per-user rate limits (RATE_LIMITS=off disables them, for load tests and the test suite). */
  readonly rateLimits: boolean;
  readonly wsMaxSubscriptionsPerSocket: number;
  readonly wsMaxSocketsPerUser: number;
  /** Subscriptions one user may hold at once across their sockets on one WS instance. */
  readonly maxSubscriptionsPerUser: number;
  /** graphql-ws ping interval; a socket that misses a pong until the next ping is terminated. */
  readonly wsKeepAliveMs: number;
  /** Largest attachment upload, in bytes (over it: 413, nothing stored). */
  readonly attachmentMaxBytes: number;
  /** An upload never sent (nor scheduled) is deleted this long after its upload. */
  readonly attachmentUnsentTtlSeconds: number;
  /** How soon a scheduled message may be due, at the earliest. */
  readonly scheduleMinLeadSeconds: number;
  /** How often each API instance looks for scheduled messages that are due. */
  readonly schedulerPollMs: number;
  /** When set, the operator endpoints `GET /stats` and `GET /metrics` require `Authorization: Bearer <STATS_TOKEN>`. */
  readonly statsToken: string | null;
  /**
   * Connections to the database this process opens at most (`DATABASE_POOL_SIZE`). Every process
   * against one store together must stay under what it serves: FerretDB on SQLite hangs for good
   * once more writes are in flight than its own pool of 100. @default 16 (six processes: 96)
   */
  readonly databasePoolSize: number;
}

/** See {@link Config.databasePoolSize}. */
export const DEFAULT_DATABASE_POOL_SIZE = 16;

function throwingReporter({ errors }: ReporterOptions<Record<string, unknown>>): void {
  const [name, error] = Object.entries(errors)[0] ?? [];
  if (name === undefined) return;
  if (error instanceof EnvMissingError) throw new ConfigError(`Invalid environment: ${name} is required`);
  const reason = error instanceof Error && error.message ? error.message : 'is invalid';
  throw new ConfigError(`Invalid environment: ${name} ${reason}`);
}

/**
 * Parses and validates the environment. Throws {@link ConfigError} naming the first bad variable.
 * Outside production every variable has a working default; in production `JWT_SECRET`,
 * `DATABASE_URL` and a Redis (`REDIS_URL`, `REDIS_SENTINELS` or `REDIS_CLUSTER_NODES`) are required.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const nodeEnvRaw = env.NODE_ENV?.trim() || 'development';
  if (!['development', 'production', 'test'].includes(nodeEnvRaw)) {
    throw new ConfigError(
      `Invalid environment: NODE_ENV must be one of development, production, test (got "${nodeEnvRaw}")`,
    );
  }
  const nodeEnv = nodeEnvRaw as Config['nodeEnv'];
  const production = nodeEnv === 'production';
  const redisElsewhere = Boolean(env.REDIS_SENTINELS?.trim() || env.REDIS_CLUSTER_NODES?.trim());
  const input: Record<string, string | undefined> = { ...env, NODE_ENV: nodeEnv };
  // envalid treats an empty string as "set"; an empty variable is far more likely a templating slip.
  for (const [key, value] of Object.entries(input)) if (value === '') delete input[key];

  const cleaned = cleanEnv(
    input,
    {
      DATABASE_URL: mongoUrl(production ? {} : { default: 'mongodb://127.0.0.1:27017/chat' }),
      REDIS_URL: redisUrl(production && !redisElsewhere ? {} : { default: 'redis://127.0.0.1:6379' }),
      REDIS_SENTINELS: hostPortList({ default: undefined }),
      REDIS_SENTINEL_NAME: str({ default: undefined }),
      REDIS_CLUSTER_NODES: hostPortList({ default: undefined }),
      API_PORT: tcpPort({ default: 5000 }),
      WEBSOCKET_PORT: tcpPort({ default: 8000 }),
      BIND_HOST: str({ default: '127.0.0.1', desc: 'interface to listen on' }),
      JWT_SECRET: secret(production ? {} : { default: DEVELOPMENT_JWT_SECRET }),
      CLIENT_URL: originList({ default: Object.freeze(['http://localhost:3000', 'http://localhost:5173']) }),
      STATS_TOKEN: str({ default: '' }),
      WS_KEEP_ALIVE_MS: positiveInteger({ default: 12_000 }),
      WS_MAX_SUBSCRIPTIONS_PER_SOCKET: positiveInteger({ default: 50 }),
      WS_MAX_SOCKETS_PER_USER: positiveInteger({ default: 20 }),
      MAX_SUBSCRIPTIONS_PER_USER: positiveInteger({ default: 100 }),
      RATE_LIMITS: str({ choices: ['on', 'off'], default: 'on' }),
      PRESENCE_HEARTBEAT_MS: positiveInteger({ default: 5_000 }),
      TYPING_EXPIRY_MS: positiveInteger({ default: DEFAULT_TYPING_EXPIRY_MS }),
      SEND_MAX_IN_FLIGHT: positiveInteger({ default: DEFAULT_SEND_MAX_IN_FLIGHT }),
      MAX_GROUP_MEMBERS: groupSize({ default: DEFAULT_MAX_GROUP_MEMBERS }),
      MAX_REACTIONS_PER_MESSAGE: positiveInteger({ default: DEFAULT_MAX_REACTIONS_PER_MESSAGE }),
      EVENT_RETENTION_DAYS: positiveInteger({ default: DEFAULT_EVENT_RETENTION_DAYS }),
      PIN_REQUIRES_ADMIN: str({ choices: ['on', 'off'], default: 'on' }),
      LEASE_TTL_MS: positiveInteger({ default: 5_000 }),
      ATTACHMENT_MAX_BYTES: positiveInteger({ default: DEFAULT_ATTACHMENT_MAX_BYTES }),
      ATTACHMENT_UNSENT_TTL_SECONDS: positiveInteger({ default: DEFAULT_ATTACHMENT_UNSENT_TTL_SECONDS }),
      SCHEDULE_MIN_LEAD_SECONDS: positiveInteger({ default: DEFAULT_SCHEDULE_MIN_LEAD_SECONDS }),
      SCHEDULER_POLL_MS: positiveInteger({ default: 1_000 }),
      DATABASE_POOL_SIZE: positiveInteger({ default: DEFAULT_DATABASE_POOL_SIZE }),
      LOG_LEVEL: str({ choices: LOG_LEVELS, default: nodeEnv === 'test' ? 'silent' : 'info' }),
      NODE_ENV: str({ choices: ['development', 'production', 'test'] }),
    },
    { reporter: throwingReporter },
  );

  return Object.freeze({
    nodeEnv,
    databaseUrl: cleaned.DATABASE_URL,
    redisUrl: cleaned.REDIS_URL,
    redis: redisTopology(
      cleaned.REDIS_URL,
      cleaned.REDIS_SENTINELS,
      cleaned.REDIS_SENTINEL_NAME,
      cleaned.REDIS_CLUSTER_NODES,
    ),
    apiPort: cleaned.API_PORT,
    websocketPort: cleaned.WEBSOCKET_PORT,
    bindHost: cleaned.BIND_HOST,
    jwtSecret: cleaned.JWT_SECRET,
    usingDevelopmentSecret: cleaned.JWT_SECRET === DEVELOPMENT_JWT_SECRET,
    clientOrigins: cleaned.CLIENT_URL,
    logLevel: cleaned.LOG_LEVEL as LogLevel,
    presenceHeartbeatMs: cleaned.PRESENCE_HEARTBEAT_MS,
    typingExpiryMs: cleaned.TYPING_EXPIRY_MS,
    sendMaxInFlight: cleaned.SEND_MAX_IN_FLIGHT,
    maxGroupMembers: cleaned.MAX_GROUP_MEMBERS,
    maxReactionsPerMessage: cleaned.MAX_REACTIONS_PER_MESSAGE,
    eventRetentionDays: cleaned.EVENT_RETENTION_DAYS,
    pinRequiresAdmin: cleaned.PIN_REQUIRES_ADMIN === 'on',
    leaseTtlMs: cleaned.LEASE_TTL_MS,
    attachmentMaxBytes: cleaned.ATTACHMENT_MAX_BYTES,
    attachmentUnsentTtlSeconds: cleaned.ATTACHMENT_UNSENT_TTL_SECONDS,
    scheduleMinLeadSeconds: cleaned.SCHEDULE_MIN_LEAD_SECONDS,
    schedulerPollMs: cleaned.SCHEDULER_POLL_MS,
    rateLimits: cleaned.RATE_LIMITS === 'on',
    wsMaxSubscriptionsPerSocket: cleaned.WS_MAX_SUBSCRIPTIONS_PER_SOCKET,
    wsMaxSocketsPerUser: cleaned.WS_MAX_SOCKETS_PER_USER,
    maxSubscriptionsPerUser: cleaned.MAX_SUBSCRIPTIONS_PER_USER,
    statsToken: cleaned.STATS_TOKEN || null,
    wsKeepAliveMs: cleaned.WS_KEEP_ALIVE_MS,
    databasePoolSize: cleaned.DATABASE_POOL_SIZE,
  });
}

function redisTopology(
  url: string,
  sentinels: readonly HostPort[] | undefined,
  sentinelName: string | undefined,
  clusterNodes: readonly HostPort[] | undefined,
): RedisTopology {
  if (clusterNodes && sentinels) {
    throw new ConfigError('Invalid environment: set REDIS_CLUSTER_NODES or REDIS_SENTINELS, not both');
  }
  if (clusterNodes) return Object.freeze({ kind: 'cluster', nodes: clusterNodes });
  if (sentinels) {
    if (!sentinelName?.trim()) {
      throw new ConfigError('Invalid environment: REDIS_SENTINEL_NAME is required with REDIS_SENTINELS');
    }
    return Object.freeze({ kind: 'sentinel', sentinels, name: sentinelName.trim() });
  }
  if (sentinelName) throw new ConfigError('Invalid environment: REDIS_SENTINEL_NAME needs REDIS_SENTINELS');
  return Object.freeze({ kind: 'single', url });
}
