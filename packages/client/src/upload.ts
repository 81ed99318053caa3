import type { PostUploadResponse, PresignUploadResponse } from "@media/core/contract/responses";
import { contentTypeForFileName } from "@media/core/media-types";
import { StorageError, storageErrorOf } from "./errors";
import type { Transport } from "./transport";
import { postFormBody, type ByteSource } from "./upload-body";
import { listParts, sendMultipart, type MultipartOptions } from "./upload-multipart";
import { putBytes, withRetry } from "./upload-put";

/** A browser File or Blob, a path on disk (Node), or a stream of known size. */
export type UploadSource = Blob | string | { data: ByteSource; size: number; fileName: string; contentType?: string };

export interface UploadProgress {
  fileId: string;
  loaded: number;
  total: number;
}

export interface UploadOptions {
  /** Defaults to the File's or the path's name. */
  fileName?: string;
  /** Defaults to the Blob's type, else what the name's extension suggests. */
  contentType?: string;
  signal?: AbortSignal;
  onProgress?: (progress: UploadProgress) => void;
  /** Told the authorisation before any byte is sent: what a caller keeps to resume after a crash. */
  onAuthorised?: (authorisation: PresignUploadResponse) => void | Promise<void>;
  /** An authorisation from an earlier, interrupted attempt: used again while it is valid (a multipart one sends only the missing parts). */
  resume?: PresignUploadResponse;
  /**
   * How the bytes go. Default: "multipart" above `multipartThreshold` for a Blob or a path, else "post".
   * "put" (one request, SHA-256 checked by storage) suits mobile background transfers. A stream can go
   * only by "post": the other ways read the file more than once (to hash it, to resend a part).
   */
  method?: UploadMethod;
  /** Bytes above which a Blob or a path goes by multipart when no method is given. Default 64 MiB. */
  multipartThreshold?: number;
  /** Parts of a multipart upload sent at once. Default 4. */
  partConcurrency?: number;
  /** Attempts after the first per part (or PUT) on a network failure or a 5xx, waiting longer each time. Default 4. */
  retries?: number;
  /** Told each part storage accepted, as it does. */
  onPart?: (part: { partNumber: number; size: number }) => void;
}

export type UploadMethod = "post" | "put" | "multipart";

export const DEFAULT_MULTIPART_THRESHOLD = 64 * 1024 * 1024;

/** The method an upload uses: the caller's, else by size; a stream (no Blob) only by POST. */
export function chooseMethod(source: ResolvedSource, options: UploadOptions): UploadMethod {
  const method = options.method ?? (source.blob && source.size > (options.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD) ? "multipart" : "post");
  if (method !== "post" && !source.blob) throw new TypeError(`A "${method}" upload needs a Blob, a File or a path: it reads the file more than once.`);
  return method;
}

export interface UploadResult {
  fileId: string;
  fileName: string;
  size: number;
  contentType: string;
  /** How the bytes went: "post", "put" or "multipart". */
  method: string;
}

export interface ResolvedSource {
  data: () => ByteSource;
  size: number;
  fileName: string;
  contentType: string | undefined;
  blob?: Blob;
}

export async function resolveSource(source: UploadSource, options: UploadOptions): Promise<ResolvedSource> {
  if (typeof source === "string") {
    // Only Node reaches this branch; a browser bundle never loads node:fs.
    const { openAsBlob } = await import("node:fs");
    const { basename } = await import("node:path");
    const blob = await openAsBlob(source);
    const fileName = options.fileName ?? basename(source);
    return { data: () => blob.stream(), size: blob.size, fileName, contentType: options.contentType ?? contentTypeForFileName(fileName), blob };
  }
  if (source instanceof Blob) {
    const fileName = options.fileName ?? (source as Partial<File>).name ?? "file";
    return { data: () => source.stream(), size: source.size, fileName, contentType: options.contentType ?? (source.type || contentTypeForFileName(fileName)), blob: source };
  }
  const fileName = options.fileName ?? source.fileName;
  return { data: () => source.data, size: source.size, fileName, contentType: options.contentType ?? source.contentType ?? contentTypeForFileName(fileName) };
}

/** An authorisation is used again only with this much of its life left, so the bytes arrive in time. */
const RESUME_MARGIN_MS = 60_000;

export function stillValid(authorisation: PresignUploadResponse, size: number, now: number): boolean {
  return authorisation.maxBytes === size && Date.parse(expiryOf(authorisation)) - RESUME_MARGIN_MS > now;
}

function expiryOf(authorisation: PresignUploadResponse): string {
  return "multipart" in authorisation ? authorisation.multipart.expiresAt : authorisation.upload.expiresAt;
}

/** How the authorisation says the bytes go: the keys of `SENDERS`. */
export function methodOf(authorisation: PresignUploadResponse): string {
  if ("multipart" in authorisation) return "multipart";
  return "method" in authorisation.upload ? authorisation.upload.method.toLowerCase() : "post";
}

