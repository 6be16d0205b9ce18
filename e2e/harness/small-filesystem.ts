/**
 * A real, tiny filesystem for storage faults: a size-limited tmpfs mounted on a directory, which
 * the test fills to the last byte (writes fail with ENOSPC) or remounts read-only (EROFS). This
 * needs mount privileges (root with CAP_SYS_ADMIN, as on the project's machines and CI); where
 * mounting is refused, `mountSmallFilesystem` returns null and the caller falls back to an
 * injected failure (see sentinel-storage-seam.ts).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export class SmallFilesystem {
  private fillers = 0;

  private constructor(readonly dir: string) {}

  /** Mounts a tmpfs of `sizeBytes` on `dir` (created if missing); null when mounting is not permitted. */
  static mount(dir: string, sizeBytes: number): SmallFilesystem | null {
    fs.mkdirSync(dir, { recursive: true });
    const result = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${sizeBytes},mode=0755`, "tmpfs", dir], {
      encoding: "utf8",
    });
    if (result.status !== 0) return null;
    return new SmallFilesystem(dir);
  }

  /** Writes filler files until the filesystem refuses even one more byte (ENOSPC). */
  fill(): void {
    for (const chunk of [64 * 1024, 4096, 1]) {
      const file = path.join(this.dir, `.filler-${this.fillers++}`);
      const fd = fs.openSync(file, "w");
      try {
        const bytes = Buffer.alloc(chunk, 0x55);
        for (;;) fs.writeSync(fd, bytes);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
      } finally {
        fs.closeSync(fd);
      }
    }
  }

  /** Deletes the filler files: the space is free again. */
  drain(): void {
    for (const name of fs.readdirSync(this.dir)) {
      if (name.startsWith(".filler-")) fs.rmSync(path.join(this.dir, name), { force: true });
    }
  }

  /** Remounts read-only (true) or read-write (false); the contents stay. */
  setReadOnly(readOnly: boolean): void {
    const result = spawnSync("mount", ["-o", `remount,${readOnly ? "ro" : "rw"}`, this.dir], {
      encoding: "utf8",
    });
    if (result.status !== 0) throw new Error(`remount ${this.dir} failed: ${result.stderr}`);
  }

  /** Unmounts (lazily, so a process still holding a file cannot keep it mounted). */
  unmount(): void {
    spawnSync("umount", ["-l", this.dir]);
  }
}
