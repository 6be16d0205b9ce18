import { describe, expect, it } from "vitest";
import { createUiPubSub } from "./pubsub.ts";

describe("createUiPubSub", () => {
  it("serves many subscribers of one topic without a MaxListenersExceededWarning", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    try {
      const pubsub = createUiPubSub();
      const iterators = Array.from({ length: 50 }, () =>
        pubsub.subscribe("sessionUpdated")[Symbol.asyncIterator](),
      );
      const next = iterators.map((it) => it.next());
      const view = { action: "removed" as const, size: 0, importedAt: "", at: "now" };
      pubsub.publish("sessionUpdated", view);
      const received = await Promise.all(next);
      expect(received.map((r) => r.value)).toEqual(iterators.map(() => view));
      await Promise.all(iterators.map((it) => it.return?.()));
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain("MaxListenersExceededWarning");
    } finally {
      process.off("warning", onWarning);
    }
  });
});
