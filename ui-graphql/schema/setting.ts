import { SentinelError } from "@tgsentinel/contract/envelope.ts";
import { builder } from "../builder.ts";
import type { Setting } from "../db/generated/client.ts";

/** Keys are short dotted names (e.g. "alerts.minScore"); values are JSON up to 16 KiB. */
const KEY_PATTERN = /^[a-zA-Z][a-zA-Z0-9_.-]{0,63}$/;
const MAX_VALUE_BYTES = 16 * 1024;

const SettingRef = builder.objectRef<Setting>("Setting").implement({
  description: "A UI preference (JSON value)",
  fields: (t) => ({
    key: t.exposeString("key"),
    value: t.field({
      type: "JSON",
      nullable: true,
      resolve: (s) => {
        try {
          return JSON.parse(s.value);
        } catch {
          return null;
        }
      },
    }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

builder.queryField("settings", (t) =>
  t.field({
    type: [SettingRef],
    resolve: (_r, _a, ctx) => ctx.services.db.setting.findMany({ orderBy: { key: "asc" } }),
  }),
);

builder.mutationField("setSetting", (t) =>
  t.field({
    type: SettingRef,
    description: "Stores a preference; a null value deletes it and returns it as it was",
    args: { key: t.arg.string({ required: true }), value: t.arg({ type: "JSON" }) },
    resolve: async (_r, args, ctx) => {
      if (!KEY_PATTERN.test(args.key)) {
        throw new SentinelError(
          "VALIDATION_FAILED",
          "Setting keys are 1-64 letters, digits, '.', '_' or '-'",
          {
            details: [{ path: ["key"], message: "invalid key" }],
          },
        );
      }
      if (args.value === null || args.value === undefined) {
        const existing = await ctx.services.db.setting.findUnique({ where: { key: args.key } });
        if (!existing) throw new SentinelError("NOT_FOUND", `No setting ${args.key}`);
        return ctx.services.db.setting.delete({ where: { key: args.key } });
      }
      const value = JSON.stringify(args.value);
      if (Buffer.byteLength(value) > MAX_VALUE_BYTES) {
        throw new SentinelError("VALIDATION_FAILED", "The value is larger than 16 KiB", {
          details: [{ path: ["value"], message: "too large" }],
        });
      }
      return ctx.services.db.setting.upsert({
        where: { key: args.key },
        create: { key: args.key, value },
        update: { value },
      });
    },
  }),
);
