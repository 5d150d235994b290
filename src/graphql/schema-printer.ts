import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';

export const SCHEMA_BANNER =
  '# DO NOT EDIT: generated from the TypeGraphQL resolvers in src/graphql by `npm run codegen`.\n' +
  '# A test fails when this file and the resolvers disagree.\n\n';

/** The committed SDL: sorted so diffs show real changes only. */
export function printSchemaWithBanner(schema: GraphQLSchema): string {
  return `${SCHEMA_BANNER}${printSchema(lexicographicSortSchema(schema))}\n`;
}
