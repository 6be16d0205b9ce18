import { CSRF_HEADER, type Document } from "./client.ts";

/**
 * Sends one file with a mutation following the GraphQL multipart request spec (fields
 * `operations`, `map`, `0`) over XMLHttpRequest, the only browser API that reports upload
 * progress. The CSRF header is required by the server on multipart requests.
 */

export interface UploadProgress {
  loaded: number;
  total: number;
}

export interface MultipartUploadOptions<TVariables, K extends keyof TVariables & string> {
  endpoint?: string;
  document: Document<unknown, TVariables>;
  /** Variables without the file; the file goes to `variables[fileVariable]`. */
  variables: Omit<TVariables, K>;
  fileVariable: K;
  file: Blob & { name?: string };
  /** Upload progress (bytes sent of total). */
  onProgress?: (progress: UploadProgress) => void;
  /** All bytes are sent; the server is now working on its answer. */
  onUploaded?: () => void;
  signal?: AbortSignal;
  /** Test seam; `XMLHttpRequest` by default. */
  xhrFactory?: () => XMLHttpRequest;
}

export interface MultipartResponse {
  status: number;
  body: string;
}

/** Builds the multipart body of the spec. Exported for tests. */
export function multipartBody(
  query: string,
  variables: Record<string, unknown>,
  fileVariable: string,
  file: Blob & { name?: string },
): FormData {
  const form = new FormData();
  form.append("operations", JSON.stringify({ query, variables: { ...variables, [fileVariable]: null } }));
  form.append("map", JSON.stringify({ "0": [`variables.${fileVariable}`] }));
  form.append("0", file, file.name ?? "upload");
  return form;
}

export function uploadMultipart<TVariables, K extends keyof TVariables & string>(
  options: MultipartUploadOptions<TVariables, K>,
): Promise<MultipartResponse> {
  return new Promise((resolve, reject) => {
    const xhr = options.xhrFactory ? options.xhrFactory() : new XMLHttpRequest();
    xhr.open("POST", options.endpoint ?? "/graphql");
    xhr.withCredentials = true;
    xhr.setRequestHeader(CSRF_HEADER, "1");
    xhr.setRequestHeader("accept", "application/graphql-response+json, application/json");
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) options.onProgress?.({ loaded: event.loaded, total: event.total });
    };
    xhr.upload.onload = () => options.onUploaded?.();
    xhr.onload = () => resolve({ status: xhr.status, body: xhr.responseText });
    xhr.onerror = () => reject(new Error("The upload failed: the server could not be reached."));
    xhr.ontimeout = () => reject(new Error("The upload timed out."));
    xhr.onabort = () => reject(new DOMException("The upload was cancelled.", "AbortError"));
    options.signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(
      multipartBody(
        options.document.toString(),
        options.variables as Record<string, unknown>,
        options.fileVariable,
        options.file,
      ),
    );
  });
}
