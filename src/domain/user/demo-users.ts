import type { UserId } from '../ids';
import type { User } from './user.types';

/**
 * The demo users `npm run seed` writes and the web client's user picker offers. Fixed ids so
 * tokens and bookmarks survive re-seeding.
 */
export const DEMO_USERS: readonly User[] = [
  { id: '64b000000000000000000001' as UserId, name: 'Alice', email: 'alice@example.com' },
  { id: '64b000000000000000000002' as UserId, name: 'Bob', email: 'bob@example.com' },
  { id: '64b000000000000000000003' as UserId, name: 'Carol', email: 'carol@example.com' },
  { id: '64b000000000000000000004' as UserId, name: 'Dave', email: 'dave@example.com' },
  { id: '64b000000000000000000005' as UserId, name: 'Erin', email: 'erin@example.com' },
];
