import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "bench/run.ts", ...args], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

const number = expect.any(Number);

describe("npm run bench -- --quick --json", () => {
  it("prints exactly one JSON object with every workload's figures, the machine and the goals", async () => {
    const { code, stdout, stderr } = await runBench(["--quick", "--json", "--n", "60", "--subscribers", "2"]);
    expect(code, stderr.slice(-2_000)).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]!);

    expect(report.errors).toBeUndefined();
    expect(report.machine).toMatchObject({
      cores: number,
      node: process.version,
      "cpu model": expect.any(String),
    });
    expect(report.pipeline).toMatchObject({
      msgs_per_s: number,
      baseline_msgs_per_s: number,
      cpu_us_per_msg: number,
      rss_mb_peak: number,
    });
    expect(report.pipeline.stored_messages).toBeGreaterThan(0);
    expect(report.pipeline.alerts_created).toBe(report.pipeline.baseline_publishes);
    expect(report.scoring_scale).toMatchObject({
      us_per_msg_10_profiles: number,
      us_per_msg_1000_profiles: number,
    });
    expect(report.alert_latency_ms).toMatchObject({
      p50: number,
      p99: number,
      subscribers: 2,
      subscription: "alertsAdded",
      messages_per_subscriber: number,
      cpu_us_per_alert: { sentinel: number, ui: number, subscribers: number },
    });
    expect(report.alert_latency_ms.received_receipts).toBe(report.alert_latency_ms.expected_receipts);
    expect(report.session_import_ms).toMatchObject({ p50: number, p99: number });
    expect(
      report.session_import_ms.by_size.map((s: { file_bytes: number }) => Math.round(s.file_bytes / 1e6)),
    ).toEqual([1, 10]);
    expect(report.graphql_alerts_page_ms).toMatchObject({ p50: number, p99: number, cached_alerts: 600 });

    expect(report.goals).toHaveLength(6);
    for (const goal of report.goals) expect(typeof goal.met).toBe("boolean");
    expect(report.all_goals_met).toBe(report.goals.every((g: { met: boolean }) => g.met));
  });

  it("refuses unknown workloads with exit code 2 and prints nothing on stdout", async () => {
    const { code, stdout, stderr } = await runBench(["--json", "--only", "pipeline,warp-drive"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain("unknown workload warp-drive");
    const subscription = await runBench(["--json", "--alert-subscription", "alertsRemoved"]);
    expect(subscription.code).toBe(2);
    expect(subscription.stderr).toContain("--alert-subscription must be one of alertsAdded, alertAdded");
  });
});
