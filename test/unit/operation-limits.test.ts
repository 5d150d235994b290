import { buildSchema, parse, print, specifiedRules, validate, type DocumentNode } from 'graphql';
import * as operations from '../../src/client/graphql';
import { buildChatSchema } from '../../src/graphql/schema';
import { protectionRules } from '../../src/graphql/protection';

/** The document with every `first`/`limit` variable replaced by the largest page size as a literal. */
function atLargestPage(document: DocumentNode): DocumentNode {
  return parse(print(document).replace(/(first|limit): \$\w+/g, '$1: 100'));
}

describe('operation limits', () => {
  it('let every client operation in schema/operations through at the largest page size', async () => {
    const schema = await buildChatSchema();
    // Only our limits: the literal substitution leaves page variables unused, which graphql itself would flag.
    const rules = protectionRules(true);
    const documents = Object.entries(operations).filter(([name]) => name.endsWith('Document'));
    expect(documents.length).toBeGreaterThan(20);
    for (const [name, document] of documents) {
      const errors = validate(schema, atLargestPage(document as DocumentNode), rules).map((error) => error.message);
      expect({ name, errors }).toEqual({ name, errors: [] });
    }
  });

  it('refuse a selection deeper than 8 levels (checked on a recursive schema; ours is shallow)', () => {
    const recursive = buildSchema('type Query { node: Node } type Node { id: ID, child: Node }');
    const nested = (levels: number) => `{ node { ${'child { '.repeat(levels)}id${' }'.repeat(levels)} } }`;
    const rules = [...specifiedRules, ...protectionRules(false)];
    expect(validate(recursive, parse(nested(6)), rules)).toEqual([]);
    expect(validate(recursive, parse(nested(12)), rules).map((error) => error.message)).toEqual([
      expect.stringMatching(/depth limit of 8/i),
    ]);
  });
});
