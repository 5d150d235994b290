import { useMutation } from '@apollo/client/react';
import {
  AddMembersDocument,
  ConversationMembersDocument,
  ConversationsDocument,
  LeaveConversationDocument,
  RemoveMemberDocument,
  type ConversationMembersQuery,
  type MemberRole,
} from '../../../src/client/graphql';
import { PeopleSearch } from './PeopleSearch';

type Member = ConversationMembersQuery['conversation']['members']['nodes'][number];

/** What the server allows (group.roster.ts), so the panel offers only what will succeed. */
function mayRemove(viewer: MemberRole | null | undefined, target: MemberRole): boolean {
  if (viewer === 'OWNER') return target !== 'OWNER';
  return viewer === 'ADMIN' && target === 'MEMBER';
}

/** A group's members with their roles; the OWNER and ADMINs add and remove; anyone leaves. */
export function MembersPanel(props: {
  me: string;
  conversationId: string;
  viewerRole: MemberRole | null | undefined;
  members: readonly Member[];
  onLeft: () => void;
}) {
  const refetch = { refetchQueries: [ConversationsDocument, ConversationMembersDocument], awaitRefetchQueries: true };
  const [addMembers, adding] = useMutation(AddMembersDocument, refetch);
  const [removeMember, removing] = useMutation(RemoveMemberDocument, refetch);
  const [leave, leaving] = useMutation(LeaveConversationDocument, { refetchQueries: [ConversationsDocument] });
  const manager = props.viewerRole === 'OWNER' || props.viewerRole === 'ADMIN';
  const error = adding.error ?? removing.error ?? leaving.error;
  const { conversationId } = props;

  return (
    <aside className="members" aria-label="Members">
      <ul>
        {props.members.map((member) => (
          <li key={member.userId} data-testid={`member-${member.userId}`}>
            <span>{member.user?.name ?? member.userId}</span>
            {member.role !== 'MEMBER' && <span className="role">{member.role.toLowerCase()}</span>}
            {member.userId !== props.me && mayRemove(props.viewerRole, member.role) && (
              <button
                type="button"
                aria-label={`Remove ${member.user?.name ?? member.userId}`}
                disabled={removing.loading}
                onClick={() =>
                  void removeMember({ variables: { conversationId, userId: member.userId } }).catch(() => undefined)
                }
              >
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
      {manager && (
        <PeopleSearch
          label="Add members"
          placeholder="Add people: name or email"
          exclude={new Set(props.members.map((member) => member.userId))}
          disabled={adding.loading}
          onPick={(person) =>
            void addMembers({ variables: { conversationId, userIds: [person.id] } }).catch(() => undefined)
          }
        />
      )}
      <button
        type="button"
        className="leave"
        disabled={leaving.loading}
        onClick={() =>
          void leave({ variables: { conversationId } })
            .then(props.onLeft)
            .catch(() => undefined)
        }
      >
        Leave group
      </button>
      {error && <p className="error">{error.message}</p>}
    </aside>
  );
}
