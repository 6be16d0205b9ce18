/**
 * One service of the system (the sentinel, the UI) as a real child process: `node --import tsx
 * <script>` (one process, so SIGKILL hits the server itself, not a launcher; it ends itself when
 * the test process is gone, see exit-with-parent.ts), its own environment
 * (nothing inherited but PATH/HOME/locale), stdout and stderr appended to a log file that
 * survives restarts, a health URL to wait for, and its memory read from /proc.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { sleep, WaitAborted, waitFor } from "./wait.ts";

/** The repository root (services run from here, as `npm run sentinel` does). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Preload that ends the service when the test process is gone (no strays after an aborted run). */
const EXIT_WITH_PARENT = pathToFileURL(path.join(REPO_ROOT, "e2e/harness/exit-with-parent.ts")).href;

/** How long a service may take to answer its health URL after spawning (tsx compiles on start). */
export const SERVICE_START_TIMEOUT_MS = 90_000;
/** How long a SIGTERM may take before the harness sends SIGKILL. */
export const SERVICE_STOP_TIMEOUT_MS = 15_000;

export interface ServiceSpec {
  /** For messages and the log file name. */
  name: string;
  /** Script path relative to the repository root, e.g. "sentinel/server.ts". */
  script: string;
  /** The service's whole environment (PATH, HOME and LANG are added). */
  env: Record<string, string>;
  /** GET this until it answers 200. */
  healthUrl: string;
  /** Where stdout/stderr are appended. */
  logFile: string;
}

export interface MemoryUse {
  /** Resident set now (VmRSS). */
  rssBytes: number;
  /** Peak resident set of the process so far (VmHWM). */
  peakRssBytes: number;
}

export class ServiceProcess {
  private child: ChildProcess | null = null;
  private exit: Promise<void> = Promise.resolve();
  /** Every exit seen: code or signal. */
  readonly exits: Array<{ code: number | null; signal: NodeJS.Signals | null }> = [];

  constructor(readonly spec: ServiceSpec) {
    fs.mkdirSync(path.dirname(spec.logFile), { recursive: true });
  }

  get pid(): number {
    if (!this.child?.pid) throw new Error(`${this.spec.name} is not running`);
    return this.child.pid;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Spawns the process and waits until its health URL answers 200. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.spec.name} is already running`);
    fs.appendFileSync(this.spec.logFile, `\n=== ${this.spec.name} start ${new Date().toISOString()} ===\n`);
    const out = fs.openSync(this.spec.logFile, "a");
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "--import", EXIT_WITH_PARENT, this.spec.script],
      {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: process.env.HOME ?? "/root",
          LANG: process.env.LANG ?? "C.UTF-8",
          FAULTS_PARENT_PID: String(process.pid),
          ...this.spec.env,
        },
        stdio: ["ignore", out, out],
      },
    );
    fs.closeSync(out);
    this.child = child;
    this.exit = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exits.push({ code, signal });
        resolve();
      });
    });
    await waitFor(
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new WaitAborted(
            `${this.spec.name} exited during start-up (${child.exitCode ?? child.signalCode}):\n${this.tail()}`,
          );
        }
        const res = await fetch(this.spec.healthUrl, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        return res.status === 200;
      },
      `${this.spec.name} to answer ${this.spec.healthUrl}`,
      { timeoutMs: SERVICE_START_TIMEOUT_MS, intervalMs: 150 },
    ).catch((err: unknown) => {
      if (this.running) this.child?.kill("SIGKILL");
      throw err instanceof WaitAborted ? err : new Error(`${(err as Error).message}\n${this.tail()}`);
    });
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed. Resolves once the process is gone. */
  async kill9(): Promise<void> {
    if (!this.running) return;
    this.child?.kill("SIGKILL");
    await this.exit;
  }

  /** SIGTERM and wait for a clean exit; SIGKILL after SERVICE_STOP_TIMEOUT_MS. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child?.kill("SIGTERM");
    const stopped = await Promise.race([
      this.exit.then(() => true),
      sleep(SERVICE_STOP_TIMEOUT_MS).then(() => false),
    ]);
    if (!stopped) await this.kill9();
  }

  /** Current and peak resident memory of the running process (Linux /proc). */
  memory(): MemoryUse {
    const status = fs.readFileSync(`/proc/${this.pid}/status`, "utf8");
    const kib = (field: string) => {
      const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
      if (!match) throw new Error(`/proc/${this.pid}/status has no ${field}`);
      return Number(match[1]) * 1024;
    };
    return { rssBytes: kib("VmRSS"), peakRssBytes: kib("VmHWM") };
  }

  /** Everything the process (all of its runs) wrote to stdout and stderr. */
  output(): string {
    return fs.readFileSync(this.spec.logFile, "utf8");
  }

  /** The last lines of the log, for failure messages. */
  tail(lines = 30): string {
    try {
      return this.output().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  }
}
