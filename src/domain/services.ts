import type { ConversationRepository } from './conversation/conversation.types';
import type { EventPublisher, EventSubscriber } from './events';
import type { MessageRepository } from './message/message.repository';
import { MessageService } from './message/message.service';
import type { UserRepository } from './user/user.types';
import { UserService } from './user/user.service';

/** The ports the domain needs; adapters live in persistence/ and pubsub/. */
export interface DomainPorts {
  readonly users: UserRepository;
  readonly conversations: ConversationRepository;
  readonly messages: MessageRepository;
  readonly publisher: EventPublisher;
  readonly subscriber: EventSubscriber;
}

/** The one service layer that GraphQL resolvers and REST routes both call. */
export interface Services {
  readonly users: UserService;
  readonly messages: MessageService;
}

export function createServices(ports: DomainPorts): Services {
  return {
    users: new UserService(ports.users),
    messages: new MessageService(ports.messages, ports.conversations, ports.users, ports.publisher, ports.subscriber),
  };
}
