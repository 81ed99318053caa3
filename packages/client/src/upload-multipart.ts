import type { ApiFile } from "@media/core/contract/responses";
import { StorageError } from "./errors";
import type { Transport } from "./transport";
import { putBytes, withRetry } from "./upload-put";

/** A multipart upload as the API planned it: the service chose the part size from the declared size. */
export interface MultipartPlan {
  fileId: string;
  partSize: number;
  partCount: number;
}

export interface MultipartOptions {
  /** Parts sent at once. */
  concurrency: number;
  /** Attempts after the first, per part, on a network failure or a 5xx. */
  retries: number;
  signal?: AbortSignal | undefined;
  onProgress?: ((loaded: number) => void) | undefined;
  /** Told each part storage accepted (what a caller can count, or show). */
  onPart?: ((part: { partNumber: number; size: number }) => void) | undefined;
}

interface UploadedParts {
  parts: Array<{ partNumber: number; eTag: string; size: number }>;
  partSize: number;
  partCount: number;
}

interface SignedParts {
  parts: Array<{ partNumber: number; url: string }>;
  expiresAt: string;
}

/** URLs asked for per call: a few rounds of parts ahead, but far below the hour they live on a slow link. */
const SIGN_BATCH = 32;
/** A URL is used only with this much of its life left. */
const URL_MARGIN_MS = 60_000;

const filePath = (fileId: string, rest: string) => `/files/${encodeURIComponent(fileId)}/${rest}`;

/** What storage already holds for the upload: the parts to skip when resuming. */
export function listParts(transport: Transport, fileId: string, signal?: AbortSignal): Promise<UploadedParts> {
  return transport.json<UploadedParts>("GET", filePath(fileId, "parts"), { signal });
}

/** The exact length of part `n` (the last holds the rest): its presigned URL binds it. */
function partRange(plan: MultipartPlan, size: number, n: number): [number, number] {
  const start = (n - 1) * plan.partSize;
  return [start, n < plan.partCount ? start + plan.partSize : size];
}

/**
 * Sends the parts storage does not hold yet, `concurrency` at once, each retried on its own, then
 * completes the upload. `alreadyThere` (from `listParts`) makes this a resume: only the missing parts go.
 * On a refusal the parts in flight are let finish (they count for a resume) and the first error is thrown.
 */
export async function sendMultipart(transport: Transport, plan: MultipartPlan, blob: Blob, options: MultipartOptions, alreadyThere: UploadedParts["parts"] = []): Promise<ApiFile> {
  if (Math.ceil(blob.size / plan.partSize) !== plan.partCount && !(blob.size === 0 && plan.partCount === 1)) {
    throw new StorageError(0, `The file is ${blob.size} bytes, not what this upload was planned for (${plan.partCount} parts of ${plan.partSize}).`);
  }
  const eTags = new Map<number, string>();
  let doneBytes = 0;
  for (const part of alreadyThere) {
    const [start, end] = partRange(plan, blob.size, part.partNumber);
    // A part of another length is not this file's: it is sent again, and the new one replaces it.
    if (part.partNumber <= plan.partCount && part.size === end - start) {
      eTags.set(part.partNumber, part.eTag);
      doneBytes += part.size;
    }
  }
  const todo: number[] = [];
  for (let n = 1; n <= plan.partCount; n++) if (!eTags.has(n)) todo.push(n);

  const inFlight = new Map<number, number>();
  const report = () => options.onProgress?.(doneBytes + [...inFlight.values()].reduce((a, b) => a + b, 0));
  report();
  const urls = new PartUrls(transport, plan.fileId, todo, options.signal);
  let failure: { error: unknown } | undefined;
  let next = 0;

  const sendPart = async (n: number) => {
    const [start, end] = partRange(plan, blob.size, n);
    const slice = blob.slice(start, end);
    let refreshed = false;
    const { eTag } = await withRetry(
      async () => {
        inFlight.set(n, 0);
        try {
          return await putBytes(transport, await urls.get(n), slice, {}, (sent) => (inFlight.set(n, sent), report()), options.signal);
        } catch (error) {
          inFlight.set(n, 0);
          report();
          // An expired URL (a long pause, a sleeping laptop): signed again once, then a refusal like any.
          if (error instanceof StorageError && error.status === 403 && !refreshed) {
            refreshed = true;
            urls.forget(n);
            return putBytes(transport, await urls.get(n), slice, {}, (sent) => (inFlight.set(n, sent), report()), options.signal);
          }
          throw error;
        }
      },
      options.retries,
      options.signal,
    );
    if (!eTag) throw new StorageError(0, "Storage answered a part without an ETag (a browser needs the bucket's CORS to expose ETag).");
    inFlight.delete(n);
    eTags.set(n, eTag);
    doneBytes += end - start;
    report();
    options.onPart?.({ partNumber: n, size: end - start });
  };

  const worker = async () => {
    while (!failure && next < todo.length) {
      const n = todo[next++]!;
      try {
        await sendPart(n);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, todo.length)) }, worker));
  if (failure) throw failure.error;

  const parts = [...eTags.entries()].sort(([a], [b]) => a - b).map(([partNumber, eTag]) => ({ partNumber, eTag }));
  return transport.json<ApiFile>("POST", filePath(plan.fileId, "complete"), { json: { parts }, signal: options.signal });
}

/** Part URLs signed a batch at a time as the workers need them; concurrent needs share one request. */
class PartUrls {
  readonly #urls = new Map<number, { url: string; expiresAt: number }>();
  #signing: Promise<void> | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly fileId: string,
    private readonly todo: readonly number[],
    private readonly signal?: AbortSignal,
  ) {}

  async get(n: number): Promise<string> {
    for (;;) {
      const known = this.#urls.get(n);
      if (known && known.expiresAt - URL_MARGIN_MS > this.transport.now()) return known.url;
      if (this.#signing) {
        await this.#signing;
        continue;
      }
      this.#signing = this.sign(n).finally(() => (this.#signing = undefined));
      await this.#signing;
    }
  }

  forget(n: number): void {
    this.#urls.delete(n);
  }

  private async sign(first: number): Promise<void> {
    const now = this.transport.now();
    const from = Math.max(0, this.todo.indexOf(first));
    const wanted = [first, ...this.todo.slice(from + 1).filter((n) => !((this.#urls.get(n)?.expiresAt ?? 0) - URL_MARGIN_MS > now))].slice(0, SIGN_BATCH);
    const signed = await this.transport.json<SignedParts>("POST", filePath(this.fileId, "parts"), { json: { partNumbers: wanted }, signal: this.signal });
    const expiresAt = Date.parse(signed.expiresAt);
    for (const part of signed.parts) this.#urls.set(part.partNumber, { url: part.url, expiresAt });
  }
}
