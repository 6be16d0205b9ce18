import fs from "node:fs";
import path from "node:path";
import { printSchema } from "graphql";
import { printableSchema } from "./schema/index.ts";

/** Path of the committed SDL the web UI generates its types from. */
export const SCHEMA_FILE = path.join(path.dirname(new URL(import.meta.url).pathname), "schema.graphql");

export function schemaSdl(): string {
  return `# Generated from ui-graphql/schema/*.ts by \`npm run schema:print -w ui-graphql\`. Do not edit.\n\n${printSchema(printableSchema())}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  fs.writeFileSync(SCHEMA_FILE, schemaSdl());
  console.log(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
}
