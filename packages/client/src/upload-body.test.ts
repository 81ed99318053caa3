import { describe, expect, it } from "vitest";
import { postFormBody } from "./upload-body";

const read = async (stream: ReadableStream<Uint8Array>) => Buffer.from(await new Response(stream).arrayBuffer());
async function* chunks(...parts: string[]) {
  for (const p of parts) yield new TextEncoder().encode(p);
}

describe("postFormBody", () => {
  it("is every field, then the file, of exactly the length announced, counting the file's bytes", async () => {
    const sent: number[] = [];
    const body = postFormBody({ key: "users/u/f", "Content-Type": "image/png" }, { data: chunks("abc", "de"), size: 5, fileName: 'a "b".png', contentType: "image/png" }, (n) => sent.push(n));
    const bytes = await read(body.stream);
    expect(bytes.length).toBe(body.length);
    const parsed = await new Response(bytes, { headers: { "content-type": body.contentType } }).formData();
    expect(parsed.get("key")).toBe("users/u/f");
    // The file last: S3 ignores fields after it.
    expect(bytes.toString().indexOf('name="file"')).toBeGreaterThan(bytes.toString().lastIndexOf('name="Content-Type"'));
    const file = parsed.get("file") as File;
    expect(await file.text()).toBe("abcde");
    expect(file.name).toBe("a _b_.png");
    expect(sent).toEqual([3, 5]);
  });

  it("fails rather than send a file shorter or longer than declared", async () => {
    const short = postFormBody({}, { data: chunks("abc"), size: 5, fileName: "x", contentType: "image/png" }, () => undefined);
    await expect(read(short.stream)).rejects.toThrow(/3 bytes where 5/);
    const long = postFormBody({}, { data: chunks("abcdef"), size: 5, fileName: "x", contentType: "image/png" }, () => undefined);
    await expect(read(long.stream)).rejects.toThrow(/more than the 5/);
  });
});
