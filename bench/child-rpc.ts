/**
 * Each workload and each server of the benchmark runs in a child process of its own, so its CPU
 * time, peak RSS and event loop are its own (as in production, where the sentinel and the UI are
 * separate processes). The parent calls methods in the child over the IPC channel.
 */
import { type ChildProcess, fork } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HOST = path.join(path.dirname(fileURLToPath(import.meta.url)), "role-host.ts");

/** The roles a child can play (module names in role-host.ts). */
export type RoleName = "pipeline" | "baseline" | "scoring-scale" | "sentinel-server" | "ui-server";

/** Roles that profile only their timed windows when asked to profile. */
const WINDOWED_ROLES = new Set<RoleName>(["pipeline", "baseline", "scoring-scale"]);

interface Request {
  id: number;
  method: string;
  params: unknown;
}

type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

export interface ChildOptions {
  /** Write a V8 CPU profile of the child into this directory (node --cpu-prof). */
  cpuProfileDir?: string;
  env?: Record<string, string>;
}

/** The parent's handle on one child process. */
export class RoleProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private exited: Promise<number | null>;
  private markReady: () => void = () => {};
  /** Resolves once the child has loaded its role and listens for calls. */
  readonly ready: Promise<void>;

  private constructor(
    readonly role: RoleName,
    private readonly child: ChildProcess,
  ) {
    child.on("message", (reply: Reply | { ready: true }) => {
      if ("ready" in reply) {
        this.markReady();
        return;
      }
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.result);
      else waiter.reject(new Error(`${role}: ${reply.error}`));
    });
    this.ready = new Promise((resolve) => {
      this.markReady = resolve;
    });
    this.exited = new Promise((resolve) => {
      child.on("exit", (code) => {
        for (const waiter of this.pending.values()) waiter.reject(new Error(`${role} exited (code ${code})`));
        this.pending.clear();
        resolve(code);
      });
    });
  }

  /** Forks the child and waits until it is ready for calls. */
  static async start(role: RoleName, options: ChildOptions = {}): Promise<RoleProcess> {
    const execArgv = [...process.execArgv, "--expose-gc"];
    const env: Record<string, string> = { ...options.env };
    if (options.cpuProfileDir && WINDOWED_ROLES.has(role)) {
      // Workloads with timed windows profile just those windows (window-profiler.ts).
      env.BENCH_PROFILE_DIR = path.join(options.cpuProfileDir, role);
    } else if (options.cpuProfileDir) {
      // One directory per role: tsx's loader thread writes a profile of its own next to the main one.
      execArgv.push("--cpu-prof", "--cpu-prof-dir", path.join(options.cpuProfileDir, role));
    }
    // stdout of a child goes to our stderr: with --json, stdout carries the one JSON object only.
    const child = fork(HOST, [role], {
      execArgv,
      stdio: ["ignore", "pipe", "inherit", "ipc"],
      env: { ...process.env, ...env },
    });
    child.stdout?.pipe(process.stderr);
    const handle = new RoleProcess(role, child);
    await Promise.race([
      handle.ready,
      handle.exited.then((code) => {
        throw new Error(`${role} exited before it was ready (code ${code})`);
      }),
    ]);
    return handle;
  }

  call<T>(method: string, params: unknown = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, method, params } satisfies Request);
    });
  }

  /** Asks the child to finish (it runs its `close` handler, then exits) and waits for it. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 15_000);
    try {
      await this.call("close").catch(() => {});
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Child side: answers requests with `handlers`; `close` (if any) runs before the process exits. */
export function serveRequests(handlers: Record<string, (params: never) => unknown>): void {
  process.on("message", async (request: Request) => {
    const send = (reply: Reply) => process.send?.(reply);
    if (request.method === "close") {
      try {
        await handlers.close?.(request.params as never);
      } finally {
        send({ id: request.id, ok: true, result: null });
        // Exiting normally lets --cpu-prof write its profile.
        setImmediate(() => process.exit(0));
      }
      return;
    }
    const handler = handlers[request.method];
    if (!handler) {
      send({ id: request.id, ok: false, error: `unknown method ${request.method}` });
      return;
    }
    try {
      send({ id: request.id, ok: true, result: await handler(request.params as never) });
    } catch (error) {
      send({
        id: request.id,
        ok: false,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    }
  });
  // The parent going away ends the child too.
  process.on("disconnect", () => process.exit(1));
  process.send?.({ ready: true });
}
