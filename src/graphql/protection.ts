import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import {
  type GraphQLError,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ParseOptions,
  type Source,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

/**
 * Limits every operation must pass, on HTTP (Apollo) and on graphql-ws alike: Apollo's settings do
 * not reach a separate graphql-ws server, so both are configured from here.
 */
export const OPERATION_LIMITS = Object.freeze({
  /** Selection depth, introspection not counted. @default 8 */
  maxDepth: 8,
  /** Aliases per operation. @default 15 */
  maxAliases: 15,
  /**
   * Estimated cost (graphql-armor's model: per field, by depth, times list sizes such as `first`).
   * The largest operation in schema/operations at the 100-item page maximum costs about 27,500
   * (`messages` with reactions and mentions); the bound leaves a client room for a few more fields.
   * @default 40000
   */
  maxCost: 40_000,
  /** Lexer tokens per document, checked while parsing so a huge query costs little. @default 2000 */
  maxTokens: 2000,
});

/** Parse options for both transports. */
export const PARSE_OPTIONS: ParseOptions = { maxTokens: OPERATION_LIMITS.maxTokens };

/** Validation rules added to graphql's own; `refuseIntrospection` in production (graphql-ws). */
export function protectionRules(refuseIntrospection: boolean): ValidationRule[] {
  // Report violations as validation errors instead of throwing out of the visitor, which Apollo
  // would turn into an internal error.
  const report = {
    propagateOnRejection: false,
    onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
  };
  return [
    maxDepthRule({ n: OPERATION_LIMITS.maxDepth, ...report }),
    maxAliasesRule({ n: OPERATION_LIMITS.maxAliases, ...report }),
    costLimitRule({ maxCost: OPERATION_LIMITS.maxCost, ...report }),
    ...(refuseIntrospection ? [NoSchemaIntrospectionCustomRule] : []),
  ];
}

/** graphql-ws's `parse`, with the token limit. */
export function parseWithLimits(source: string | Source): DocumentNode {
  return parse(source, PARSE_OPTIONS);
}

/** graphql-ws's `validate`: graphql's rules plus {@link protectionRules}. */
export function validatorWithLimits(production: boolean) {
  const rules = [...specifiedRules, ...protectionRules(production)];
  return (schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[] => validate(schema, document, rules);
}
