import type { SystemEvent } from './message.types';

/**
 * The stored text of a SYSTEM message: a plain fallback for clients that do not render
 * `systemEvent` (names are the clients' to render; ids stay out of the text).
 */
export function describeSystemEvent(event: SystemEvent): string {
  const people = (count: number) => (count === 1 ? '1 member' : `${count} members`);
  switch (event.type) {
    case 'CREATED':
      return `Group "${event.title ?? ''}" created with ${people(event.userIds.length)}`;
    case 'MEMBERS_ADDED':
      return `Added ${people(event.userIds.length)}`;
    case 'MEMBER_REMOVED':
      return 'Removed a member';
    case 'MEMBER_LEFT':
      return 'A member left';
    case 'UPDATED':
      return `Renamed the group to "${event.title ?? ''}"`;
    case 'ROLE_CHANGED':
      return `Made a member ${event.role ?? 'MEMBER'}`;
  }
}
