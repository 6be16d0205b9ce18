import type { GraphQLClient } from "../graphql/client.ts";
import { describeError, errorCode } from "../graphql/errors.ts";
import {
  UploadSessionDocument,
  type UploadSessionMutation,
  type WorkerStatusFieldsFragment,
} from "../graphql/generated/graphql.ts";
import { type UploadProgress, uploadMultipart } from "../graphql/multipart-upload.ts";
import { checkSessionFile, type SessionFileLike } from "../session-file-check.ts";

export type UploadPhase =
  | { kind: "idle" }
  | { kind: "checking"; fileName: string }
  | { kind: "rejected"; fileName: string; message: string }
  | { kind: "ready"; file: File }
  | { kind: "uploading"; fileName: string; progress: UploadProgress | null }
  | { kind: "waiting"; fileName: string }
  | { kind: "done"; result: UploadSessionMutation["uploadSession"] }
  | { kind: "failed"; fileName: string; message: string; code: string | null };

/**
 * One session upload from pick to answer: client-side checks, the multipart request with
 * progress, then the server's wait for the worker's authorization (the mutation answers once the
 * worker reports, or with the exact error).
 */
export class SessionUpload {
  phase = $state<UploadPhase>({ kind: "idle" });
  private abort: AbortController | null = null;

  constructor(
    private readonly client: GraphQLClient,
    /** Gets the worker status the upload's answer carries, so every view shows it at once. */
    private readonly onStatus?: (status: WorkerStatusFieldsFragment) => void,
    private readonly xhrFactory?: () => XMLHttpRequest,
  ) {}

  get busy(): boolean {
    return this.phase.kind === "checking" || this.phase.kind === "uploading" || this.phase.kind === "waiting";
  }

  async choose(file: File & SessionFileLike): Promise<void> {
    if (this.busy) return;
    this.phase = { kind: "checking", fileName: file.name };
    const problem = await checkSessionFile(file);
    this.phase = problem
      ? { kind: "rejected", fileName: file.name, message: problem.message }
      : { kind: "ready", file };
  }

  async upload(): Promise<void> {
    if (this.phase.kind !== "ready") return;
    const file = this.phase.file;
    this.abort = new AbortController();
    this.phase = { kind: "uploading", fileName: file.name, progress: { loaded: 0, total: file.size } };
    try {
      const response = await uploadMultipart({
        document: UploadSessionDocument,
        variables: {},
        fileVariable: "file",
        file,
        signal: this.abort.signal,
        xhrFactory: this.xhrFactory,
        onProgress: (progress) => {
          if (this.phase.kind === "uploading") this.phase = { ...this.phase, progress };
        },
        onUploaded: () => {
          this.phase = { kind: "waiting", fileName: file.name };
        },
      });
      const data = this.client.readResult<UploadSessionMutation>(response.status, response.body);
      if (data.uploadSession.status) this.onStatus?.(data.uploadSession.status);
      this.phase = { kind: "done", result: data.uploadSession };
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") {
        this.phase = { kind: "idle" };
      } else {
        this.phase = {
          kind: "failed",
          fileName: file.name,
          message: describeError(error),
          code: errorCode(error),
        };
      }
    } finally {
      this.abort = null;
    }
  }

  cancel(): void {
    this.abort?.abort();
  }

  reset(): void {
    if (!this.busy) this.phase = { kind: "idle" };
  }
}
