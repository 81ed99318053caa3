import type { PostUploadResponse, PresignUploadResponse } from "@media/core/contract/responses";
import { contentTypeForFileName } from "@media/core/media-types";
import { StorageError } from "./errors";
import type { Transport } from "./transport";
import { postFormBody, type ByteSource } from "./upload-body";

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
  /** An authorisation from an earlier, interrupted attempt: used again while it is valid. */
  resume?: PresignUploadResponse;
}

export interface UploadResult {
  fileId: string;
  fileName: string;
  size: number;
  contentType: string;
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
function methodOf(authorisation: PresignUploadResponse): string {
  if ("multipart" in authorisation) return "multipart";
  return "method" in authorisation.upload ? authorisation.upload.method.toLowerCase() : "post";
}

/**
 * Sends the bytes as the authorisation says. Today the API hands out POST policies; the other ways
 * (PUT, multipart for large files) become further entries of `SENDERS`, chosen by what the API answered.
 */
export async function sendBytes(transport: Transport, authorisation: PresignUploadResponse, source: ResolvedSource, contentType: string, options: UploadOptions): Promise<void> {
  const method = methodOf(authorisation);
  const sender = SENDERS[method];
  if (!sender) throw new StorageError(0, `This client cannot upload by "${method}"; update it.`);
  await sender(transport, authorisation, source, contentType, options);
}

type Sender = (transport: Transport, authorisation: PresignUploadResponse, source: ResolvedSource, contentType: string, options: UploadOptions) => Promise<void>;

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
    if (response.status >= 300) throw new StorageError(response.status, storageMessage(text, response.status));
  },
};

function postWithXhr(upload: PostUploadResponse["upload"], blob: Blob, fileName: string, contentType: string, progress: (loaded: number) => void, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(upload.fields)) form.append(k, v);
    form.append("file", new Blob([blob], { type: contentType }), fileName);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", upload.url);
    xhr.upload.onprogress = (e) => progress(Math.min(e.loaded, blob.size));
    xhr.onload = () => (xhr.status < 300 ? resolve() : reject(new StorageError(xhr.status, storageMessage(xhr.responseText, xhr.status))));
    xhr.onerror = () => reject(new StorageError(0, "The upload to storage failed (network)."));
    xhr.onabort = () => reject(signal?.reason ?? new DOMException("Aborted", "AbortError"));
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}

/** S3 answers XML: its <Message> is the reason. */
function storageMessage(text: string, status: number): string {
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  return `Storage refused the upload (${status}${message ? `: ${message}` : ""}).`;
}
