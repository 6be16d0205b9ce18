/**
 * CPU profiles of the timed windows only (not of start-up or of generating the next chunk of
 * messages): the V8 profiler is started and stopped around each window through the inspector,
 * and each window's profile is written as `<dir>/window-<n>.cpuprofile` (the same format as
 * `node --cpu-prof`). Active when the parent passes BENCH_PROFILE_DIR (`--profile DIR`).
 */
import fs from "node:fs";
import { Session } from "node:inspector";
import path from "node:path";

export class WindowProfiler {
  private session: Session | null = null;
  private windows = 0;

  constructor(private readonly dir: string | undefined = process.env.BENCH_PROFILE_DIR) {}

  async start(): Promise<void> {
    if (!this.dir) return;
    if (!this.session) {
      this.session = new Session();
      this.session.connect();
      await this.post("Profiler.enable");
    }
    await this.post("Profiler.start");
  }

  async stop(): Promise<void> {
    if (!this.dir || !this.session) return;
    const { profile } = (await this.post("Profiler.stop")) as { profile: unknown };
    fs.mkdirSync(this.dir, { recursive: true });
    this.windows += 1;
    fs.writeFileSync(path.join(this.dir, `window-${this.windows}.cpuprofile`), JSON.stringify(profile));
  }

  private post(method: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.session!.post(method, (error, result) => (error ? reject(error) : resolve(result)));
    });
  }
}
