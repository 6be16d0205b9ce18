import { describe, expect, it } from "vitest";
import { PushQueue } from "./push-queue.ts";

async function drain<T>(queue: PushQueue<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) {
    const r = await queue.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

describe("PushQueue", () => {
  it("reads pushed values in order, counting their weights, across many compactions", async () => {
    const queue = new PushQueue<number>();
    for (let i = 0; i < 5_000; i++) queue.push(i, 2);
    expect(queue.size).toBe(5_000);
    expect(queue.weight).toBe(10_000);
    const firstHalf = await drain(queue, 3_000);
    expect(firstHalf).toEqual(Array.from({ length: 3_000 }, (_, i) => i));
    for (let i = 5_000; i < 6_000; i++) queue.push(i, 2);
    expect(queue.weight).toBe(2 * 3_000);
    const rest = await drain(queue, 3_000);
    expect(rest).toEqual(Array.from({ length: 3_000 }, (_, i) => 3_000 + i));
    expect(queue.size).toBe(0);
    expect(queue.weight).toBe(0);
  });

  it("hands a push straight to a waiting reader", async () => {
    const queue = new PushQueue<string>();
    const pending = queue.next();
    expect(queue.readerWaiting).toBe(true);
    queue.push("a", 10);
    expect(await pending).toEqual({ value: "a", done: false });
    expect(queue.readerWaiting).toBe(false);
    expect(queue.weight).toBe(0);
  });

  it("close() delivers what is queued, then done or the error; later pushes are ignored", async () => {
    const done = new PushQueue<number>();
    done.push(1);
    done.close();
    done.push(2);
    expect(await done.next()).toEqual({ value: 1, done: false });
    expect(await done.next()).toEqual({ value: undefined, done: true });

    const failed = new PushQueue<number>();
    failed.push(1);
    const error = new Error("source failed");
    failed.close(error);
    expect(await failed.next()).toEqual({ value: 1, done: false });
    await expect(failed.next()).rejects.toBe(error);
    expect(await failed.next()).toEqual({ value: undefined, done: true });
  });

  it("close() and abort() settle a waiting reader", async () => {
    const closed = new PushQueue<number>();
    const waitingForDone = closed.next();
    closed.close();
    expect(await waitingForDone).toEqual({ value: undefined, done: true });

    const aborted = new PushQueue<number>();
    const waitingForError = aborted.next();
    const error = new Error("overflow");
    aborted.abort(error);
    await expect(waitingForError).rejects.toBe(error);
  });

  it("abort() drops what is queued; return() is abort() without an error", async () => {
    const queue = new PushQueue<number>();
    queue.push(1, 5);
    queue.push(2, 5);
    const error = new Error("too far behind");
    queue.abort(error);
    expect(queue.size).toBe(0);
    expect(queue.weight).toBe(0);
    await expect(queue.next()).rejects.toBe(error);

    const returned = new PushQueue<number>();
    returned.push(1);
    expect(await returned.return()).toEqual({ value: undefined, done: true });
    expect(returned.isClosed).toBe(true);
    expect(await returned.next()).toEqual({ value: undefined, done: true });
  });
});
