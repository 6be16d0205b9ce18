/** Stable codes for everything backup and restore refuse to do; the CLIs map them to exit codes. */
export type BackupErrorCode =
  | "INVALID_ARGUMENTS"
  | "INVALID_DATA_PATH"
  | "OUTPUT_EXISTS"
  | "NOTHING_TO_BACK_UP"
  | "SOURCE_INVALID"
  | "MANIFEST_INVALID"
  | "FILE_MISSING"
  | "CHECKSUM_MISMATCH"
  | "INTEGRITY_FAILED"
  | "CONTENT_MISMATCH"
  | "MIGRATIONS_MISMATCH"
  | "SESSION_INVALID"
  | "SESSION_NOT_IN_BACKUP"
  | "NOTHING_TO_RESTORE"
  | "SERVICE_RUNNING";

export class BackupError extends Error {
  readonly code: BackupErrorCode;
  constructor(code: BackupErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BackupError";
    this.code = code;
  }
}
