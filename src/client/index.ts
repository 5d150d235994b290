/**
 * The typed client surface for integrators: every operation in schema/operations as a
 * TypedDocumentNode (use with Apollo Client's useQuery/useMutation/useSubscription, urql, or
 * graphql-request and get full result and variable types), plus the schema's enums and inputs.
 * Import it as `graphql-realtime-chat/client`.
 */
export * from './graphql';
