import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { printSchemaWithBanner } from '../graphql/schema-printer';
import { buildChatSchema } from '../graphql/schema';
import { type ChatPubSub } from '../pubsub/pubsub.bridge';

/** Writes schema/schema.graphql from the resolvers (part of `npm run codegen`). */
async function main(): Promise<void> {
  // The schema's shape does not depend on the pub/sub instance; none of its methods run here.
  const schema = await buildChatSchema({} as ChatPubSub);
  const target = resolve(__dirname, '../../schema/schema.graphql');
  writeFileSync(target, printSchemaWithBanner(schema));
  process.stdout.write(`wrote ${target}\n`);
}

void main();
