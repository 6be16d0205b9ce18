/**
 * The query cost limit, counted with the page sizes an operation will really use.
 *
 * graphql-armor's cost rule runs at validation time, before variables are known: it multiplies a
 * list field by a literal `first`, but counts `first: $n` and an omitted `first` (the resolvers'
 * default page of 50) as one item. Fifteen aliased pages of 200 alerts each then pass a limit that
 * refuses two literal ones. Before execution, this plugin writes every field's page size into the
 * document (the variable's value or the default, clamped as the resolvers clamp it) and runs the
 * same armor rule again, so a page costs the same however it is asked for.
 */
import { costLimitRule } from "@escape.tech/graphql-armor-cost-limit";
import {
  type ArgumentNode,
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
  Kind,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import { pageSize } from "./schema/connection.ts";

const PAGE_ARGUMENTS = new Set(["first", "last"]);

function intArgument(name: string, value: number): ArgumentNode {
  return {
    kind: Kind.ARGUMENT,
    name: { kind: Kind.NAME, value: name },
    value: { kind: Kind.INT, value: String(value) },
  };
}

/**
 * The document with each paged field's `first`/`last` as the literal page size it will get:
 * a variable's value, or the resolvers' default page when the field takes `first` but the
 * operation leaves it out. Pure: the input document is not changed.
 */
export function withPageSizes(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Readonly<Record<string, unknown>> | null | undefined,
): DocumentNode {
  const typeInfo = new TypeInfo(schema);
  return visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const definition = typeInfo.getFieldDef();
        if (!definition?.args.some((arg) => arg.name === "first")) return undefined;
        const args = node.arguments ?? [];
        const given = args.find((arg) => PAGE_ARGUMENTS.has(arg.name.value));
        if (given === undefined)
          return { ...node, arguments: [...args, intArgument("first", pageSize(null))] };
        if (given.value.kind !== Kind.VARIABLE) return undefined;
        const value = variables?.[given.value.name.value];
        const size = typeof value === "number" && Number.isFinite(value) ? pageSize(value) : pageSize(null);
        return {
          ...node,
          arguments: args.map((arg) => (arg === given ? intArgument(arg.name.value, size) : arg)),
        };
      },
    }),
  );
}

/** The armor cost rule's errors for the document with its real page sizes (empty: within the limit). */
export function pageCostErrors(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Readonly<Record<string, unknown>> | null | undefined,
  maxCost: number,
): readonly GraphQLError[] {
  return validate(schema, withPageSizes(schema, document, variables), [costLimitRule({ maxCost })]);
}

/** Refuses an operation over `maxCost` once its variables are known (same message as armor's). */
export function usePageCostLimit(maxCost: number): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const errors = pageCostErrors(args.schema, args.document, args.variableValues, maxCost);
      if (errors.length > 0) setResultAndStopExecution({ errors });
    },
  };
}
