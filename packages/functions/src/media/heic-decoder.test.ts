import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { fixture } from "@media/testing/media-samples";
import { decodeInWorker, HeicDecodeTimeout, heicDecoder } from "./heic-decoder";

const dir = mkdtempSync(join(tmpdir(), "heic-decoder-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in decoder module, to give the worker behaviour libheif shows only on hostile input. */
function decoderModule(name: string, body: string): string {
  const path = join(dir, `${name}.mjs`);
  writeFileSync(path, `export default function decode({ buffer }) { ${body} }\n`);
  return pathToFileURL(path).href;
}

const inAMinute = () => Date.now() + 60_000;

describe("HEIC decoding in a thread of its own", () => {
  it("decodes a HEIC to RGBA pixels", async () => {
    const decode = await heicDecoder();
    expect(decode).toBeDefined();
    const { width, height, data } = await decode!({ buffer: fixture("still.heic") }, { deadline: inAMinute() });
    expect({ width, height }).toEqual({ width: 96, height: 64 });
    expect(data).toBeInstanceOf(Uint8ClampedArray);
    expect(data.length).toBe(96 * 64 * 4);
  });

  it("stops a decoder that never returns (synchronous, as libheif is) at its deadline", async () => {
    const spinning = decoderModule("spinning", "for (;;) {}");
    await expect(decodeInWorker(spinning, new Uint8Array(8), Date.now() + 300)).rejects.toBeInstanceOf(HeicDecodeTimeout);
  });

  it("passes the decoder's own error on, for the caller to judge", async () => {
    const failing = decoderModule("failing", 'throw new Error("HEIF processing error");');
    await expect(decodeInWorker(failing, new Uint8Array(8), inAMinute())).rejects.toThrow("HEIF processing error");
  });

  it("hands the bytes to the decoder as they were given", async () => {
    const echoing = decoderModule("echoing", "return { width: buffer.length, height: buffer[0], data: new Uint8ClampedArray(buffer) };");
    const pixels = await decodeInWorker(echoing, Uint8Array.from([7, 1, 2]), inAMinute());
    expect(pixels).toEqual({ width: 3, height: 7, data: Uint8ClampedArray.from([7, 1, 2]) });
  });
});
