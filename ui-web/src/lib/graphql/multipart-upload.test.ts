import { describe, expect, it } from "vitest";
import { CSRF_HEADER } from "./client.ts";
import { UploadSessionDocument } from "./generated/graphql.ts";
import { uploadMultipart } from "./multipart-upload.ts";

/** Records what the upload does with XMLHttpRequest and lets the test drive its events. */
class FakeXhr {
  static last: FakeXhr | null = null;
  method = "";
  url = "";
  headers: Record<string, string> = {};
  body: FormData | null = null;
  withCredentials = false;
  status = 0;
  responseText = "";
  upload: { onprogress: ((e: ProgressEvent) => void) | null; onload: (() => void) | null } = {
    onprogress: null,
    onload: null,
  };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  ontimeout: (() => void) | null = null;
  onabort: (() => void) | null = null;
  constructor() {
    FakeXhr.last = this;
  }
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  send(body: FormData) {
    this.body = body;
  }
  abort() {
    this.onabort?.();
  }
}

describe("uploadMultipart", () => {
  it("sends operations, map and the file as field 0 with the CSRF header, reporting progress", async () => {
    const file = new File([new Uint8Array(64)], "me.session");
    const progress: number[] = [];
    let uploaded = false;
    const pending = uploadMultipart({
      document: UploadSessionDocument,
      variables: {},
      fileVariable: "file",
      file,
      onProgress: (p) => progress.push(p.loaded / p.total),
      onUploaded: () => {
        uploaded = true;
      },
      xhrFactory: () => new FakeXhr() as unknown as XMLHttpRequest,
    });
    const xhr = FakeXhr.last!;
    expect(xhr.method).toBe("POST");
    expect(xhr.url).toBe("/graphql");
    expect(xhr.headers[CSRF_HEADER]).toBe("1");
    expect(xhr.withCredentials).toBe(true);
    const operations = JSON.parse(String(xhr.body!.get("operations")));
    expect(operations.query).toContain("mutation UploadSession($file: Upload!)");
    expect(operations.variables).toEqual({ file: null });
    expect(JSON.parse(String(xhr.body!.get("map")))).toEqual({ "0": ["variables.file"] });
    expect((xhr.body!.get("0") as File).name).toBe("me.session");
    expect(Array.from(xhr.body!.keys())).toEqual(["operations", "map", "0"]);

    xhr.upload.onprogress?.({ lengthComputable: true, loaded: 32, total: 64 } as ProgressEvent);
    xhr.upload.onprogress?.({ lengthComputable: true, loaded: 64, total: 64 } as ProgressEvent);
    xhr.upload.onload?.();
    xhr.status = 200;
    xhr.responseText = '{"data":{}}';
    xhr.onload?.();
    expect(await pending).toEqual({ status: 200, body: '{"data":{}}' });
    expect(progress).toEqual([0.5, 1]);
    expect(uploaded).toBe(true);
  });

  it("rejects with an AbortError when cancelled", async () => {
    const controller = new AbortController();
    const pending = uploadMultipart({
      document: UploadSessionDocument,
      variables: {},
      fileVariable: "file",
      file: new File(["x"], "a.session"),
      signal: controller.signal,
      xhrFactory: () => new FakeXhr() as unknown as XMLHttpRequest,
    });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
  });
});
