import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readdir, readFile, rename, unlink, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ChecksumAlgorithm } from "./checksums";
import { KeyedLock } from "./keyed-lock";
import { ObjectFileSink } from "./object-file-sink";
import { S3Errors } from "./s3-errors";

/**
 * Objects on disk, safe by construction:
 * - an object's files are named by the SHA-256 of its key, never by the key, so no key (`../x`, `/etc`)
 *   can name a path outside the bucket's directory;
 * - an upload streams into a temp file in the object's own directory (same filesystem, so rename is
 *   atomic), with MD5 and size computed on the way (object-file-sink.ts); nothing is visible until it is complete;
 * - the metadata sidecar is the commit record: bytes are fsynced and renamed to a version-named data
 *   file no reader knows of yet, then the sidecar naming that file is written to a temp, fsynced and
 *   renamed over `<hash>.json`, and the directory is fsynced. A reader that finds a sidecar therefore
 *   always finds the complete bytes it names: never an object without metadata, never metadata of half
 *   an object. Overwrites switch in the same single rename; the old version's bytes are removed after.
 * - after a crash, temp files and data files no sidecar names are swept away at startup.
 *
 * Layout: <dataDir>/buckets/<bucket>/objects/<2 hex>/<sha256(key)>.json and .<version>.data
 */

export interface ObjectAttributes {
  contentType: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  expires?: string;
  /** x-amz-meta-* without the prefix, names lower-cased. */
  userMetadata: Record<string, string>;
  /** Flexible checksums the client sent and we verified, base64. */
  checksums?: Partial<Record<ChecksumAlgorithm, string>>;
}

export interface StoredObject extends ObjectAttributes {
  key: string;
  size: number;
  /** Quoted MD5 hex, as S3 sends the ETag header. */
  etag: string;
  lastModified: Date;
  /** S3 event sequencer of the event that created this version. */
  sequencer: string;
}

interface Sidecar extends ObjectAttributes {
  key: string;
  size: number;
  etag: string;
  lastModified: string;
  sequencer: string;
  dataFile: string;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const TEMP_PREFIX = ".tmp-";

export function isValidBucketName(name: string): boolean {
  return BUCKET_NAME.test(name) && !name.includes("..");
}

/**
 * C1 control characters (U+0080–U+009F). S3 answers 400 InvalidURI for a key holding U+008A; the rest of
 * the block is refused the same way (assumed, not observed one by one).
 */
const C1_CONTROL = /[\u0080-\u009f]/;

/**
 * Refuses keys S3 refuses: empty, over 1024 bytes, C1 control characters; and, locally only, NUL.
 * `.` and `..` segments are ordinary key text to S3 (`a/../b` is its own object); files are named by
 * the key's hash, so such a key cannot reach outside the bucket's directory.
 */
export function checkObjectKey(key: string): void {
  if (key.length === 0) throw S3Errors.invalidArgument("User key must have a length greater than 0.", "key", "");
  const bytes = Buffer.byteLength(key, "utf8");
  if (bytes > 1024) throw S3Errors.keyTooLong(bytes);
  if (C1_CONTROL.test(key)) throw S3Errors.invalidUri();
  if (key.includes("\u0000")) throw S3Errors.invalidArgument("Object keys with NUL characters are refused.", "key", key);
}

/** Sequencers: fixed-width upper-case hex, strictly increasing per key, also across restarts (time-based). */
export class SequencerClock {
  private last = 0n;
  next(after?: string): string {
    let value = BigInt(Date.now()) << 20n;
    if (value <= this.last) value = this.last + 1n;
    if (after !== undefined && /^[0-9A-F]+$/i.test(after)) {
      const floor = BigInt(`0x${after}`) + 1n;
      if (value < floor) value = floor;
    }
    this.last = value;
    return value.toString(16).toUpperCase().padStart(18, "0");
  }
}

export interface WriteOptions {
  attributes: ObjectAttributes;
  /** Streams the body passes through before it is hashed and written (decoders, limits, digests). */
  transforms?: Transform[];
  /**
   * Runs once every byte is on disk (fsynced) and before the object becomes visible; throwing here
   * (the body was too small, a checksum did not match, the multipart body was broken after the file)
   * discards the upload.
   */
  beforeCommit?: (written: { size: number; md5Hex: string }) => void | Promise<void>;
  /**
   * Runs under the key's lock with the object about to be replaced (undefined: none), just before the
   * switch; throwing here discards the upload. Conditional writes decide here, where no other write can
   * slip in between the check and the commit.
   */
  atCommit?: (current: StoredObject | undefined) => void;
  /** The ETag to record instead of the body's MD5 (a completed multipart upload's `md5-of-part-md5s-N`). */
  etag?: string;
  now?: () => Date;
}

export class ObjectStore {
  private readonly locks = new KeyedLock();
  private readonly createdDirs = new Set<string>();
  readonly sequencer = new SequencerClock();

