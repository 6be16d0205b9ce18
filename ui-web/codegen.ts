import type { CodegenConfig } from "@graphql-codegen/cli";

/**
 * Types of every operation in src/lib/graphql/*.graphql, generated from the schema that
 * ui-graphql prints and commits. Documents are emitted as typed strings (no GraphQL parser in
 * the bundle). `npm run codegen -w ui-web`; the build and the typecheck run it first.
 */
const config: CodegenConfig = {
  overwrite: true,
  schema: process.env.UI_GRAPHQL_SCHEMA ?? "../ui-graphql/schema.graphql",
  documents: ["src/lib/graphql/*.graphql"],
  generates: {
    "src/lib/graphql/generated/graphql.ts": {
      plugins: ["typescript-operations", "typed-document-node"],
      config: {
        documentMode: "string",
        useTypeImports: true,
        enumsAsTypes: true,
        onlyOperationTypes: true,
        skipTypename: true,
        strictScalars: true,
        scalars: { DateTime: "string", JSON: "unknown", Upload: "File" },
      },
    },
  },
};

export default config;
