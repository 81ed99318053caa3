/**
 * Multipart uploads not finished yet, remembered across reloads so that choosing the same file again
 * sends only the parts storage lacks. A file is known again by its name, size and modification time
 * (all a browser tells about a chosen file); the server still checks every part's length, so a
 * different file that happened to match would be refused, not mixed in. Kept in localStorage: a
 * fileId is no credential (its parts answer only to the owner's token), and an upload outlives the tab.
 */
export interface UnfinishedUpload {
  fileId: string;
  uploadId: string;
  /** When the upload's authorisation ends: after it, starting again is the only way. */
  expiresAt: string;
  name: string;
  size: number;
}

type FileIdentity = Pick<File, "name" | "size" | "lastModified">;

const PREFIX = "media.upload:";

export class UnfinishedUploads {
  constructor(
    private readonly storage: Pick<Storage, "getItem" | "setItem" | "removeItem" | "key" | "length"> | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** The unfinished upload of this file, if one is remembered and still within its authorisation. */
  find(file: FileIdentity): UnfinishedUpload | undefined {
    const record = this.read(keyOf(file));
    if (!record) return undefined;
    if (!(Date.parse(record.expiresAt) > this.now()) || record.size !== file.size) {
      this.forget(file);
      return undefined;
    }
    return record;
  }

  remember(file: FileIdentity, upload: Omit<UnfinishedUpload, "name" | "size">): void {
    this.write(keyOf(file), { ...upload, name: file.name, size: file.size });
  }

  forget(file: FileIdentity): void {
    try {
      this.storage?.removeItem(keyOf(file));
    } catch {
      // storage disabled: nothing was kept
    }
  }

  /** Every remembered upload still within its authorisation (what a screen can offer to finish). */
  list(): UnfinishedUpload[] {
    const found: UnfinishedUpload[] = [];
    try {
      for (let i = 0; i < (this.storage?.length ?? 0); i++) {
        const key = this.storage?.key(i);
        const record = key?.startsWith(PREFIX) ? this.read(key) : undefined;
        if (record && Date.parse(record.expiresAt) > this.now()) found.push(record);
      }
    } catch {
      // storage disabled
    }
    return found;
  }

  private read(key: string): UnfinishedUpload | undefined {
    try {
      const raw = this.storage?.getItem(key);
      if (!raw) return undefined;
      const v = JSON.parse(raw) as Partial<UnfinishedUpload>;
      if (typeof v.fileId !== "string" || typeof v.uploadId !== "string" || typeof v.expiresAt !== "string" || typeof v.name !== "string" || typeof v.size !== "number") return undefined;
      return { fileId: v.fileId, uploadId: v.uploadId, expiresAt: v.expiresAt, name: v.name, size: v.size };
    } catch {
      return undefined;
    }
  }

  private write(key: string, record: UnfinishedUpload): void {
    try {
      this.storage?.setItem(key, JSON.stringify(record));
    } catch {
      // storage full or disabled: this upload simply won't resume after a reload
    }
  }
}

function keyOf(file: FileIdentity): string {
  return `${PREFIX}${file.size}:${file.lastModified}:${file.name}`;
}