  private constructor(
    private readonly dataDir: string,
    private readonly buckets: ReadonlySet<string>,
  ) {}

  static async open(dataDir: string, buckets: readonly string[]): Promise<ObjectStore> {
    for (const bucket of buckets) if (!isValidBucketName(bucket)) throw new Error(`invalid bucket name: ${bucket}`);
    const store = new ObjectStore(dataDir, new Set(buckets));
    for (const bucket of buckets) {
      await mkdir(store.objectsDir(bucket), { recursive: true });
      await store.sweep(bucket);
    }
    return store;
  }

  hasBucket(bucket: string): boolean {
    return this.buckets.has(bucket);
  }

  async head(bucket: string, key: string): Promise<StoredObject | undefined> {
    const sidecar = await this.readSidecar(bucket, key);
    return sidecar && toStoredObject(sidecar);
  }

  /**
   * Opens the object's bytes together with the metadata that describes them. The file handle stays valid
   * even if the object is overwritten or deleted while it is being read.
   */
  async openForRead(bucket: string, key: string): Promise<{ object: StoredObject; handle: FileHandle } | undefined> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const sidecar = await this.readSidecar(bucket, key);
      if (!sidecar) return undefined;
      try {
        const handle = await open(join(this.paths(bucket, key).dir, sidecar.dataFile), "r");
        return { object: toStoredObject(sidecar), handle };
      } catch (error) {
        // Overwritten between reading the sidecar and opening its bytes: read the new sidecar.
        if (!isNotFound(error)) throw error;
      }
    }
    return undefined;
  }

  /** Streams `body` to a temp file and commits it atomically as `key`; the temp file never outlives a failure. */
  async write(bucket: string, key: string, body: Readable, options: WriteOptions): Promise<StoredObject> {
    this.assertBucket(bucket);
    checkObjectKey(key);
    const { dir, hash } = this.paths(bucket, key);
    await this.ensureDir(dir);
    const tempPath = join(dir, `${TEMP_PREFIX}${randomBytes(12).toString("hex")}`);
    let committed = false;
    try {
      const written = await streamToFile(tempPath, body, options.transforms ?? []);
      await options.beforeCommit?.(written);

      const stored = await this.locks.run(`${bucket}/${hash}`, async () => {
        const previous = await this.readSidecar(bucket, key);
        options.atCommit?.(previous && toStoredObject(previous));
        const dataFile = `${hash}.${randomBytes(8).toString("hex")}.data`;
        await rename(tempPath, join(dir, dataFile));
        committed = true;
        const sidecar: Sidecar = {
          ...options.attributes,
          key,
          size: written.size,
          etag: options.etag ?? `"${written.md5Hex}"`,
          lastModified: (options.now?.() ?? new Date()).toISOString(),
          sequencer: this.sequencer.next(previous?.sequencer),
          dataFile,
        };
        try {
          await writeFileDurably(dir, `${hash}.json`, JSON.stringify(sidecar));
        } catch (error) {
          await unlinkQuietly(join(dir, dataFile));
          throw error;
        }
        if (previous && previous.dataFile !== dataFile) await unlinkQuietly(join(dir, previous.dataFile));
        return toStoredObject(sidecar);
      });
      return stored;
    } catch (error) {
      if (!committed) await unlinkQuietly(tempPath);
      throw error;
    }
  }

  /** Removes the object; returns what was removed (undefined when there was nothing) and the event sequencer. */
  async delete(bucket: string, key: string): Promise<{ removed: StoredObject; sequencer: string } | undefined> {
    this.assertBucket(bucket);
    checkObjectKey(key);
    const { dir, hash } = this.paths(bucket, key);
    return this.locks.run(`${bucket}/${hash}`, async () => {
      const sidecar = await this.readSidecar(bucket, key);
      if (!sidecar) return undefined;
      await unlinkQuietly(join(dir, `${hash}.json`));
      await syncDir(dir);
      await unlinkQuietly(join(dir, sidecar.dataFile));
      return { removed: toStoredObject(sidecar), sequencer: this.sequencer.next(sidecar.sequencer) };
    });
  }

  /** Every object whose key starts with `prefix`, in S3's order (UTF-8 byte order of keys). */
  async list(bucket: string, prefix = ""): Promise<StoredObject[]> {
    this.assertBucket(bucket);
    const root = this.objectsDir(bucket);
    const out: StoredObject[] = [];
    for (const fan of await readdirQuietly(root)) {
      const dir = join(root, fan);
      for (const name of await readdirQuietly(dir)) {
        if (!name.endsWith(".json") || name.startsWith(TEMP_PREFIX)) continue;
        const sidecar = await readJson(join(dir, name));
        if (sidecar && sidecar.key.startsWith(prefix)) out.push(toStoredObject(sidecar));
      }
    }
    return out.sort((a, b) => Buffer.compare(Buffer.from(a.key, "utf8"), Buffer.from(b.key, "utf8")));
  }

  /** Convenience for tests and tools: the object's bytes as a stream. */
  async createReadStream(bucket: string, key: string): Promise<Readable | undefined> {
    const sidecar = await this.readSidecar(bucket, key);
    return sidecar && createReadStream(join(this.paths(bucket, key).dir, sidecar.dataFile));
  }

  /** Every file under the bucket's directory (tests assert that refused uploads leave nothing behind). */
  async filesOnDisk(bucket: string): Promise<string[]> {
    const root = this.objectsDir(bucket);
    const files: string[] = [];
    for (const fan of await readdirQuietly(root)) for (const name of await readdirQuietly(join(root, fan))) files.push(join(fan, name));
    return files.sort();
  }

  private async sweep(bucket: string): Promise<void> {
    const root = this.objectsDir(bucket);
    for (const fan of await readdirQuietly(root)) {
      const dir = join(root, fan);
      const names = await readdirQuietly(dir);
      const referenced = new Set<string>();
      for (const name of names) {
        if (name.endsWith(".json") && !name.startsWith(TEMP_PREFIX)) {
          const sidecar = await readJson(join(dir, name));
          if (sidecar) referenced.add(sidecar.dataFile);
        }
      }
      for (const name of names) {
        if (name.startsWith(TEMP_PREFIX) || (name.endsWith(".data") && !referenced.has(name))) await unlinkQuietly(join(dir, name));
      }
    }
  }

  private async readSidecar(bucket: string, key: string): Promise<Sidecar | undefined> {
    this.assertBucket(bucket);
    checkObjectKey(key);
    const { dir, hash } = this.paths(bucket, key);
    const sidecar = await readJson(join(dir, `${hash}.json`));
    // A SHA-256 collision is not a practical concern, but never answer with another key's object.
    return sidecar && sidecar.key === key ? sidecar : undefined;
  }

  private objectsDir(bucket: string): string {
    return join(this.dataDir, "buckets", bucket, "objects");
  }

  private paths(bucket: string, key: string): { dir: string; hash: string } {
    const hash = createHash("sha256").update(key, "utf8").digest("hex");
    return { dir: join(this.objectsDir(bucket), hash.slice(0, 2)), hash };
  }

  private assertBucket(bucket: string): void {
    if (!this.buckets.has(bucket)) throw S3Errors.noSuchBucket(bucket);
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.createdDirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.createdDirs.add(dir);
  }

}

