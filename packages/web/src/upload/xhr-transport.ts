import { AbortedError, errorFromResponse, errorFromThrown } from "../api/errors";
import type { Transfer } from "./upload-queue";

/**
 * The browser's presigned POST: every policy field, then the file as the last part named `file`
 * (S3 ignores fields after the file). XMLHttpRequest rather than fetch because only XHR reports upload
 * progress and can be aborted mid-body in every browser. Storage refusals come back as S3 XML.
 */
export function xhrSend(target: { url: string; fields: Record<string, string> }, file: Blob, onProgress: (loaded: number, total: number) => void): Transfer {
  const xhr = new XMLHttpRequest();
  const done = new Promise<void>((resolve, reject) => {
    xhr.open("POST", target.url);
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) onProgress(e.loaded, e.total);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else reject(errorFromResponse(xhr.status, xhr.getResponseHeader("content-type"), xhr.responseText ?? "", "storage"));
    });
    // Status 0: the connection failed or CORS hid the answer; either way nothing readable came back.
    xhr.addEventListener("error", () => reject(errorFromThrown(new TypeError("network"), "storage")));
    xhr.addEventListener("timeout", () => reject(errorFromThrown(new DOMException("timeout", "TimeoutError"), "storage")));
    xhr.addEventListener("abort", () => reject(new AbortedError()));
    const form = new FormData();
    for (const [k, v] of Object.entries(target.fields)) form.append(k, v);
    form.append("file", file);
    xhr.send(form);
  });
  return { done, abort: () => xhr.abort() };
}
