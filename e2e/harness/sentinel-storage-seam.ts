/**
 * The sentinel (the real app from sentinel/app.ts, configured from the environment like
 * sentinel/server.ts) with one test seam: the session store's `beforeRename` hook fails with the
 * errno named in the file FAULTS_STORAGE_FAULT_FILE, when that file exists. Used by the storage
 * fault test only on machines where a real tiny filesystem cannot be mounted.
 */
import fs from "node:fs";
import { buildSentinelApp } from "../../sentinel/app.ts";
import { loadEnvironment } from "../../sentinel/environment.ts";

const faultFile = process.env.FAULTS_STORAGE_FAULT_FILE;
if (!faultFile) throw new Error("FAULTS_STORAGE_FAULT_FILE is not set");

const config = loadEnvironment();
const app = await buildSentinelApp({
  config,
  sessionStoreHooks: {
    beforeRename: () => {
      if (!fs.existsSync(faultFile)) return;
      const code = fs.readFileSync(faultFile, "utf8").trim();
      throw Object.assign(new Error(`${code}: injected storage fault`), { code });
    },
  },
});
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
await app.listen({ host: config.api.host, port: config.api.port });
