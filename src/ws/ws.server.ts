import { CloseCode } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { randomBytes } from 'node:crypto';
import { GraphQLError, type DocumentNode } from 'graphql';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { identify, type Identity } from '../auth/jwt';
import { operatorAllowed } from '../auth/operator';
import type { Config } from '../config/config';
import { ChatError, QueueOverflowError } from '../domain/errors';
import { createContext } from '../graphql/context';
import { formatGraphQLError } from '../graphql/errors';
import { parseWithLimits, validatorWithLimits } from '../graphql/protection';
import type { Logger } from '../logging/logger';
import { healthReport, type Runtime } from '../runtime/runtime';
import { WsStats } from './ws.stats';

/** Largest WebSocket frame accepted; `ws` would take 100 MiB otherwise. @default 64 KiB */
export const MAX_WS_PAYLOAD_BYTES = 64 * 1024;
/** How long a socket may stay open without `connection_init` (then close 4408). @default 3000 ms */
export const CONNECTION_INIT_TIMEOUT_MS = 3_000;

/** WebSocket close code for a server going down; clients should reconnect and resume. */
const GOING_AWAY = 1001;

export interface WsServer {
  readonly port: number;
  readonly url: string;
  readonly stats: WsStats;
  close(): Promise<void>;
}

/** Retryable close codes (graphql-ws clients reconnect on them). */
const CLOSE_TRY_AGAIN_LATER = 1013;
const CLOSE_POLICY_VIOLATION = 1008;

/** Caps per WS instance; configurable through the environment (see config). */
export interface WsLimits {
  /** Operations open at once on one socket. @default 50 */
  readonly maxSubscriptionsPerSocket: number;
  /** Sockets one user may hold on one instance. @default 20 */
  readonly maxSocketsPerUser: number;
}

/** Longest delay setTimeout takes (~24.8 days); later expiries are reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Closes the socket with 4403 when its token expires; the client reconnects with a fresh token
 * and resumes. Returns a handle whose `cancel` stops the countdown.
 */
function scheduleExpiry(socket: WebSocket, expiresAt: Date | null): { cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    if (!expiresAt) return;
    const remaining = Math.max(0, expiresAt.getTime() - Date.now());
    timer = setTimeout(
      () =>
        remaining > MAX_TIMER_MS
          ? arm()
          : socket.close(CloseCode.Forbidden, 'Token expired: reconnect with a new token'),
      Math.min(remaining, MAX_TIMER_MS),
    );
    timer.unref();
  };
  arm();
  return { cancel: () => clearTimeout(timer) };
}

/** Per-socket state graphql-ws carries for us in `ctx.extra`. */
interface SocketState extends Extra {
  identity?: Identity;
  expiry?: { cancel(): void };
  /** This socket's live subscriptions: operation id -> root field. */
  subscriptionIds?: Map<string, string>;
}

