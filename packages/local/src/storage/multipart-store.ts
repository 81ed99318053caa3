import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { Readable, type Transform } from "node:stream";
import { S3_MULTIPART } from "@media/core/multipart";
import type { ChecksumAlgorithm } from "./checksums";
import { KeyedLock } from "./keyed-lock";
import { partName, readPartFile, toPart, toUpload, type PartFile, type UploadFile } from "./multipart-files";
import {
  checkObjectKey,
  isNotFound,
  readdirQuietly,
  streamToFile,
  unlinkQuietly,
  writeFileDurably,
  type ObjectAttributes,
  type ObjectStore,
  type StoredObject,
} from "./object-store";
import { S3Errors } from "./s3-errors";

/**
 * Multipart uploads on disk, with S3's rules:
 * - part numbers 1..10,000; a part sent again replaces the earlier one;
 * - every part but the last at least 5 MiB, checked at completion (S3 accepts small parts when they arrive);
 * - completion names parts in ascending order, each with the ETag S3 answered for it; the object's ETag is
 *   the MD5 of the parts' binary MD5s followed by `-N`;
 * - an upload's ID stops working once it is completed or aborted (NoSuchUpload).
 *
 * Layout: <dataDir>/buckets/<bucket>/uploads/<uploadId>/upload.json, part-<n>.json, part-<n>.<rand>.data.
 * Each part is streamed to a temp file, fsynced, renamed to a data file, and only then named by its
 * sidecar (written durably), as the object store commits objects: a restart finds every acknowledged
 * part, and the startup sweep removes temp and unnamed data files.
 */
export const MIN_PART_BYTES = S3_MULTIPART.minPartBytes;
export const MAX_PART_NUMBER = S3_MULTIPART.maxParts;

const UPLOAD_ID = /^[A-Za-z0-9_-]{43}$/;
const TEMP_PREFIX = ".tmp-";

export interface MultipartUpload {
  uploadId: string;
  key: string;
  initiated: Date;
  /** The access key that created it (S3's Initiator). */
  initiator: string;
  attributes: ObjectAttributes;
}

export interface UploadedPart {
  partNumber: number;
  size: number;
  /** Quoted MD5 hex of the part. */
  etag: string;
  lastModified: Date;
  checksums?: Partial<Record<ChecksumAlgorithm, string>>;
}

export class MultipartStore {
  /** Serializes commits of one upload's parts, its completion and its abort. */
  private readonly locks = new KeyedLock();

  private constructor(
    private readonly dataDir: string,
    private readonly objects: ObjectStore,
  ) {}

  static async open(dataDir: string, buckets: readonly string[], objects: ObjectStore): Promise<MultipartStore> {
    const store = new MultipartStore(dataDir, objects);
    for (const bucket of buckets) await store.sweep(bucket);
    return store;
  }

  async create(bucket: string, key: string, attributes: ObjectAttributes, initiator: string, now: Date): Promise<MultipartUpload> {
    this.assertBucket(bucket);
    checkObjectKey(key);
    const uploadId = randomBytes(32).toString("base64url");
    const dir = this.uploadDir(bucket, uploadId);
    await mkdir(dir, { recursive: true });
    const file: UploadFile = { uploadId, key, initiated: now.toISOString(), initiator, attributes };
    await writeFileDurably(dir, "upload.json", JSON.stringify(file));
    return toUpload(file);
  }

  /** The upload, if it exists for this key: an ID used with another key is NoSuchUpload, as in S3. */
  async get(bucket: string, key: string, uploadId: string): Promise<MultipartUpload> {
    const upload = await this.read(bucket, uploadId);
    if (!upload || upload.key !== key) throw S3Errors.noSuchUpload(uploadId);
    return upload;
  }

  async writePart(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    body: Readable,
    options: { transforms: Transform[]; verify: (written: { size: number; md5Hex: string }) => Partial<Record<ChecksumAlgorithm, string>>; now: Date },
  ): Promise<UploadedPart> {
    await this.get(bucket, key, uploadId);
    const dir = this.uploadDir(bucket, uploadId);
    const temp = join(dir, `${TEMP_PREFIX}${randomBytes(12).toString("hex")}`);
    let named = false;
    try {
      const written = await streamToFile(temp, body, options.transforms);
      const checksums = options.verify(written);
      return await this.locks.run(uploadId, async () => {
        // Aborted or completed while the part was streaming: its bytes go nowhere.
        await this.get(bucket, key, uploadId);
        const dataFile = `part-${partNumber}.${randomBytes(8).toString("hex")}.data`;
        await rename(temp, join(dir, dataFile));
        named = true;
        const previous = await readPartFile(join(dir, partName(partNumber)));
        const part: PartFile = {
          partNumber,
          size: written.size,
          etag: `"${written.md5Hex}"`,
          lastModified: options.now.toISOString(),
          dataFile,
          ...(Object.keys(checksums).length > 0 ? { checksums } : {}),
        };
        try {
          await writeFileDurably(dir, partName(partNumber), JSON.stringify(part));
        } catch (error) {
          await unlinkQuietly(join(dir, dataFile));
          throw error;
        }
        if (previous) await unlinkQuietly(join(dir, previous.dataFile));
        return toPart(part);
      });
    } catch (error) {
      if (!named) await unlinkQuietly(temp);
      throw error;
    }
  }

  /** The parts received so far, by part number. */
  async parts(bucket: string, key: string, uploadId: string): Promise<UploadedPart[]> {
    await this.get(bucket, key, uploadId);
    return (await this.partFiles(bucket, uploadId)).map(toPart);
  }

