/** A temp directory per fault suite: data directories, logs and session files live under it. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface WorkDir {
  path: string;
  /** Removes the directory (kept when FAULTS_KEEP_WORKDIR=1, to read the logs of a failed run). */
  remove(): void;
}

export function makeWorkDir(name: string): WorkDir {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tgsentinel-faults-${name}-`));
  return {
    path: dir,
    remove() {
      if (process.env.FAULTS_KEEP_WORKDIR === "1") {
        process.stderr.write(`fault test work directory kept: ${dir}\n`);
        return;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