/** `connection_init` payload: `{ authorization: "Bearer <token>" }` or `{ token: "<token>" }`. */
function tokenFromConnectionParams(params: unknown): unknown {
  if (typeof params !== 'object' || params === null) return undefined;
  const { authorization, Authorization, token } = params as Record<string, unknown>;
  return authorization ?? Authorization ?? token;
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

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

/** Starts the WS service: graphql-ws at `/graphql`, plus `GET /health`, `/stats` and `/metrics`. */
export async function startWsServer(config: Config, runtime: Runtime, logger: Logger): Promise<WsServer> {
  const stats = new WsStats();
  runtime.metrics.gauge('chat_ws_connections', 'Open WebSocket connections', () => stats.snapshot().connections);
  runtime.metrics.gauge('chat_ws_connected_users', 'Distinct users connected', () => stats.snapshot().connectedUsers);
  runtime.metrics.labelledGauge('chat_ws_subscriptions', 'Live subscriptions by root field', 'field', () =>
    stats.subscriptionsByField(),
  );
  const production = config.nodeEnv === 'production';
  const limits: WsLimits = {
    maxSubscriptionsPerSocket: config.wsMaxSubscriptionsPerSocket,
    maxSocketsPerUser: config.wsMaxSocketsPerUser,
  };
  const validateWithLimits = validatorWithLimits(production);
  const instanceId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const presence = runtime.services.presence;
  // Presence is best effort: a Redis hiccup must not refuse or break a connection.
  const presenceFailed = (error: unknown) => logger.warn({ err: String(error) }, 'presence update failed');
  const heartbeatTtlMs = config.presenceHeartbeatMs * 3;
  const heartbeat = setInterval(
    () => void presence.tick(instanceId, heartbeatTtlMs).catch(presenceFailed),
    config.presenceHeartbeatMs,
  );
  heartbeat.unref();
  await presence.tick(instanceId, heartbeatTtlMs).catch(presenceFailed);

  const httpServer = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && path === '/health/live')
      return sendJson(response, 200, { status: 'ok', service: 'ws' });
    if (request.method === 'GET' && (path === '/health' || path === '/health/ready')) {
      void healthReport(runtime, 'ws').then((report) => sendJson(response, report.status, report.body));
      return;
    }
    const operatorPath = path === '/stats' || path === '/metrics';
    if (
      request.method === 'GET' &&
      operatorPath &&
      !operatorAllowed(request.headers.authorization, config.statsToken)
    ) {
      return sendJson(response, 401, {
        success: false,
        error: { code: 'UNAUTHENTICATED', message: 'Send Authorization: Bearer <STATS_TOKEN>' },
      });
    }
    if (request.method === 'GET' && path === '/metrics') {
      void runtime.metrics.registry.metrics().then((text) => {
        response.writeHead(200, { 'content-type': runtime.metrics.registry.contentType });
        response.end(text);
      });
      return;
    }
    if (request.method === 'GET' && path === '/stats') return sendJson(response, 200, stats.snapshot());
    sendJson(response, 404, {
      success: false,
      error: { code: 'NOT_FOUND', message: 'Use ws://…/graphql, /health, /stats or /metrics' },
    });
  });

  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: MAX_WS_PAYLOAD_BYTES });
  // ws re-emits the HTTP server's errors (e.g. EADDRINUSE), which the listen below already reports.
  wsServer.on('error', () => undefined);
  wsServer.on('connection', (socket) => {
    stats.socketOpened();
    socket.once('close', () => stats.socketClosed());
  });

  const state = (ctx: { extra: unknown }): SocketState => ctx.extra as SocketState;

  const graphqlWs = useServer(
    {
      schema: runtime.schema,
      // Parsing and validation happen here rather than inside graphql-ws, where a parse error
      // (e.g. over the token limit) would close the whole socket instead of failing one operation.
      onSubscribe: (ctx, _id, payload) => {
        // graphql-ws has already registered this operation, so the count includes it.
        if (Object.keys(ctx.subscriptions).length > limits.maxSubscriptionsPerSocket) {
          return [
            new GraphQLError(`At most ${limits.maxSubscriptionsPerSocket} operations at once on one connection`, {
              extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
            }),
          ];
        }
        let document: DocumentNode;
        try {
          document = parseWithLimits(payload.query);
        } catch (error) {
          const message = error instanceof Error ? error.message : 'Invalid query';
          return [new GraphQLError(message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
        }
        const errors = validateWithLimits(runtime.schema, document);
        if (errors.length > 0) return errors;
        return {
          schema: runtime.schema,
          document,
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
        };
      },
      connectionInitWaitTimeout: CONNECTION_INIT_TIMEOUT_MS,
      onConnect: async (ctx) => {
        try {
          const identity = identify(tokenFromConnectionParams(ctx.connectionParams), config.jwtSecret);
          if (!identity) return false; // graphql-ws closes with 4403 Forbidden
          const limited = await runtime.services.rateLimiter.consume(identity.userId, 'connect').then(
            () => null,
            (error: unknown) => (error instanceof ChatError && error.code === 'RATE_LIMITED' ? error : null),
          );
          if (limited) {
            // 1013 "try again later": graphql-ws clients retry it (they treat 4429 as fatal).
            ctx.extra.socket.close(CLOSE_TRY_AGAIN_LATER, limited.message.slice(0, 120));
            return false;
          }
          if (stats.socketsOf(identity.userId) >= limits.maxSocketsPerUser) {
            ctx.extra.socket.close(
              CLOSE_POLICY_VIOLATION,
              `At most ${limits.maxSocketsPerUser} connections per user on one instance`,
            );
            return false;
          }
          state(ctx).identity = identity;
          state(ctx).subscriptionIds = new Map();
          state(ctx).expiry = scheduleExpiry(ctx.extra.socket, identity.expiresAt);
          stats.userJoined(identity.userId);
          void presence.connected(identity.userId, instanceId).catch(presenceFailed);
          return true;
        } catch {
          return false;
        }
      },
      context: (ctx) => createContext(state(ctx).identity?.userId ?? null, runtime.services, runtime.users, 'ws'),
      onOperation: (ctx, id, _payload, args, result) => {
        if (Symbol.asyncIterator in Object(result)) {
          const field = rootField(args.document) ?? 'unknown';
          state(ctx).subscriptionIds?.set(id, field);
          stats.subscriptionStarted(field);
        }
      },
      onNext: (ctx, id, _payload, _args, result) => {
        if (state(ctx).subscriptionIds?.has(id)) stats.eventDelivered();
        if (!result.errors) return;
        return { ...result, errors: result.errors.map((error) => formatGraphQLError(error, logger, production)) };
      },
      onError: (ctx, _id, _payload, errors) => {
        if (errors.some((error) => error.originalError instanceof QueueOverflowError)) {
          // A client that stopped reading: drop it rather than buffer without bound; it resumes from its cursor.
          ctx.extra.socket.close(CLOSE_TRY_AGAIN_LATER, 'Too far behind; reconnect and resume');
        }
        return errors.map((error) => formatGraphQLError(error, logger, production));
      },
      onComplete: (ctx, id) => {
        const field = state(ctx).subscriptionIds?.get(id);
        if (field !== undefined && state(ctx).subscriptionIds?.delete(id)) stats.subscriptionEnded(field);
      },
      onClose: (ctx) => state(ctx).expiry?.cancel(),
      onDisconnect: (ctx) => {
        const identity = state(ctx).identity;
        if (!identity) return;
        stats.userLeft(identity.userId);
        void presence.disconnected(identity.userId, instanceId).catch(presenceFailed);
      },
    },
    wsServer,
    // Pings at this interval; a socket that has not answered by the next ping is terminated.
    config.wsKeepAliveMs,
  );

  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.websocketPort, config.bindHost, () => resolve());
    });
  } catch (error) {
    clearInterval(heartbeat);
    await graphqlWs.dispose();
    throw error;
  }
  const { port } = httpServer.address() as AddressInfo;
  logger.info({ port }, 'ws service listening');

  return {
    port,
    url: `ws://127.0.0.1:${port}/graphql`,
    stats,
    async close() {
      clearInterval(heartbeat);
      for (const socket of wsServer.clients) socket.close(GOING_AWAY, 'Server shutting down');
      await graphqlWs.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      // Whatever disconnects did not record yet, the reap does (each user is announced once).
      await presence.instanceGone(instanceId).catch(presenceFailed);
    },
  };
}
