import { StorageError, storageErrorOf } from "./errors";
import type { Transport } from "./transport";

/**
 * Sending bytes with a PUT: the whole file (method "put") or one part of a multipart upload. In browsers
 * by XMLHttpRequest (the only upload progress a browser reports, and where ETag is read when the bucket's
 * CORS exposes it); in Node by fetch with a streamed body of declared length, counted as the network takes it.
 */
export async function putBytes(transport: Transport, url: string, blob: Blob, headers: Record<string, string>, onBytes: (sent: number) => void, signal?: AbortSignal): Promise<{ eTag: string | null }> {
  if (typeof XMLHttpRequest === "function") return putWithXhr(url, blob, headers, onBytes, signal);
  let sent = 0;
  const reader = blob.stream().getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await reader.read();
      if (done) return controller.close();
      sent += value.byteLength;
      controller.enqueue(value);
      onBytes(sent);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  // Host and length are the HTTP client's to set; the length is still the blob's, which the URL binds.
  const sentHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (!/^(host|content-length)$/i.test(name)) sentHeaders[name] = value;
  sentHeaders["content-length"] = String(blob.size);
  const init: RequestInit & { duplex: "half" } = { method: "PUT", body, duplex: "half", headers: sentHeaders };
  if (signal) init.signal = signal;
  const response = await transport.fetch(url, init);
  const text = await response.text();
  if (response.status >= 300) throw storageErrorOf(response.status, text);
  return { eTag: response.headers.get("etag") };
}

function putWithXhr(url: string, blob: Blob, headers: Record<string, string>, onBytes: (sent: number) => void, signal?: AbortSignal): Promise<{ eTag: string | null }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    // Browsers refuse to set these themselves; they send the right values from the body.
    for (const [name, value] of Object.entries(headers)) if (!/^(host|content-length)$/i.test(name)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => onBytes(Math.min(e.loaded, blob.size));
    xhr.onload = () => (xhr.status < 300 ? resolve({ eTag: xhr.getResponseHeader("etag") }) : reject(storageErrorOf(xhr.status, xhr.responseText)));
    xhr.onerror = () => reject(new TypeError("fetch failed"));
    xhr.onabort = () => reject(signal?.reason ?? new DOMException("Aborted", "AbortError"));
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(blob);
  });
}

/**
 * The base64 SHA-256 a PUT declares (x-amz-checksum-sha256). Node hashes the blob as a stream (a path
 * is never read whole into memory); browsers have only the one-shot WebCrypto digest.
 */
export async function sha256Base64(blob: Blob): Promise<string> {
  if (typeof process !== "undefined" && process.versions?.node) {
    const { createHash } = await import("node:crypto");
    const hash = createHash("sha256");
    const reader = blob.stream().getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) hash.update(read.value);
    return hash.digest("base64");
  }
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  let binary = "";
  for (const byte of new Uint8Array(digest)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 8_000;

/**
 * Runs `attempt` again after a network failure or a 5xx from storage, waiting longer each time (with
 * jitter, so parallel parts do not retry in step). Refusals (4xx) and cancellation are final at once.
 */
export async function withRetry<T>(attempt: (tryNumber: number) => Promise<T>, retries: number, signal?: AbortSignal): Promise<T> {
  for (let tryNumber = 0; ; tryNumber++) {
    try {
      return await attempt(tryNumber);
    } catch (error) {
      if (signal?.aborted || tryNumber >= retries || !retryable(error)) throw error;
      const wait = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** tryNumber) * (0.5 + Math.random() / 2);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          signal?.removeEventListener("abort", aborted);
          resolve();
        }, wait);
        const aborted = () => {
          clearTimeout(timer);
          reject(signal?.reason);
        };
        signal?.addEventListener("abort", aborted, { once: true });
      });
    }
  }
}

function retryable(error: unknown): boolean {
  // Status 0 is the client's own refusal (no ETag, a size mismatch): sending again would not help.
  if (error instanceof StorageError) return error.status >= 500;
  // fetch's own failure: the connection dropped or could not be made.
  return error instanceof TypeError;
}
