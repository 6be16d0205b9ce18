import SchemaBuilder from "@pothos/core";
import type { FileUpload } from "graphql-upload-minimal";
import type { GraphQLContext } from "./context.ts";

/** The one Pothos builder: its generics are the schema's scalars and context. */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
    Upload: { Input: Promise<FileUpload>; Output: never };
  };
}>({ defaultFieldNullability: false });

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
