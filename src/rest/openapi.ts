import {
  MAX_ATTACHMENTS_PER_MESSAGE,
  DEFAULT_MAX_GROUP_MEMBERS,
  DEFAULT_PAGE_SIZE,
  MAX_CLIENT_MESSAGE_ID_LENGTH,
  MAX_GROUP_TITLE_LENGTH,
  MAX_MEMBERS_PER_CALL,
  MAX_MESSAGE_LENGTH,
  MAX_PAGE_SIZE,
  MAX_SEARCH_LENGTH,
} from '../domain/limits';

/**
 * OpenAPI 3.1 description of the REST compatibility routes, served at GET /api/openapi.json.
 * A test validates real responses against it, so it cannot drift from what the routes send.
 */
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [String(status), { description: 'Error', ...json(ref('Error')) }]));
const USER_ID = '^[0-9a-fA-F]{24}$';
const GROUP_ID = '^g_[0-9a-f]{24}$';
const userIdParam = (name: string) => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: USER_ID },
});
/** The seed's routes take the other user's id; they take a group's id (or a pair's "<a>_<b>") too. */
const targetParam = (name: string) => ({
  name,
  in: 'path',
  required: true,
  description: "The other user's id, or a conversation id (a group's g_<24 hex>).",
  schema: {
    type: 'string',
    anyOf: [{ pattern: USER_ID }, { pattern: GROUP_ID }, { pattern: '^[0-9a-f]{24}_[0-9a-f]{24}$' }],
  },
});
const groupIdParam = {
  name: 'conversationId',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: GROUP_ID },
};
const groupResponse = (description: string) => ({
  description,
  ...json({
    ...success,
    required: ['success', 'data'],
    properties: { ...success.properties, data: ref('Conversation') },
  }),
});
const ok = (schema: object) => ({ description: 'OK', ...json(schema) });
const pageSize = { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE };
const limitParam = { name: 'limit', in: 'query', schema: { ...pageSize, default: DEFAULT_PAGE_SIZE } };
const success = {
  type: 'object',
  required: ['success'],
  properties: { success: { const: true } },
  additionalProperties: false,
};

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Chat REST compatibility API',
    version: '1.0.0',
    description:
      'The routes of the Socket.io design this service replaces, with the same JSON shapes. Every route needs ' +
      '`Authorization: Bearer <token>`. Errors are `{ success: false, error: { code, message } }`.',
  },
  servers: [{ url: 'http://localhost:5000' }],
  security: [{ bearer: [] }],
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    schemas: {
      Error: {
        type: 'object',
        required: ['success', 'error'],
        properties: {
          success: { const: false },
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: {
                enum: [
                  'BAD_USER_INPUT',
                  'UNAUTHENTICATED',
                  'FORBIDDEN',
                  'NOT_FOUND',
                  'CONFLICT',
                  'RESYNC_REQUIRED',
                  'BLOCKED',
                  'PAYLOAD_TOO_LARGE',
                  'RATE_LIMITED',
                  'INTERNAL_SERVER_ERROR',
                  'SERVICE_UNAVAILABLE',
                ],
              },
              message: { type: 'string' },
              field: { type: 'string' },
            },
          },
        },
      },
      UserRef: {
        type: 'object',
        required: ['_id', 'name'],
        properties: { _id: { type: 'string' }, name: { type: ['string', 'null'] } },
        additionalProperties: false,
      },
      UserWithEmail: {
        type: 'object',
        required: ['_id', 'name', 'email'],
        properties: {
          _id: { type: 'string' },
          name: { type: ['string', 'null'] },
          email: { type: ['string', 'null'] },
        },
        additionalProperties: false,
      },
      Conversation: {
        type: 'object',
        description:
          "The seed's shape. A group's entry has otherUserId and otherUser null, and says kind, title, memberCount and viewerRole.",
        required: ['conversationId', 'lastMessage', 'lastMessageTime', 'unreadCount', 'otherUserId', 'otherUser'],
        properties: {
          conversationId: { type: 'string', pattern: '^([0-9a-f]{24}_[0-9a-f]{24}|g_[0-9a-f]{24})$' },
          lastMessage: { type: ['string', 'null'] },
          lastMessageTime: { type: ['string', 'null'], format: 'date-time' },
          unreadCount: { type: 'integer', minimum: 0 },
          otherUserId: { type: ['string', 'null'] },
          otherUser: { anyOf: [ref('UserWithEmail'), { type: 'null' }] },
          kind: { const: 'GROUP' },
          title: { type: 'string' },
          memberCount: { type: 'integer', minimum: 0, maximum: DEFAULT_MAX_GROUP_MEMBERS },
          viewerRole: { enum: ['OWNER', 'ADMIN', 'MEMBER', null] },
        },
        additionalProperties: false,
      },
      Member: {
        type: 'object',
        required: ['_id', 'name', 'email', 'role', 'joinedAt'],
        properties: {
          _id: { type: 'string' },
          name: { type: ['string', 'null'] },
          email: { type: ['string', 'null'] },
          role: { enum: ['OWNER', 'ADMIN', 'MEMBER'] },
          joinedAt: { type: 'string', format: 'date-time' },
        },
        additionalProperties: false,
      },
      SystemEvent: {
        type: 'object',
        required: ['type', 'actorId', 'userIds', 'title', 'role'],
        properties: {
          type: { enum: ['CREATED', 'MEMBERS_ADDED', 'MEMBER_REMOVED', 'MEMBER_LEFT', 'UPDATED', 'ROLE_CHANGED'] },
          actorId: { type: 'string' },
          userIds: { type: 'array', items: { type: 'string' } },
          title: { type: ['string', 'null'] },
          role: { enum: ['OWNER', 'ADMIN', 'MEMBER', null] },
        },
        additionalProperties: false,
      },
      Message: {
        type: 'object',
        description: "The seed's shape. In a group, receiverId is null; its SYSTEM messages carry systemEvent.",
        required: ['_id', 'conversationId', 'senderId', 'receiverId', 'message', 'messageType', 'isRead', 'createdAt'],
        properties: {
          _id: { type: 'string' },
          conversationId: { type: 'string' },
          senderId: ref('UserRef'),
          receiverId: { anyOf: [ref('UserRef'), { type: 'null' }] },
          message: { type: 'string' },
          messageType: { enum: ['text', 'image', 'file', 'system'] },
          isRead: { type: 'boolean' },
          createdAt: { type: 'string', format: 'date-time' },
          systemEvent: ref('SystemEvent'),
          attachmentUrl: { type: ['string', 'null'], description: "With attachments: the first one's url." },
          attachments: { type: 'array', items: ref('Attachment'), description: 'Only on messages that carry files.' },
        },
        additionalProperties: false,
      },
      UserEvent: {
        type: 'object',
        description: "The GraphQL UserEvent's fields; message in the seed's shape. Fields a type lacks are null.",
        required: ['cursor', 'type', 'conversationId', 'actorId', 'occurredAt', 'userIds'],
        properties: {
          cursor: { type: 'string' },
          type: { type: 'string' },
          conversationId: { type: ['string', 'null'] },
          actorId: { type: 'string' },
          occurredAt: { type: 'string', format: 'date-time' },
          messageId: { type: ['string', 'null'] },
          message: { anyOf: [ref('Message'), { type: 'null' }] },
          emoji: { type: ['string', 'null'] },
          userIds: { type: 'array', items: { type: 'string' } },
          isTyping: { type: ['boolean', 'null'] },
          status: { type: ['string', 'null'] },
          readSeq: { type: ['integer', 'null'] },
          messageIds: { type: ['array', 'null'], items: { type: 'string' } },
          scheduledMessageId: { type: ['string', 'null'] },
          failureCode: { type: ['string', 'null'] },
          failure: { type: ['string', 'null'] },
        },
        additionalProperties: false,
      },
      Attachment: {
        type: 'object',
        required: ['attachmentId', 'url', 'fileName', 'contentType', 'size', 'width', 'height'],
        properties: {
          attachmentId: { type: 'string', pattern: '^[0-9a-f]{24}$' },
          url: { type: 'string', description: 'GET it here with the same bearer token (Range supported).' },
          fileName: { type: 'string', description: 'Sanitized: no path, no control or reserved characters.' },
          contentType: {
            type: 'string',
            description: 'Sniffed from the bytes; anything not known to be safe is application/octet-stream.',
          },
          size: { type: 'integer', minimum: 1 },
          width: { type: ['integer', 'null'] },
          height: { type: ['integer', 'null'] },
        },
        additionalProperties: false,
      },
      Pagination: {
        type: 'object',
        required: ['total', 'page', 'limit', 'pages'],
        properties: {
          total: { type: 'integer', minimum: 0 },
          page: { type: 'integer', minimum: 1 },
          limit: pageSize,
          pages: { type: 'integer', minimum: 0 },
        },
        additionalProperties: false,
      },
    },
  },
  paths: {
    '/api/chat/conversations': {
      get: {
        summary: 'My conversations, newest activity first',
        parameters: [limitParam],
        responses: {
          '200': ok({
            ...success,
            required: ['success', 'data'],
            properties: { ...success.properties, data: { type: 'array', items: ref('Conversation') } },
          }),
          ...errors(400, 401, 500, 503),
        },
      },
    },
    '/api/chat/history/{targetUserId}': {
      get: {
        summary: 'Page-numbered history with one user (or of a group), newest first',
        parameters: [
          targetParam('targetUserId'),
          limitParam,
          { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1, default: 1 } },
        ],
        responses: {
          '200': ok({
            ...success,
            required: ['success', 'data', 'pagination'],
            properties: {
              ...success.properties,
              data: { type: 'array', items: ref('Message') },
              pagination: ref('Pagination'),
            },
          }),
          ...errors(400, 401, 403, 404, 500, 503),
        },
      },
    },
    '/api/chat/unread-count': {
      get: {
        summary: 'Unread messages across my conversations',
        responses: {
          '200': ok({
            ...success,
            required: ['success', 'unreadCount'],
            properties: { ...success.properties, unreadCount: { type: 'integer', minimum: 0 } },
          }),
          ...errors(401, 500, 503),
        },
      },
    },
    '/api/chat/mark-read/{targetUserId}': {
      put: {
        summary: 'Mark everything from one user (or in a group) read (emits messagesRead)',
        parameters: [targetParam('targetUserId')],
        responses: {
          '200': ok({
            ...success,
            required: ['success', 'markedCount'],
            properties: { ...success.properties, markedCount: { type: 'integer', minimum: 0 } },
          }),
          ...errors(400, 401, 403, 404, 500, 503),
        },
      },
    },
    '/api/chat/message/{messageId}': {
      delete: {
        summary: 'Soft-delete my own message (emits messageDeleted)',
        parameters: [{ name: 'messageId', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': ok(success), ...errors(400, 401, 403, 404, 500, 503) },
      },
    },
    '/api/chat/conversation/{targetUserId}': {
      delete: {
        summary: 'Hide a conversation and its history for me only',
        parameters: [targetParam('targetUserId')],
        responses: { '200': ok(success), ...errors(400, 401, 403, 404, 500, 503) },
      },
    },
    '/api/chat/search': {
      get: {
        summary: 'Literal, case-insensitive search in my conversations, newest first',
        parameters: [
          {
            name: 'query',
            in: 'query',
            required: true,
            schema: { type: 'string', minLength: 1, maxLength: MAX_SEARCH_LENGTH },
          },
          {
            name: 'targetUserId',
            in: 'query',
            description: 'Only the conversation with this user, or this conversation id (a group).',
            schema: { type: 'string' },
          },
          limitParam,
        ],
        responses: {
          '200': ok({
            ...success,
            required: ['success', 'data'],
            properties: { ...success.properties, data: { type: 'array', items: ref('Message') } },
          }),
          ...errors(400, 401, 403, 404, 500, 503),
        },
      },
    },
    '/api/chat/events': {
      get: {
        summary:
          'Everything I should know after a userEvents cursor, across all my conversations (the GraphQL userEvents query)',
        parameters: [
          {
            name: 'after',
            in: 'query',
            description:
              'A cursor (me.eventCursor, an event, or an endCursor); without it, no events and the cursor of now.',
            schema: { type: 'string', maxLength: 2000 },
          },
          { name: 'first', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 100 } },
        ],
        responses: {
          '200': ok({
            ...success,
            required: ['success', 'data', 'endCursor', 'hasMore'],
            properties: {
              ...success.properties,
              data: { type: 'array', items: ref('UserEvent') },
              endCursor: { type: 'string' },
              hasMore: { type: 'boolean' },
            },
          }),
          ...errors(400, 401, 410, 429, 500, 503),
        },
      },
    },
    '/api/chat/messages': {
      post: {
        summary: 'Send a message (idempotent with clientMessageId; 409 if the key was used for another message)',
        requestBody: {
          required: true,
          ...json({
            type: 'object',
            description: 'Exactly one of targetUserId (a DIRECT message) and conversationId (a group).',
            required: ['message'],
            properties: {
              targetUserId: { type: 'string' },
              conversationId: { type: 'string' },
              message: {
                type: 'string',
                maxLength: MAX_MESSAGE_LENGTH,
                description: 'Not blank, unless attachmentIds are given (a caption is optional).',
              },
              messageType: { enum: ['text', 'image', 'file', 'TEXT', 'IMAGE', 'FILE'] },
              attachmentUrl: { type: 'string', format: 'uri' },
              attachmentIds: {
                type: 'array',
                maxItems: MAX_ATTACHMENTS_PER_MESSAGE,
                items: { type: 'string' },
                description: 'Uploads of mine (POST /api/chat/attachments); message may then be empty.',
              },
              clientMessageId: { type: 'string', maxLength: MAX_CLIENT_MESSAGE_ID_LENGTH },
            },
          }),
        },
        responses: {
          '201': {
            description: 'Stored',
            ...json({
              ...success,
              required: ['success', 'data'],
              properties: { ...success.properties, data: ref('Message') },
            }),
          },
          ...errors(400, 401, 403, 404, 409, 413, 500, 503),
        },
      },
    },
    '/api/chat/attachments': {
      post: {
        summary:
          'Upload a file (multipart/form-data, field "file"), streamed into storage; send it with ' +
          'sendMessage(input: { attachmentIds }). Unsent uploads are deleted after ATTACHMENT_UNSENT_TTL_SECONDS (24 h).',
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                required: ['file'],
                properties: {
                  file: { type: 'string', format: 'binary', description: 'At most ATTACHMENT_MAX_BYTES (10 MiB)' },
                },
              },
            },
          },
        },
        responses: {
          '201': {
            description: 'Stored',
            ...json({
              ...success,
              required: ['success', 'data'],
              properties: { ...success.properties, data: ref('Attachment') },
            }),
          },
          ...errors(400, 401, 413, 429, 500, 503),
        },
      },
    },
    '/api/chat/attachments/{attachmentId}': {
      get: {
        summary:
          'Download a file: its uploader until it is sent, then members of the conversation it was sent in ' +
          '(while the message is not deleted). 404 for everyone else. Range, ETag/If-None-Match, Cache-Control; ' +
          'always X-Content-Type-Options: nosniff, and Content-Disposition: attachment unless an image or media file.',
        parameters: [
          { name: 'attachmentId', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'Range', in: 'header', required: false, schema: { type: 'string', example: 'bytes=0-1023' } },
        ],
        responses: {
          '200': {
            description: 'The whole file',
            content: { '*/*': { schema: { type: 'string', format: 'binary' } } },
          },
          '206': {
            description: 'The range asked for',
            content: { '*/*': { schema: { type: 'string', format: 'binary' } } },
          },
          '304': { description: 'Not modified (If-None-Match)' },
          '416': { description: 'Range not satisfiable' },
          ...errors(401, 404, 500, 503),
        },
      },
    },
    '/api/chat/groups': {
      post: {
        summary: 'Create a group; I become its OWNER (idempotent with clientRequestId)',
        requestBody: {
          required: true,
          ...json({
            type: 'object',
            required: ['title', 'memberIds'],
            properties: {
              title: { type: 'string', minLength: 1, maxLength: MAX_GROUP_TITLE_LENGTH },
              memberIds: {
                type: 'array',
                minItems: 1,
                maxItems: MAX_MEMBERS_PER_CALL,
                items: { type: 'string', pattern: USER_ID },
              },
              clientRequestId: { type: 'string' },
            },
          }),
        },
        responses: {
          '201': groupResponse('Created (or, on a retry, the group the first call created)'),
          ...errors(400, 401, 404, 409, 500, 503),
        },
      },
    },
    '/api/chat/groups/{conversationId}/members': {
      get: {
        summary: 'Members of a group, in join order (members only)',
        parameters: [
          groupIdParam,
          limitParam,
          {
            name: 'after',
            in: 'query',
            description: 'pageInfo.endCursor of the previous page',
            schema: { type: 'string' },
          },
        ],
        responses: {
          '200': ok({
            ...success,
            required: ['success', 'data', 'pageInfo'],
            properties: {
              ...success.properties,
              data: { type: 'array', items: ref('Member') },
              pageInfo: {
                type: 'object',
                required: ['hasNextPage', 'endCursor'],
                properties: { hasNextPage: { type: 'boolean' }, endCursor: { type: ['string', 'null'] } },
                additionalProperties: false,
              },
            },
          }),
          ...errors(400, 401, 403, 404, 500, 503),
        },
      },
      post: {
        summary: 'Add members (OWNER and ADMINs)',
        parameters: [groupIdParam],
        requestBody: {
          required: true,
          ...json({
            type: 'object',
            required: ['userIds'],
            properties: {
              userIds: {
                type: 'array',
                minItems: 1,
                maxItems: MAX_MEMBERS_PER_CALL,
                items: { type: 'string', pattern: USER_ID },
              },
            },
          }),
        },
        responses: { '200': groupResponse('The group after the change'), ...errors(400, 401, 403, 404, 500, 503) },
      },
    },
    '/api/chat/groups/{conversationId}/members/{userId}': {
      delete: {
        summary: 'Remove a member (the OWNER anyone but themselves, ADMINs MEMBERs)',
        parameters: [groupIdParam, userIdParam('userId')],
        responses: { '200': groupResponse('The group after the change'), ...errors(400, 401, 403, 404, 500, 503) },
      },
    },
    '/api/chat/groups/{conversationId}/leave': {
      post: {
        summary: 'Leave a group (an OWNER hands ownership to the longest-standing ADMIN, else MEMBER)',
        parameters: [groupIdParam],
        responses: { '200': ok(success), ...errors(400, 401, 403, 404, 500, 503) },
      },
    },
  },
} as const;
