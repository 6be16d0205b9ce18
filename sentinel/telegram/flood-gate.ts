/**
 * Flood waits Telegram imposed, per API method, held in memory: the gateway makes no call to a
 * method while its wait runs. The gateway also mirrors each wait into the TtlStore
 * (`recordFloodWait` in flood-waits.ts) for `/api/status`, and reports the latest end in
 * `WorkerStatusData.flood_wait_until`.
 */
export interface FloodWait {
  /** TL method name, e.g. "messages.GetHistory". */
  method: string;
  seconds: number;
  until: Date;
}

export class FloodGate {
  private readonly waits = new Map<string, FloodWait>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Records a wait; a shorter wait never shortens a longer one already running. */
  record(method: string, seconds: number): FloodWait {
    const until = new Date(this.now() + Math.max(0, seconds) * 1000);
    const current = this.live(method);
    if (current && current.until >= until) return current;
    const wait = { method, seconds, until };
    this.waits.set(method, wait);
    return wait;
  }

  /** Milliseconds until `method` may be called again (0 = now). */
  remainingMs(method: string): number {
    const wait = this.live(method);
    return wait ? wait.until.getTime() - this.now() : 0;
  }

  active(): FloodWait[] {
    return [...this.waits.keys()]
      .map((method) => this.live(method))
      .filter((w): w is FloodWait => w !== undefined);
  }

  /** The end of the longest running wait, or null. */
  latestUntil(): Date | null {
    let latest: Date | null = null;
    for (const wait of this.active()) if (!latest || wait.until > latest) latest = wait.until;
    return latest;
  }

  clear(): void {
    this.waits.clear();
  }

  private live(method: string): FloodWait | undefined {
    const wait = this.waits.get(method);
    if (wait && wait.until.getTime() <= this.now()) {
      this.waits.delete(method);
      return undefined;
    }
    return wait;
  }
}

/** GramJS logs the waits it sleeps through itself (≤ floodSleepThreshold); this reads that line. */
export function parseFloodSleepLog(line: string): { method: string; seconds: number } | null {
  const match = /Sleeping for (\d+)s on flood wait \(Caused by ([\w.]+)\)/.exec(line);
  if (!match) return null;
  return { seconds: Number(match[1]), method: match[2]! };
}
