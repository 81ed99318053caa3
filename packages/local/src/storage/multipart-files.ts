import { readFile } from "node:fs/promises";
import type { ChecksumAlgorithm } from "./checksums";
import { isNotFound, type ObjectAttributes } from "./object-store";
import type { MultipartUpload, UploadedPart } from "./multipart-store";

/** How a multipart upload and its parts are written on disk (multipart-store.ts keeps them). */
export interface UploadFile {
  uploadId: string;
  key: string;
  initiated: string;
  initiator: string;
  attributes: ObjectAttributes;
}

export interface PartFile {
  partNumber: number;
  size: number;
  etag: string;
  lastModified: string;
  dataFile: string;
  checksums?: Partial<Record<ChecksumAlgorithm, string>>;
}

export function partName(partNumber: number): string {
  return `part-${partNumber}.json`;
}

export async function readPartFile(path: string): Promise<PartFile | undefined> {
  try {
    const part = JSON.parse(await readFile(path, "utf8")) as PartFile;
    return typeof part.dataFile === "string" && Number.isInteger(part.partNumber) ? part : undefined;
  } catch (error) {
    if (isNotFound(error) || error instanceof SyntaxError) return undefined;
    throw error;
  }
}

export function toUpload(file: UploadFile): MultipartUpload {
  return { uploadId: file.uploadId, key: file.key, initiated: new Date(file.initiated), initiator: file.initiator, attributes: file.attributes };
}

export function toPart(file: PartFile): UploadedPart {
  return {
    partNumber: file.partNumber,
    size: file.size,
    etag: file.etag,
    lastModified: new Date(file.lastModified),
    ...(file.checksums ? { checksums: file.checksums } : {}),
  };
}
