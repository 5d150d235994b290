import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType('User', { description: 'A user of the main app (read from its `users` collection).' })
export class UserObject {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  name!: string | null;

  @Field(() => String, { nullable: true })
  email!: string | null;
}
