/**
 * Reads V8 `.cpuprofile` files (written by `node --cpu-prof`, or by `npm run bench -- --profile`)
 * and prints the functions with the most self time, and the files they live in (several files,
 * such as the timed windows of one workload, are added up):
 *
 *   npx tsx bench/cpu-profile-summary.ts <file.cpuprofile>... [--top 25]
 */
import fs from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** One function's share of the samples. */
export interface HotFunction {
  name: string;
  location: string;
  selfMs: number;
  selfPercent: number;
}

/**
 * Self time per function (summed over every node of that function, and over all `profiles`),
 * biggest first.
 */
export function hotFunctions(profiles: CpuProfile | CpuProfile[], top: number): HotFunction[] {
  const selfUs: Array<{ frame: ProfileNode["callFrame"]; us: number }> = [];
  for (const profile of Array.isArray(profiles) ? profiles : [profiles]) {
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    const perNode = new Map<number, number>();
    const samples = profile.samples ?? [];
    const deltas = profile.timeDeltas ?? [];
    for (let i = 0; i < samples.length; i++) {
      // A sample's time is the gap to the next sample (V8 records the gap before it).
      const next = deltas[i + 1] ?? 0;
      perNode.set(samples[i]!, (perNode.get(samples[i]!) ?? 0) + Math.max(0, next));
    }
    for (const [id, us] of perNode) {
      const frame = nodes.get(id)?.callFrame;
      if (frame) selfUs.push({ frame, us });
    }
  }
  const total = selfUs.reduce((sum, entry) => sum + entry.us, 0) || 1;
  const byFunction = new Map<string, HotFunction>();
  for (const { frame, us } of selfUs) {
    const file = frame.url.replace(/^file:\/\//, "").replace(`${process.cwd()}/`, "");
    const name = frame.functionName || "(anonymous)";
    const location = file ? `${file}:${frame.lineNumber + 1}` : "(native)";
    const key = `${name} ${location}`;
    const entry = byFunction.get(key) ?? { name, location, selfMs: 0, selfPercent: 0 };
    entry.selfMs += us / 1_000;
    entry.selfPercent += (us / total) * 100;
    byFunction.set(key, entry);
  }
  return [...byFunction.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
}

/** Self time per source file, biggest first. */
export function hotFiles(functions: HotFunction[]): Array<{ file: string; selfPercent: number }> {
  const files = new Map<string, number>();
  for (const fn of functions) {
    const file = fn.location.replace(/:\d+$/, "");
    files.set(file, (files.get(file) ?? 0) + fn.selfPercent);
  }
  return [...files]
    .map(([file, selfPercent]) => ({ file, selfPercent }))
    .sort((a, b) => b.selfPercent - a.selfPercent);
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: "string", default: "25" } },
  });
  if (positionals.length === 0) {
    process.stderr.write("usage: npx tsx bench/cpu-profile-summary.ts <file.cpuprofile>... [--top 25]\n");
    process.exit(2);
  }
  const profiles = positionals.map((file) => JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile);
  const all = hotFunctions(profiles, Number.MAX_SAFE_INTEGER);
  const ms = profiles.reduce((sum, p) => sum + (p.endTime - p.startTime) / 1_000, 0);
  process.stdout.write(`${positionals.length} profile(s), ${ms.toFixed(0)} ms profiled\n\n`);
  process.stdout.write("self %   self ms  function (location)\n");
  for (const fn of all.slice(0, Number(values.top))) {
    process.stdout.write(
      `${fn.selfPercent.toFixed(1).padStart(6)}  ${fn.selfMs.toFixed(1).padStart(8)}  ${fn.name} (${fn.location})\n`,
    );
  }
  process.stdout.write("\nby file:\n");
  for (const entry of hotFiles(all).slice(0, 12)) {
    process.stdout.write(`${entry.selfPercent.toFixed(1).padStart(6)}  ${entry.file}\n`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
