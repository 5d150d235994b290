import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express, { type NextFunction, type Request, type Response } from 'express';
import { GraphQLError } from 'graphql';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { identify } from '../auth/jwt';
import { operatorAllowed } from '../auth/operator';
import type { Config } from '../config/config';
import { ChatError } from '../domain/errors';
import { describeBytes, MAX_BODY_BYTES } from '../domain/limits';
import { createUserLoader } from '../edge/user.loader';
import { createContext, type ChatContext } from '../graphql/context';
import { formatGraphQLError } from '../graphql/errors';
import { PARSE_OPTIONS, protectionRules } from '../graphql/protection';
import type { Logger } from '../logging/logger';
import type { Runtime } from '../runtime/runtime';
import { chatRoutes } from '../rest/chat.routes';
import { openApiDocument } from '../rest/openapi';
import { demoRoutes } from './demo.route';
import { startAttachmentSweep, startEventRetention, startScheduledSender } from './sweeps';
import { graphiqlRoutes } from './graphiql.route';
import { healthHandler, livenessHandler } from './health.route';
import { requestLogging } from './request-logging';
import { webClientRoutes } from './web-client.route';

export interface ApiServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

function corsOptions(config: Config): cors.CorsOptions {
  const allowAll = config.clientOrigins.includes('*');
  return {
    origin: allowAll ? true : [...config.clientOrigins],
    credentials: !allowAll,
    maxAge: 600,
  };
}

/** Turns an `Authorization` header into the caller's id; a bad token fails the whole request with 401. */
function httpIdentity(authorization: string | undefined, config: Config): ChatContext['userId'] {
  try {
    return identify(authorization, config.jwtSecret)?.userId ?? null;
  } catch (error) {
    const message = error instanceof ChatError ? error.message : 'Invalid token';
    throw new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
  }
}

/** Body-parser failures (too large, malformed JSON) answered as GraphQL errors, not HTML pages. */
function graphqlBodyErrorHandler(error: unknown, _request: Request, response: Response, next: NextFunction): void {
  const status = (error as { status?: unknown }).status;
  if (typeof status !== 'number' || status < 400 || status >= 500) return next(error);
  const tooLarge = status === 413;
  response.status(status).json({
    errors: [
      {
        message: tooLarge
          ? `Request body is larger than ${describeBytes(MAX_BODY_BYTES)}`
          : 'Request body is not valid JSON',
        extensions: { code: tooLarge ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST' },
      },
    ],
  });
}

/**
 * Subscriptions need a socket: over HTTP they would run the resolver without one and fail as an
 * internal error, so they are refused up front with a pointer to the WS service.
 */
function subscriptionsOverWsOnly(websocketPort: number): ApolloServerPlugin<ChatContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== 'subscription') return;
          throw new GraphQLError(
            `Subscriptions run over graphql-ws on the WS service (port ${websocketPort}, path /graphql), not over HTTP`,
            { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } },
          );
        },
      };
    },
  };
}

/** Starts the API service: GraphQL over HTTP at `/graphql` and `GET /health`. */
export async function startApiServer(config: Config, runtime: Runtime, logger: Logger): Promise<ApiServer> {
  const app = express();
  app.disable('x-powered-by');
  app.use(requestLogging(logger));
  const httpServer: Server = createServer(app);

  const apollo = new ApolloServer<ChatContext>({
    schema: runtime.schema,
    introspection: config.nodeEnv !== 'production',
    hideSchemaDetailsFromClientErrors: config.nodeEnv === 'production',
    // Introspection is governed by `introspection` above; the other limits match graphql-ws's.
    validationRules: protectionRules(false),
    parseOptions: PARSE_OPTIONS,
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    stopOnTerminationSignals: false, // main.ts owns shutdown order

    formatError: (formatted, error) =>
      error instanceof GraphQLError
        ? formatGraphQLError(error, logger)
        : { ...formatted, message: 'Internal server error' },
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      subscriptionsOverWsOnly(config.websocketPort),
    ],
    logger: {
      debug: (message) => logger.debug(message),
      info: (message) => logger.info(message),
      warn: (message) => logger.warn(message),
      error: (message) => logger.error(message),
    },
  });
  await apollo.start();

  app.get(['/health', '/health/ready'], healthHandler(runtime, 'api'));
  app.get('/health/live', livenessHandler('api'));
  app.get('/metrics', async (request, response) => {
    if (!operatorAllowed(request.headers.authorization, config.statsToken)) {
      response.status(401).json({
        success: false,
        error: { code: 'UNAUTHENTICATED', message: 'Send Authorization: Bearer <STATS_TOKEN>' },
      });
      return;
    }
    response.type(runtime.metrics.registry.contentType).send(await runtime.metrics.registry.metrics());
  });
  app.use('/graphiql', graphiqlRoutes(config.websocketPort));
  const newUserLoader = () => createUserLoader(runtime.users, { onQuery: () => runtime.metrics.userQueried() });
  app.use(webClientRoutes(config.websocketPort));
  if (config.nodeEnv !== 'production') app.use('/demo', demoRoutes(runtime.users, config.jwtSecret));
  app.get('/api/openapi.json', cors(corsOptions(config)), (_request, response) => {
    response.json(openApiDocument);
  });
  app.use(
    '/api/chat',
    cors(corsOptions(config)),
    chatRoutes({
      services: runtime.services,
      newUserLoader,
      jwtSecret: config.jwtSecret,
      logger,
      maxBodyBytes: MAX_BODY_BYTES,
      attachmentMaxBytes: config.attachmentMaxBytes,
    }),
  );
  app.use(
    '/graphql',
    cors(corsOptions(config)),
    express.json({ limit: MAX_BODY_BYTES }),
    expressMiddleware(apollo, {
      context: async ({ req }) =>
        createContext(httpIdentity(req.headers.authorization, config), runtime.services, newUserLoader()),
    }),
  );

  app.use(graphqlBodyErrorHandler);

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.apiPort, config.bindHost, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  logger.info({ port }, 'api service listening');
  const stopRetention = startEventRetention(runtime.services.timeline, logger.child({ component: 'retention' }));
  const stopAttachmentSweep = startAttachmentSweep(
    runtime.services.attachments,
    config.attachmentUnsentTtlSeconds,
    logger.child({ component: 'attachments' }),
  );
  const stopScheduledSender = startScheduledSender(
    runtime.services.scheduled,
    config.schedulerPollMs,
    logger.child({ component: 'scheduler' }),
  );

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await Promise.all([stopRetention(), stopAttachmentSweep(), stopScheduledSender()]);
      await apollo.stop(); // drains open requests, then closes the HTTP server
    },
  };
}
