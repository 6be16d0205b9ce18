import { describe, expect, it } from "vitest";
import { INGEST_QUEUE_MAX, IngestQueue, IngestQueueClosedError } from "./queue.ts";

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("IngestQueue", () => {
  it("takes a burst of 10,000 items without dropping any and without holding more than its capacity", async () => {
    const written: number[] = [];
    let peakUnwritten = 0;
    let queue: IngestQueue<number> | undefined;
    queue = new IngestQueue<number>({
      max: 500,
      batchSize: 100,
      async write(batch) {
        peakUnwritten = Math.max(peakUnwritten, queue!.depth);
        await tick(); // a store slower than the producer
        written.push(...batch);
      },
    });
    const heapBefore = process.memoryUsage().heapUsed;
    // One fast producer (a backfill) and 9,000 fire-and-forget producers (live updates).
    const producer = (async () => {
      for (let i = 0; i < 1_000; i += 1) await queue.push(i);
    })();
    const burst = Array.from({ length: 9_000 }, (_, i) => queue!.push(1_000 + i));
    await tick();
    expect(queue.waitingProducers).toBeGreaterThan(0);
    await Promise.all([producer, ...burst]);
    await queue.flush();

    expect(written).toHaveLength(10_000);
    expect(new Set(written).size).toBe(10_000);
    expect(queue.highWater).toBeLessThanOrEqual(500);
    expect(peakUnwritten).toBeLessThanOrEqual(500);
    expect(queue.depth).toBe(0);
    // The sequential producer's own order survives.
    const fromProducer = written.filter((n) => n < 1_000);
    expect(fromProducer).toEqual([...fromProducer].sort((a, b) => a - b));
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
    await queue.close();
  });

  it("writes batches no larger than batchSize, in arrival order", async () => {
    const batches: number[][] = [];
    const queue = new IngestQueue<number>({ batchSize: 3, write: async (batch) => void batches.push(batch) });
    for (let i = 0; i < 8; i += 1) await queue.push(i);
    await queue.flush();
    expect(batches.flat()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(3);
    expect(INGEST_QUEUE_MAX).toBe(5_000);
  });

  it("retries a failed write instead of dropping the batch", async () => {
    let failures = 2;
    const written: string[] = [];
    const errors: number[] = [];
    const queue = new IngestQueue<string>({
      retryDelayMs: 1,
      onWriteError: (_error, attempt) => errors.push(attempt),
      async write(batch) {
        if (failures-- > 0) throw new Error("SQLITE_BUSY");
        written.push(...batch);
      },
    });
    await queue.push("a");
    await queue.push("b");
    await queue.flush();
    expect(written.sort()).toEqual(["a", "b"]);
    expect(errors).toEqual([1, 2]);
  });

  it("stores what is queued on close and refuses later pushes", async () => {
    const written: number[] = [];
    const queue = new IngestQueue<number>({ max: 2, write: async (batch) => void written.push(...batch) });
    await queue.push(1);
    await queue.push(2);
    await queue.close();
    expect(written).toEqual([1, 2]);
    await expect(queue.push(3)).rejects.toBeInstanceOf(IngestQueueClosedError);
  });
});
