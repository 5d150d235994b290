import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { printSchemaWithBanner } from '../graphql/schema-printer';
import { buildChatSchema } from '../graphql/schema';

/** Writes schema/schema.graphql from the resolvers (part of `npm run codegen`). */
async function main(): Promise<void> {
  const schema = await buildChatSchema();
  const target = resolve(__dirname, '../../schema/schema.graphql');
  writeFileSync(target, printSchemaWithBanner(schema));
  process.stdout.write(`wrote ${target}\n`);
}

void main();
