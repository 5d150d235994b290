import { getOperationAST, GraphQLError, type DocumentNode, type ExecutionResult } from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import type { Extra } from 'graphql-ws/use/ws';
import { identify, type Identity } from '../auth/jwt';
import type { Config } from '../config/config';
import { ChatError, QueueOverflowError } from '../domain/errors';
import { CONNECTION_INIT_TIMEOUT_MS } from '../domain/limits';
import { createSharedUserLoader, ExpiringCache } from '../edge/user.loader';
import { createContext } from '../graphql/context';
import { formatGraphQLError } from '../graphql/errors';
import { parseWithLimits, validatorWithLimits } from '../graphql/protection';
import type { Logger } from '../logging/logger';
import type { Runtime } from '../runtime/runtime';
import { SharedExecution } from './shared-execution';
import { SlowLane } from './slow-lane';
import { stageSharedPayload } from './shared-frames';
import { SubscriptionQuota, type SocketSubscriptions } from './subscription-quota';
import { scheduleExpiry } from './token-expiry';
import type { WsStats } from './ws.stats';

/** Retryable close code (graphql-ws clients reconnect on it; they treat 4429 as fatal). */
const CLOSE_TRY_AGAIN_LATER = 1013;
const CLOSE_POLICY_VIOLATION = 1008;
/** Subscription texts whose parsed, validated document is kept for reuse. @default 1,000 */
const MAX_CACHED_DOCUMENTS = 1_000;
/**
 * A user holding more subscriptions than this on an instance has their later ones' events wait in
 * the slow lane (slow-lane.ts). The web client holds seven today (one once it uses userEvents).
 * @default 10
 */
const SLOW_LANE_SUBSCRIPTIONS = 10;
/** Longer texts are parsed each time (they are rare, and would make the cache large). @default 4096 */
const MAX_CACHED_QUERY_LENGTH = 4_096;

/** What graphql-ws keeps for us per socket, typed through its generics (`ctx.extra`). */
export type SocketState = {
  /** Set once `connection_init` carried a valid token. */
  identity: Identity;
  expiry: { cancel(): void };
  /** This socket's live subscriptions: operation id -> root field. */
  subscriptionIds: Map<string, string>;
  /** This socket's subscriptions as the per-user quota counts them. */
  quotaSlots: SocketSubscriptions;
  /**
   * This socket's presence registration, settled. Its disconnection waits for it: the registration
   * is several Redis commands, and a socket that closed meanwhile was counted after its own
   * disconnection, which left the user online for good.
   */
  presenceJoined: Promise<void>;
};

/** `ctx.extra` as graphql-ws' `use/ws` hands it to every hook. */
type SocketExtra = Extra & Partial<SocketState>;

/** `connection_init` payload: `{ authorization: "Bearer <token>" }` or `{ token: "<token>" }`. */
function tokenFromConnectionParams(params: Readonly<Record<string, unknown>> | undefined): unknown {
  return params?.['authorization'] ?? params?.['Authorization'] ?? params?.['token'];
}

/** The root field of the operation (`newMessage`, `typing`, ...), for per-type counts. */
function rootField(document: DocumentNode): string | null {
  for (const definition of document.definitions) {
    if (definition.kind !== 'OperationDefinition') continue;
    const first = definition.selectionSet.selections[0];
    return first?.kind === 'Field' ? first.name.value : null;
  }
  return null;
}

/**
 * graphql-ws' hooks for this service: authentication and connection limits on `connection_init`,
 * the same parse limits, validation rules and error formatting as the HTTP API, per-socket token
 * expiry, and the counters behind `/stats`. Presence is told of joins and leaves.
 */
