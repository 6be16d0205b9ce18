/**
 * Reads a V8 `.cpuprofile` (written by `node --cpu-prof`, or by `npm run bench -- --profile`) and
 * prints the functions with the most self time, and the files they live in:
 *
 *   npx tsx bench/cpu-profile-summary.ts <file.cpuprofile> [--top 25]
 */
import fs from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
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

/** Self time per function (summed over every node of that function), biggest first. */
export function hotFunctions(profile: CpuProfile, top: number): HotFunction[] {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    // A sample's time is the gap to the next sample (V8 records the gap before it).
    const next = deltas[i + 1] ?? 0;
    selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + Math.max(0, next));
  }
  const total = [...selfUs.values()].reduce((sum, us) => sum + us, 0) || 1;
  const byFunction = new Map<string, HotFunction>();
  for (const [id, us] of selfUs) {
    const frame = nodes.get(id)?.callFrame;
    if (!frame) continue;
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
  const file = positionals[0];
  if (!file) {
    process.stderr.write("usage: npx tsx bench/cpu-profile-summary.ts <file.cpuprofile> [--top 25]\n");
    process.exit(2);
  }
  const profile = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;
  const top = Number(values.top);
  const all = hotFunctions(profile, Number.MAX_SAFE_INTEGER);
  process.stdout.write(
    `${file}: ${((profile.endTime - profile.startTime) / 1_000).toFixed(0)} ms profiled\n\n`,
  );
  process.stdout.write("self %   self ms  function (location)\n");
  for (const fn of all.slice(0, top)) {
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
