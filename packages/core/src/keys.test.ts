import { describe, expect, it } from "vitest";
import { decodeEventKey, derivedPrefix, encodeEventKey, originalKey, parseOriginalKey, thumbnailKey } from "./keys";
import { newFileId } from "./ids";

const user = "3f1c2b9a-1d2e-4f50-9a7b-0c1d2e3f4a5b";

describe("keys", () => {
  it("builds originals under the user's prefix and derived files outside it", () => {
    const fileId = newFileId();
    expect(originalKey(user, fileId)).toBe(`users/${user}/${fileId}`);
    expect(thumbnailKey(user, fileId)).toBe(`derived/${user}/${fileId}/thumbnail.webp`);
    expect(derivedPrefix(user, fileId).startsWith("users/")).toBe(false);
  });

  it("refuses to build keys from anything but a user id and a file id", () => {
    expect(() => originalKey("../other", newFileId())).toThrow();
    expect(() => originalKey(user, "a/b")).toThrow();
  });

  it("parses only keys it could have handed out", () => {
    const fileId = newFileId();
    expect(parseOriginalKey(`users/${user}/${fileId}`)).toEqual({ userId: user, fileId });
    expect(parseOriginalKey(`users/${user}/${fileId}/x`)).toBeUndefined();
    expect(parseOriginalKey(`derived/${user}/${fileId}`)).toBeUndefined();
    expect(parseOriginalKey(`users/not-a-sub/${fileId}`)).toBeUndefined();
    expect(parseOriginalKey(`users/${user}/notaulid`)).toBeUndefined();
  });

  it("decodes S3's form-encoded event keys, spaces as plus", () => {
    expect(decodeEventKey("users/a+b%2Bc/%C3%A9t%C3%A9.png")).toBe("users/a b+c/été.png");
    const key = "users/x y+z/ünï code.mp3";
    expect(decodeEventKey(encodeEventKey(key))).toBe(key);
    expect(encodeEventKey("users/a b")).toBe("users/a+b");
  });
});
