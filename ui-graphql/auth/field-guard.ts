import { defaultFieldResolver, GraphQLError, type GraphQLFieldResolver, type GraphQLSchema } from "graphql";
import type { GraphQLContext } from "../context.ts";
import type { AuthSession } from "./sessions.ts";

/** Root fields anyone may call; every other root field needs a live UI session. */
export const PUBLIC_ROOT_FIELDS: ReadonlySet<string> = new Set(["Query.health", "Mutation.login"]);

export function unauthenticated(): GraphQLError {
  return new GraphQLError("Log in first", { extensions: { code: "UNAUTHORIZED" } });
}

/** The caller's session; throws UNAUTHORIZED when there is none. */
export function sessionOf(ctx: GraphQLContext): AuthSession {
  if (!ctx.session) throw unauthenticated();
  return ctx.session;
}

/**
 * Default deny: wraps every Query, Mutation and Subscription root field not listed in
 * `publicFields` so it refuses callers without a session. New fields are protected without
 * anyone remembering to protect them; every value in the schema is reached through a root field.
 */
export function guardRootFields(
  schema: GraphQLSchema,
  publicFields: ReadonlySet<string> = PUBLIC_ROOT_FIELDS,
): GraphQLSchema {
  for (const type of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (!type) continue;
    for (const field of Object.values(type.getFields())) {
      if (publicFields.has(`${type.name}.${field.name}`)) continue;
      const resolve: GraphQLFieldResolver<unknown, GraphQLContext> = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, ctx, info) => {
        sessionOf(ctx);
        return resolve(source, args, ctx, info);
      };
      const subscribe = field.subscribe;
      if (subscribe) {
        field.subscribe = (source, args, ctx, info) => {
          sessionOf(ctx);
          return subscribe(source, args, ctx, info);
        };
      }
    }
  }
  return schema;
}
