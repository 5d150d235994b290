import type { Router } from 'express';
import type { Services } from '../domain/services';
import { caller } from './chat.routes';
import { flatQuery, integerParam, objectBody } from './rest.input';
import { presentConversation, presentMember } from './rest.presenters';

/**
 * Groups for third parties, in the seed's style (`{ success, data }`): create, list members, add,
 * remove, leave. Sending, history, mark-read, hide and search take a group's id where the seed's
 * routes take a user id (chat.routes.ts).
 */
export function mountGroupRoutes(router: Router, services: Services): void {
  router.post('/groups', async (request, response) => {
    const { userId, users } = caller(response);
    const input = objectBody(request.body, '{ title, memberIds, clientRequestId? }');
    const group = await services.groups.create(userId, {
      title: input['title'],
      memberIds: input['memberIds'],
      clientRequestId: input['clientRequestId'],
    });
    response.status(201).json({ success: true, data: await presentConversation(group, users) });
  });

  router.get('/groups/:conversationId/members', async (request, response) => {
    const { userId, users } = caller(response);
    const query = flatQuery(request, ['limit', 'after']);
    const page = await services.groups.members(
      userId,
      request.params['conversationId'],
      integerParam(query['limit'], 'limit'),
      query['after'],
    );
    response.json({
      success: true,
      data: await Promise.all(page.members.map((member) => presentMember(member, users))),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
    });
  });

  router.post('/groups/:conversationId/members', async (request, response) => {
    const { userId, users } = caller(response);
    const input = objectBody(request.body, '{ userIds }');
    const group = await services.groups.addMembers(userId, request.params['conversationId'], input['userIds']);
    response.json({ success: true, data: await presentConversation(group, users) });
  });

  router.delete('/groups/:conversationId/members/:userId', async (request, response) => {
    const { userId, users } = caller(response);
    const group = await services.groups.removeMember(
      userId,
      request.params['conversationId'],
      request.params['userId'],
    );
    response.json({ success: true, data: await presentConversation(group, users) });
  });

  router.post('/groups/:conversationId/leave', async (request, response) => {
    await services.groups.leave(caller(response).userId, request.params['conversationId']);
    response.json({ success: true });
  });
}