/**
 * Streams `body` through `transforms` into a new file at `path` (which must not exist), fsynced before it
 * is closed, with its size and MD5 computed on the way. On failure the caller removes the file.
 */
export async function streamToFile(path: string, body: Readable, transforms: Transform[]): Promise<{ size: number; md5Hex: string }> {
  const file = await open(path, "wx");
  try {
    // The sink fsyncs before it finishes, so pipeline resolves only once every byte is on disk.
    const sink = new ObjectFileSink(file);
    await pipeline([body, ...transforms, sink]);
    return { size: sink.size, md5Hex: await sink.digestHex() };
  } finally {
    // Waits for any write still running on the file (a failed upload's), then releases it.
    await file.close();
  }
}

function toStoredObject(sidecar: Sidecar): StoredObject {
  const { dataFile: _dataFile, lastModified, ...rest } = sidecar;
  return { ...rest, lastModified: new Date(lastModified) };
}

async function readJson(path: string): Promise<Sidecar | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, "utf8")) as Sidecar;
    return typeof parsed.key === "string" && typeof parsed.dataFile === "string" ? parsed : undefined;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

export async function writeFileDurably(dir: string, name: string, content: string): Promise<void> {
  const temp = join(dir, `${TEMP_PREFIX}${randomBytes(12).toString("hex")}`);
  const handle = await open(temp, "wx");
  try {
    await handle.writeFile(content, "utf8");
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlinkQuietly(temp);
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, join(dir, name));
  } catch (error) {
    await unlinkQuietly(temp);
    throw error;
  }
  await syncDir(dir);
}

export async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

export async function unlinkQuietly(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

export async function readdirQuietly(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

export function isNotFound(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: string }).code === "ENOENT";
}

