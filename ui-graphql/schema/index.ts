import { lexicographicSortSchema } from "graphql";
import { auditMutations } from "../audit-mutations.ts";
import { guardRootFields } from "../auth/field-guard.ts";
import { builder } from "../builder.ts";
import "./scalars.ts";
import "./health.ts";
import "./user.ts";
import "./worker-status.ts";
import "./session.ts";
import "./telegram-login.ts";
import "./alert.ts";
import "./profile.ts";
import "./feedback.ts";
import "./stats.ts";
import "./chat.ts";
import "./digest.ts";
import "./audit.ts";
import "./setting.ts";

/** The executable schema: every root field but health/login needs a session; every mutation is audited. */
export const schema = auditMutations(guardRootFields(builder.toSchema()));

/** The same schema sorted, as printed to schema.graphql. */
export function printableSchema() {
  return lexicographicSortSchema(builder.toSchema());
}
