// Entry of the sentinel's worker threads: TypeScript through tsx (as the main thread runs), then
// the module named in workerData.entry. Workers do not take the main thread's --import hooks.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
