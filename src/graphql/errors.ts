import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { toChatError } from '../edge/errors';
import type { Logger } from '../logging/logger';

/**
 * Formats an execution error for clients on both transports. With `hideSchemaDetails`
 * (production) "Did you mean …?" suggestions are removed, as introspection is off there. Errors graphql-js itself raised
 * (syntax, validation, variable coercion) keep their text; resolver errors are mapped through
 * {@link toChatError} so unknown ones are masked and logged.
 */
export function formatGraphQLError(
  error: GraphQLError,
  logger: Logger,
  hideSchemaDetails = false,
): GraphQLFormattedError {
  const json = error.toJSON();
  // Field suggestions reveal schema the caller may not be allowed to introspect.
  const formatted = hideSchemaDetails ? { ...json, message: json.message.replace(/ Did you mean .+\?$/, '') } : json;
  const original = error.originalError;
  if (!original || original instanceof GraphQLError) {
    const code = original?.extensions['code'] ?? formatted.extensions?.['code'];
    // `http` only tells Apollo which status to answer with; clients need not see it.
    const { http: _http, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions: { ...extensions, code: code ?? 'GRAPHQL_VALIDATION_FAILED' } };
  }
  const chatError = toChatError(original, logger);
  return {
    message: chatError.message,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: chatError.code, ...chatError.details },
  };
}