/**
 * Sends the bytes as the authorisation says (what the API answered decides, not what was asked), one
 * entry of `SENDERS` per method. `resuming`: the authorisation is an earlier attempt's.
 */
export async function sendBytes(transport: Transport, authorisation: PresignUploadResponse, source: ResolvedSource, contentType: string, options: UploadOptions, resuming = false): Promise<void> {
  const method = methodOf(authorisation);
  const sender = SENDERS[method];
  if (!sender) throw new StorageError(0, `This client cannot upload by "${method}"; update it.`);
  await sender(transport, authorisation, source, contentType, options, resuming);
}

type Sender = (transport: Transport, authorisation: PresignUploadResponse, source: ResolvedSource, contentType: string, options: UploadOptions, resuming: boolean) => Promise<void>;

const DEFAULT_PART_CONCURRENCY = 4;
const DEFAULT_RETRIES = 4;

function blobOf(source: ResolvedSource): Blob {
  if (!source.blob) throw new TypeError("This upload needs a Blob, a File or a path.");
  return source.blob;
}

const SENDERS: Record<string, Sender> = {
  post: async (transport, authorisation, source, contentType, options) => {
    if (methodOf(authorisation) !== "post") throw new StorageError(0, "Not a POST authorisation.");
    const { fileId, upload } = authorisation as PostUploadResponse;
    const progress = (loaded: number) => options.onProgress?.({ fileId, loaded, total: source.size });
    progress(0);
    // Browsers cannot stream a request body over HTTP/1.1; XHR is how they report upload progress.
    if (typeof XMLHttpRequest === "function" && source.blob) return postWithXhr(upload, source.blob, source.fileName, contentType, progress, options.signal);
    const body = postFormBody(upload.fields, { data: source.data(), size: source.size, fileName: source.fileName, contentType }, progress);
    const init: RequestInit & { duplex: "half" } = {
      method: "POST",
      body: body.stream,
      duplex: "half",
      // A connection of its own: storage closes a connection whose POST it refused before reading it all.
      headers: { "content-type": body.contentType, "content-length": String(body.length), connection: "close" },
    };
    if (options.signal) init.signal = options.signal;
    const response = await transport.fetch(upload.url, init);
    const text = await response.text();
    if (response.status >= 300) throw storageErrorOf(response.status, text);
  },

  put: async (transport, authorisation, source, _contentType, options) => {
    if (!("upload" in authorisation) || !("method" in authorisation.upload)) throw new StorageError(0, "Not a PUT authorisation.");
    const { fileId, upload } = authorisation;
    const blob = blobOf(source);
    const progress = (loaded: number) => options.onProgress?.({ fileId, loaded, total: source.size });
    progress(0);
    // The headers are signed into the URL (type, checksum, name): sent exactly as given.
    await withRetry(() => putBytes(transport, upload.url, blob, upload.headers, progress, options.signal), options.retries ?? DEFAULT_RETRIES, options.signal);
  },

  multipart: async (transport, authorisation, source, _contentType, options, resuming) => {
    if (!("multipart" in authorisation)) throw new StorageError(0, "Not a multipart authorisation.");
    const { fileId, multipart } = authorisation;
    const already = resuming ? (await listParts(transport, fileId, options.signal)).parts : [];
    await sendMultipart(transport, { fileId, partSize: multipart.partSize, partCount: multipart.partCount }, blobOf(source), multipartOptions(fileId, source.size, options), already);
  },
};

export function multipartOptions(fileId: string, total: number, options: UploadOptions): MultipartOptions {
  return {
    concurrency: options.partConcurrency ?? DEFAULT_PART_CONCURRENCY,
    retries: options.retries ?? DEFAULT_RETRIES,
    signal: options.signal,
    onProgress: (loaded) => options.onProgress?.({ fileId, loaded, total }),
    onPart: options.onPart,
  };
}

function postWithXhr(upload: PostUploadResponse["upload"], blob: Blob, fileName: string, contentType: string, progress: (loaded: number) => void, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(upload.fields)) form.append(k, v);
    form.append("file", new Blob([blob], { type: contentType }), fileName);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", upload.url);
    // The form's fields count in the body too: the file's share of what went is what is reported.
    xhr.upload.onprogress = (e) => progress(e.lengthComputable && e.total > 0 ? Math.min(blob.size, Math.round((e.loaded / e.total) * blob.size)) : Math.min(e.loaded, blob.size));
    xhr.onload = () => (xhr.status < 300 ? resolve() : reject(storageErrorOf(xhr.status, xhr.responseText)));
    // As fetch does: a network failure is a TypeError, whichever way the bytes went.
    xhr.onerror = () => reject(new TypeError("fetch failed"));
    xhr.onabort = () => reject(signal?.reason ?? new DOMException("Aborted", "AbortError"));
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}
