import { useServer } from 'graphql-ws/use/ws';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { WebSocketServer } from 'ws';
import type { Config } from '../config/config';
import { MAX_WS_PAYLOAD_BYTES } from '../domain/limits';
import type { Logger } from '../logging/logger';
import type { Runtime } from '../runtime/runtime';
import { graphqlWsOptions, type SocketState } from './graphql-ws.options';
import { startPresenceHeartbeat } from './presence-heartbeat';
import { sendSharedPayloads } from './shared-frames';
import { operatorRoutes } from './ws.http';
import { registerWsMetrics } from './ws.metrics';
import { WsStats } from './ws.stats';

export interface WsServer {
  readonly port: number;
  readonly url: string;
  readonly stats: WsStats;
  /** Closes every socket with 1001 (clients reconnect elsewhere and resume), then the port. */
  close(): Promise<void>;
}

/** Starts the WS service: graphql-ws at `/graphql`, plus `GET /health`, `/stats` and `/metrics`. */
export async function startWsServer(config: Config, runtime: Runtime, logger: Logger): Promise<WsServer> {
  const stats = new WsStats();
  registerWsMetrics(runtime.metrics, stats);
  const instanceId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const heartbeat = await startPresenceHeartbeat(
    runtime.services.presence,
    instanceId,
    config.presenceHeartbeatMs,
    logger,
  );

  const httpServer = createServer(operatorRoutes(config, runtime, stats));
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: MAX_WS_PAYLOAD_BYTES });
  // ws re-emits the HTTP server's errors (e.g. EADDRINUSE), which the listen below already reports.
  wsServer.on('error', () => undefined);
  wsServer.on('connection', (socket) => {
    sendSharedPayloads(socket);
    stats.socketOpened();
    socket.once('close', () => stats.socketClosed());
  });
  const graphqlWs = useServer<Record<string, unknown>, SocketState>(
    graphqlWsOptions(config, runtime, stats, instanceId, logger),
    wsServer,
    // Pings at this interval; a socket that has not answered by the next ping is terminated.
    config.wsKeepAliveMs,
  );
  // Runs after graphql-ws's own 'connection' listener (registration order), so its socket 'error'
  // listener exists to be replaced. Socket errors are the client's doing (a frame over maxPayload,
  // invalid UTF-8, a reset) and ws has already closed the socket with the right code (1009, 1007):
  // graphql-ws would print each with console.error and a stack trace, letting any client write
  // unstructured lines to the logs at will. One structured debug line instead.
  wsServer.on('connection', (socket) => {
    socket.removeAllListeners('error');
    socket.on('error', (error: Error & { code?: string }) =>
      logger.debug({ code: error.code, reason: error.message }, 'WebSocket closed on a client error'),
    );
  });

  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.websocketPort, config.bindHost, () => resolve());
    });
  } catch (error) {
    await graphqlWs.dispose();
    await heartbeat.stop();
    throw error;
  }
  const { port } = httpServer.address() as AddressInfo;
  logger.info({ port }, 'ws service listening');

  return {
    port,
    url: `ws://127.0.0.1:${port}/graphql`,
    stats,
    async close() {
      // graphql-ws closes every client with 1001 "Going away" and closes the WebSocket server.
      await graphqlWs.dispose();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      // Whatever disconnects did not record yet, the reap does (each user is announced once).
      await heartbeat.stop();
    },
  };
}