export function graphqlWsOptions(
  config: Config,
  runtime: Runtime,
  stats: WsStats,
  instanceId: string,
  logger: Logger,
): ServerOptions<Record<string, unknown>, SocketExtra> {
  const production = config.nodeEnv === 'production';
  // Caps per WS instance: WS_MAX_SUBSCRIPTIONS_PER_SOCKET and WS_MAX_SOCKETS_PER_USER.
  const { wsMaxSubscriptionsPerSocket: maxSubscriptions, wsMaxSocketsPerUser: maxSockets } = config;
  const validateWithLimits = validatorWithLimits(production);
  const { presence, rateLimiter } = runtime.services;
  // Presence is best effort: a Redis hiccup must not refuse or break a connection.
  const presenceFailed = (error: unknown) => logger.warn({ err: error }, 'presence update failed');
  const format = (error: GraphQLError) => formatGraphQLError(error, logger, production);
  const formatResult = (result: ExecutionResult) =>
    result.errors ? { ...result, errors: result.errors.map(format) } : result;
  const quota = new SubscriptionQuota(config.maxSubscriptionsPerUser);
  const slowLane = new SlowLane();
  const slowTurn = () => slowLane.turn();
  const shared = new SharedExecution({
    executed: () => stats.eventExecuted(),
    // Checked when each subscription starts: a user past the line stays in the lane for its life.
    waitFor: (context) =>
      context.userId !== null && quota.countOf(context.userId) > SLOW_LANE_SUBSCRIPTIONS ? slowTurn : null,
  });
  // One loader for every subscription of this process: an event fanned out to N subscribers
  // resolves `sender`/`receiver` with at most one query, and none while the profiles are cached.
  const users = createSharedUserLoader(runtime.users, { onQuery: () => runtime.metrics.userQueried() });
  // Clients send the same few subscription texts thousands of times: one parsed, validated
  // document per text (graphql-js never mutates an AST) instead of one per subscription, which
  // each idle connection held three of. The schema is fixed for the process's life.
  const validDocuments = new ExpiringCache<string, DocumentNode>(Number.POSITIVE_INFINITY, MAX_CACHED_DOCUMENTS);

  /** The identity in `connection_init`; null (graphql-ws answers 4403) when absent or invalid. */
  const authenticate = (params: Readonly<Record<string, unknown>> | undefined): Identity | null => {
    try {
      return identify(tokenFromConnectionParams(params), config.jwtSecret);
    } catch (error) {
      if (error instanceof ChatError && error.code === 'UNAUTHENTICATED') return null;
      throw error; // a bug, not a bad token: graphql-ws logs it and closes with 4500
    }
  };

  /** RATE_LIMITED for this connection attempt, or null when it may proceed. */
  const connectLimit = async (identity: Identity): Promise<ChatError | null> => {
    try {
      await rateLimiter.consume(identity.userId, 'connect');
      return null;
    } catch (error) {
      if (error instanceof ChatError && error.code === 'RATE_LIMITED') return error;
      // The limiter already falls back to memory while Redis is down; anything else is a bug.
      logger.error({ err: error, userId: identity.userId }, 'connection rate limiter failed');
      throw error;
    }
  };

  return {
    schema: runtime.schema,
    subscribe: shared.subscribe,
    connectionInitWaitTimeout: CONNECTION_INIT_TIMEOUT_MS,
    onConnect: async (ctx) => {
      const identity = authenticate(ctx.connectionParams);
      if (!identity) return false;
      const limited = await connectLimit(identity);
      if (limited) {
        ctx.extra.socket.close(CLOSE_TRY_AGAIN_LATER, limited.message.slice(0, 120));
        return false;
      }
      if (stats.socketsOf(identity.userId) >= maxSockets) {
        ctx.extra.socket.close(CLOSE_POLICY_VIOLATION, `At most ${maxSockets} connections per user on one instance`);
        return false;
      }
      ctx.extra.identity = identity;
      // graphql-ws keeps the upgrade request (headers, raw headers, stream state: about 2 KB) in
      // `extra` for the socket's whole life; nothing reads it after this point, so let it go.
      Reflect.deleteProperty(ctx.extra, 'request');
      ctx.extra.subscriptionIds = new Map();
      ctx.extra.quotaSlots = new Map();
      ctx.extra.expiry = scheduleExpiry(ctx.extra.socket, identity.expiresAt);
      stats.userJoined(identity.userId);
      ctx.extra.presenceJoined = presence.connected(identity.userId, instanceId).catch(presenceFailed);
      return true;
    },
    // Parsing and validation happen here rather than inside graphql-ws, where a parse error
    // (e.g. over the token limit) would close the whole socket instead of failing one operation.
    onSubscribe: (ctx, id, payload) => {
      // graphql-ws has already registered this operation, so the count includes it.
      if (Object.keys(ctx.subscriptions).length > maxSubscriptions) {
        return [
          new GraphQLError(`At most ${maxSubscriptions} operations at once on one connection`, {
            extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
          }),
        ];
      }
      let document = validDocuments.get(payload.query);
      if (!document) {
        try {
          document = parseWithLimits(payload.query);
        } catch (error) {
          const message = error instanceof Error ? error.message : 'Invalid query';
          return [new GraphQLError(message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
        }
        const errors = validateWithLimits(runtime.schema, document);
        if (errors.length > 0) return errors;
        if (payload.query.length <= MAX_CACHED_QUERY_LENGTH) validDocuments.set(payload.query, document);
      }
      const { identity, quotaSlots } = ctx.extra;
      if (identity && quotaSlots && getOperationAST(document, payload.operationName)?.operation === 'subscription') {
        const refused = quota.reserve(quotaSlots, identity.userId, id, payload);
        if (refused) return [refused];
      }
      return {
        schema: runtime.schema,
        document,
        operationName: payload.operationName ?? null,
        variableValues: payload.variables ?? null,
      };
    },
    context: (ctx) => createContext(ctx.extra.identity?.userId ?? null, runtime.services, users),
    onOperation: (ctx, id, _payload, args, result) => {
      if (!(Symbol.asyncIterator in Object(result))) return;
      const field = rootField(args.document) ?? 'unknown';
      ctx.extra.subscriptionIds?.set(id, field);
      stats.subscriptionStarted(field);
    },
    onNext: (ctx, id, _payload, _args, result) => {
      if (ctx.extra.subscriptionIds?.has(id)) stats.eventDelivered();
      const json = shared.sharedPayload(result, formatResult);
      if (json !== null) return stageSharedPayload(ctx.extra.socket, id, json);
      if (!result.errors) return;
      return formatResult(result);
    },
    onError: (ctx, _id, _payload, errors) => {
      if (errors.some((error) => error.originalError instanceof QueueOverflowError)) {
        // A client that stopped reading: drop it rather than buffer without bound; it resumes from its cursor.
        ctx.extra.socket.close(CLOSE_TRY_AGAIN_LATER, 'Too far behind; reconnect and resume');
      }
      return errors.map(format);
    },
    onComplete: (ctx, id) => {
      const { identity, quotaSlots } = ctx.extra;
      if (identity && quotaSlots) quota.release(quotaSlots, identity.userId, id);
      const field = ctx.extra.subscriptionIds?.get(id);
      if (field !== undefined && ctx.extra.subscriptionIds?.delete(id)) stats.subscriptionEnded(field);
    },
    onClose: (ctx) => {
      ctx.extra.expiry?.cancel();
      // Slots whose subscription never reached onComplete (it failed before it started).
      const { identity, quotaSlots } = ctx.extra;
      if (identity && quotaSlots) quota.releaseAll(quotaSlots, identity.userId);
    },
    onDisconnect: (ctx) => {
      const identity = ctx.extra.identity;
      if (!identity) return;
      stats.userLeft(identity.userId);
      void (ctx.extra.presenceJoined ?? Promise.resolve())
        .then(() => presence.disconnected(identity.userId, instanceId))
        .catch(presenceFailed);
    },
  };
}
