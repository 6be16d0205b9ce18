/**
 * Entry point of a benchmark child process: loads the role named on the command line and
 * answers the parent's calls with it (see child-rpc.ts).
 */
import { type RoleName, serveRequests } from "./child-rpc.ts";

const ROLES: Record<RoleName, () => Promise<{ handlers: Record<string, (params: never) => unknown> }>> = {
  pipeline: () => import("./pipeline.ts"),
  baseline: () => import("./pipeline-baseline.ts"),
  "scoring-scale": () => import("./scoring-scale.ts"),
  "sentinel-server": () => import("./sentinel-server.ts"),
  "ui-server": () => import("./ui-server.ts"),
};

const role = process.argv[2] as RoleName;
const load = ROLES[role];
if (!load) {
  process.stderr.write(`role-host: unknown role ${role}\n`);
  process.exit(2);
}
serveRequests((await load()).handlers);
