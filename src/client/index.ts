/**
 * The typed client surface for integrators: every operation in schema/operations as a
 * TypedDocumentNode (use with Apollo Client's useQuery/useMutation/useSubscription, urql, or
 * graphql-request and get full result and variable types), plus the schema's enums and inputs.
 * Import it as `graphql-realtime-chat/client`.
 */
export * from './graphql';
/** Every limit a client can run into (sizes, page sizes, lengths), as the server enforces them. */
export * from '../domain/limits';
