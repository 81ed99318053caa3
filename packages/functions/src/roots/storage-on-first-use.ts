import type { ObjectStorage } from "@media/core/ports";
import type { FunctionsConfig } from "../config";
import { onFirstUse } from "./on-first-use";

/**
 * Every method of ObjectStorage, for the stand-in below: a method added to the port fails the
 * typecheck here until it is passed on as well.
 */
const METHODS: Record<keyof ObjectStorage, true> = {
  presignPost: true,
  presignGet: true,
  head: true,
  readRange: true,
  openRead: true,
  put: true,
  remove: true,
  removePrefix: true,
  list: true,
};

/**
 * The media bucket for a root that reaches it only on some requests, or late in them: the S3 client, its
 * XML protocol and the presigners (about 130 KB of the bundle, s3-storage.ts) are a chunk loaded at the
 * first call, not at cold start. `DELETE /me` reaches the bucket only once the person has proved who
 * they are, so a refused request never loads it; `GET /me/export` needs it for every ready file, and
 * starts loading it (`preload`) while it waits on Cognito and DynamoDB.
 */
export function objectStorageOnFirstUse(cfg: FunctionsConfig): { storage: ObjectStorage; preload(): void } {
  const target = onFirstUse<ObjectStorage>(() => import("./s3-storage").then((m) => m.buildS3Storage(cfg)));
  const standIn: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const name of Object.keys(METHODS) as Array<keyof ObjectStorage>) {
    standIn[name] = async (...args) => {
      const storage = await target();
      return (storage[name] as (...a: unknown[]) => Promise<unknown>).apply(storage, args);
    };
  }
  return {
    // Each of ObjectStorage's methods, as listed by METHODS, with the arguments and answer of the target's.
    storage: standIn as unknown as ObjectStorage,
    // A failed preload is forgotten: the first call loads again and reports its own failure, with its request.
    preload: () => void target().catch(() => undefined),
  };
}
