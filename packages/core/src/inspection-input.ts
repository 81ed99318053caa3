import { Readable } from "node:stream";
import { ObjectGoneError, type InspectInput, type ObjectStorage } from "./ports";

/** Bytes `start` to `endInclusive` of the object; ObjectGoneError if it was deleted meanwhile. */
export async function readOrGone(storage: ObjectStorage, key: string, start: number, endInclusive: number): Promise<Buffer> {
  const bytes = await storage.readRange(key, start, endInclusive);
  if (!bytes) throw new ObjectGoneError(key);
  return bytes;
}

/**
 * What the inspector reads of an object: the head already fetched, ranges on demand, or the whole object as
 * one byte stream that starts with the head. An object deleted meanwhile is ObjectGoneError.
 */
export function inspectInput(storage: ObjectStorage, key: string, size: number, declaredType: string, head: Buffer): InspectInput {
  return {
    declaredType,
    size,
    head,
    read: (start, endInclusive) => readOrGone(storage, key, start, endInclusive),
    async open() {
      // Byte mode, not Readable.from's default object mode: parsers read a byte stream by length.
      if (head.length >= size) return Readable.from([head], { objectMode: false });
      const rest = await storage.openRead(key, head.length);
      if (!rest) throw new ObjectGoneError(key);
      // Closing the joined stream early (a parser that has seen enough) closes the object's stream too.
      return Readable.from(
        (async function* () {
          yield head;
          yield* rest;
        })(),
        { objectMode: false },
      );
    },
  };
}
