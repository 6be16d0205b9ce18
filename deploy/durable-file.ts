/** Small synchronous file steps that survive a crash: explicit modes, fsync of files and directories. */
import fs from "node:fs";
import { BACKUP_FILE_MODE } from "./backup-manifest.ts";

/** Creates an empty file that must not exist yet, with `mode` exactly (the umask is overridden). */
export function createPrivateFile(file: string, mode = BACKUP_FILE_MODE): void {
  const fd = fs.openSync(file, "wx", mode);
  try {
    fs.fchmodSync(fd, mode);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes a new file with `mode` exactly and fsyncs it. */
export function writePrivateFile(file: string, data: string | Buffer, mode = BACKUP_FILE_MODE): void {
  const fd = fs.openSync(file, "wx", mode);
  try {
    fs.fchmodSync(fd, mode);
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function fsyncFile(file: string): void {
  const fd = fs.openSync(file, "r+");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function fsyncDirectory(dir: string): void {
  const fd = fs.openSync(dir, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
