import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { identify } from '../auth/jwt';
import { ChatError } from '../domain/errors';
import type { UserId } from '../domain/ids';
import type { Services } from '../domain/services';
import type { Logger } from '../logging/logger';
import type { UserLoader } from '../edge/user.loader';
import { restErrorHandler, sendError } from './rest.errors';
import { mountAttachmentRoutes } from './attachment.routes';
import { mountGroupRoutes } from './group.routes';
import { assertNoOperatorKeys, flatQuery, integerParam, objectBody, targetOf } from './rest.input';
import { userEventView } from '../domain/timeline/user-event.view';
import { presentConversation, presentMessage, presentUserEvent } from './rest.presenters';

export interface RestDependencies {
  readonly services: Services;
  /** A fresh user loader for one request (batches, caches for the request's life). */
  readonly newUserLoader: () => UserLoader;
  readonly jwtSecret: string;
  readonly logger: Logger;
  /** Largest JSON body, in bytes. */
  readonly maxBodyBytes: number;
  /** Largest attachment upload, in bytes. */
  readonly attachmentMaxBytes: number;
}

export interface Caller {
  readonly userId: UserId;
  readonly users: UserLoader;
}

export const caller = (response: Response): Caller => response.locals as unknown as Caller;

/**
 * The seed's REST routes under /api/chat, on the same service layer as GraphQL, so the two can
 * never disagree. Shapes follow the seed's JSON examples; errors are
 * `{ success: false, error: { code, message } }` with the matching HTTP status.
 */
export function chatRoutes(deps: RestDependencies): Router {
  const { services } = deps;
  const router = express.Router();

  router.use((request: Request, response: Response, next: NextFunction) => {
    const identity = identify(request.headers.authorization, deps.jwtSecret);
    if (!identity) throw ChatError.unauthenticated();
    response.locals['userId'] = identity.userId;
    response.locals['users'] = deps.newUserLoader();
    next();
  });
  router.use(express.json({ limit: deps.maxBodyBytes }));
  router.use((request: Request, _response: Response, next: NextFunction) => {
    assertNoOperatorKeys(request.body);
    next();
  });

  router.get('/conversations', async (request, response) => {
    const { userId, users } = caller(response);
    const { limit } = flatQuery(request, ['limit']);
    const conversations = await services.conversations.list(userId, integerParam(limit, 'limit'));
    response.json({ success: true, data: await Promise.all(conversations.map((c) => presentConversation(c, users))) });
  });

  router.get('/history/:targetUserId', async (request, response) => {
    const { userId, users } = caller(response);
    const query = flatQuery(request, ['limit', 'page']);
    const page = await services.messages.history(
      userId,
      targetOf(request.params['targetUserId']),
      integerParam(query['limit'], 'limit'),
      integerParam(query['page'], 'page'),
    );
    response.json({
      success: true,
      data: await Promise.all(page.messages.map((message) => presentMessage(message, users))),
      pagination: { total: page.total, page: page.page, limit: page.limit, pages: page.pages },
    });
  });

  router.get('/unread-count', async (request, response) => {
    flatQuery(request, []);
    response.json({ success: true, unreadCount: await services.conversations.unreadCount(caller(response).userId) });
  });

  router.put('/mark-read/:targetUserId', async (request, response) => {
    const markedCount = await services.conversations.markConversationRead(
      caller(response).userId,
      targetOf(request.params['targetUserId']),
    );
    response.json({ success: true, markedCount });
  });

  router.delete('/message/:messageId', async (request, response) => {
    await services.changes.delete(caller(response).userId, request.params['messageId']);
    response.json({ success: true });
  });

  router.delete('/conversation/:targetUserId', async (request, response) => {
    await services.conversations.hide(caller(response).userId, targetOf(request.params['targetUserId']));
    response.json({ success: true });
  });

  router.get('/search', async (request, response) => {
    const { userId, users } = caller(response);
    const query = flatQuery(request, ['query', 'targetUserId', 'limit']);
    const found = await services.messages.search(
      userId,
      query['query'],
      query['targetUserId'] === undefined ? {} : targetOf(query['targetUserId']),
      integerParam(query['limit'], 'limit'),
    );
    response.json({ success: true, data: await Promise.all(found.map((message) => presentMessage(message, users))) });
  });

  // userEvents for integrations without a WebSocket: the same pages and cursors as the GraphQL query.
  router.get('/events', async (request, response) => {
    const { userId, users } = caller(response);
    const query = flatQuery(request, ['after', 'first']);
    const page = await services.userEvents.page(userId, query['after'], integerParam(query['first'], 'first'));
    response.json({
      success: true,
      data: await Promise.all(page.events.map((event) => presentUserEvent(userEventView(event), users))),
      endCursor: page.endCursor,
      hasMore: page.hasMore,
    });
  });

  router.post('/messages', async (request, response) => {
    const { userId, users } = caller(response);
    const input = objectBody(
      request.body,
      '{ targetUserId or conversationId, message, messageType?, attachmentUrl?, attachmentIds?, clientMessageId? }',
    );
    const sent = await services.messages.send(userId, {
      targetUserId: input['targetUserId'],
      conversationId: input['conversationId'],
      message: input['message'],
      messageType: input['messageType'],
      attachmentUrl: input['attachmentUrl'],
      attachmentIds: input['attachmentIds'],
      clientMessageId: input['clientMessageId'],
    });
    response.status(201).json({ success: true, data: await presentMessage(sent, users) });
  });

  mountGroupRoutes(router, services);
  mountAttachmentRoutes(router, services, deps.attachmentMaxBytes, deps.logger);

  router.use((_request: Request, response: Response) => sendError(response, ChatError.notFound('No such route')));
  router.use(restErrorHandler(deps.logger));
  return router;
}