  /**
   * Assembles the named parts into the object, under S3's checks (InvalidPartOrder, InvalidPart,
   * EntityTooSmall), then forgets the upload. Parts not named are dropped with it, as S3 drops them.
   */
  async complete(
    bucket: string,
    key: string,
    uploadId: string,
    requested: ReadonlyArray<{ partNumber: number; etag: string }>,
    now: () => Date,
  ): Promise<StoredObject> {
    return this.locks.run(uploadId, async () => {
      const upload = await this.get(bucket, key, uploadId);
      const stored = new Map((await this.partFiles(bucket, uploadId)).map((p) => [p.partNumber, p]));
      const chosen: PartFile[] = [];
      for (const [index, wanted] of requested.entries()) {
        if (index > 0 && wanted.partNumber <= requested[index - 1]!.partNumber) throw S3Errors.invalidPartOrder();
        const part = stored.get(wanted.partNumber);
        if (!part || unquote(part.etag) !== unquote(wanted.etag)) throw S3Errors.invalidPart(wanted.partNumber, wanted.etag);
        chosen.push(part);
      }
      for (const part of chosen.slice(0, -1)) {
        if (part.size < MIN_PART_BYTES) throw S3Errors.partTooSmall(part.size, MIN_PART_BYTES, part.partNumber, part.etag);
      }
      const etag = `"${createHash("md5")
        .update(Buffer.concat(chosen.map((p) => Buffer.from(unquote(p.etag), "hex"))))
        .digest("hex")}-${chosen.length}"`;
      const dir = this.uploadDir(bucket, uploadId);
      const object = await this.objects.write(bucket, key, Readable.from(concatParts(chosen.map((p) => join(dir, p.dataFile)))), {
        attributes: upload.attributes,
        etag,
        now,
      });
      await rm(dir, { recursive: true, force: true });
      return object;
    });
  }

  /** Removes the upload and its parts; NoSuchUpload when there is none. */
  async abort(bucket: string, key: string, uploadId: string): Promise<void> {
    await this.locks.run(uploadId, async () => {
      await this.get(bucket, key, uploadId);
      await rm(this.uploadDir(bucket, uploadId), { recursive: true, force: true });
    });
  }

  /** Every unfinished upload in the bucket whose key starts with `prefix`, by key then initiation. */
  async list(bucket: string, prefix = ""): Promise<MultipartUpload[]> {
    this.assertBucket(bucket);
    const uploads: MultipartUpload[] = [];
    for (const uploadId of await readdirQuietly(this.uploadsDir(bucket))) {
      const upload = await this.read(bucket, uploadId);
      if (upload && upload.key.startsWith(prefix)) uploads.push(upload);
    }
    return uploads.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)) || a.initiated.getTime() - b.initiated.getTime());
  }

  /**
   * The bucket lifecycle rule AbortIncompleteMultipartUpload, run locally: aborts every upload initiated
   * before `initiatedBefore`; returns how many.
   */
  async abortInitiatedBefore(bucket: string, initiatedBefore: Date): Promise<number> {
    let aborted = 0;
    for (const upload of await this.list(bucket)) {
      if (upload.initiated.getTime() >= initiatedBefore.getTime()) continue;
      try {
        await this.abort(bucket, upload.key, upload.uploadId);
        aborted++;
      } catch (error) {
        // Completed or aborted meanwhile by its client.
        if (!(error instanceof Error && (error as { code?: string }).code === "NoSuchUpload")) throw error;
      }
    }
    return aborted;
  }

  private async read(bucket: string, uploadId: string): Promise<MultipartUpload | undefined> {
    this.assertBucket(bucket);
    // The ID names a directory: anything not of our making is no upload at all.
    if (!UPLOAD_ID.test(uploadId)) return undefined;
    try {
      const file = JSON.parse(await readFile(join(this.uploadDir(bucket, uploadId), "upload.json"), "utf8")) as UploadFile;
      return toUpload(file);
    } catch (error) {
      if (isNotFound(error) || error instanceof SyntaxError) return undefined;
      throw error;
    }
  }

  private async partFiles(bucket: string, uploadId: string): Promise<PartFile[]> {
    const dir = this.uploadDir(bucket, uploadId);
    const parts: PartFile[] = [];
    for (const name of await readdirQuietly(dir)) {
      if (!/^part-\d+\.json$/.test(name)) continue;
      const part = await readPartFile(join(dir, name));
      if (part) parts.push(part);
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  /** After a crash: temp files, and data files no part names, are removed; an upload without its record goes. */
  private async sweep(bucket: string): Promise<void> {
    for (const uploadId of await readdirQuietly(this.uploadsDir(bucket))) {
      const dir = this.uploadDir(bucket, uploadId);
      if (!(await this.read(bucket, uploadId))) {
        await rm(dir, { recursive: true, force: true });
        continue;
      }
      const named = new Set((await this.partFiles(bucket, uploadId)).map((p) => p.dataFile));
      for (const name of await readdirQuietly(dir)) {
        if (name.startsWith(TEMP_PREFIX) || (name.endsWith(".data") && !named.has(name))) await unlinkQuietly(join(dir, name));
      }
    }
  }

  private uploadsDir(bucket: string): string {
    return join(this.dataDir, "buckets", bucket, "uploads");
  }

  private uploadDir(bucket: string, uploadId: string): string {
    return join(this.uploadsDir(bucket), uploadId);
  }

  private assertBucket(bucket: string): void {
    if (!this.objects.hasBucket(bucket)) throw S3Errors.noSuchBucket(bucket);
  }
}

async function* concatParts(paths: string[]): AsyncGenerator<Buffer> {
  for (const path of paths) {
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) yield chunk as Buffer;
  }
}

function unquote(etag: string): string {
  return etag.replace(/^"|"$/g, "");
}
