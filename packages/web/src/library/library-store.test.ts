import { describe, expect, it, vi } from "vitest";
import type { FilePage, MediaFile } from "../api/types";
import { LibraryStore, type LibraryDeps } from "./library-store";

const f = (id: string, name: string, type = "image/png", status: MediaFile["status"] = "ready"): MediaFile => ({ fileId: id, fileName: name, contentType: type, size: 1, status, uploadedAt: "", metadata: {} });
const tick = () => new Promise((r) => setTimeout(r, 0));

function store(pages: Record<string, FilePage>) {
  const list = vi.fn<LibraryDeps["list"]>(async (q) => pages[`${q.type ?? "all"}|${q.q ?? ""}|${q.cursor ?? ""}`] ?? { files: [], nextCursor: null });
  const getFile = vi.fn(async (id: string) => f(id, `fresh-${id}`));
  let now = 0;
  const s = new LibraryStore({ list, getFile, pageSize: 2, now: () => now });
  return { s, list, getFile, advance: (ms: number) => (now += ms) };
}

describe("library store", () => {
  it("pages through the API with its cursor, newest first, and knows when it is done", async () => {
    const h = store({ "all||": { files: [f("03", "c"), f("02", "b")], nextCursor: "X" }, "all||X": { files: [f("01", "a")], nextCursor: null } });
    h.s.reload();
    await tick();
    expect(h.s.state.files.map((x) => x.fileId)).toEqual(["03", "02"]);
    h.s.loadMore();
    h.s.loadMore(); // one request at a time
    await tick();
    expect(h.list).toHaveBeenCalledTimes(2);
    expect(h.s.state.files.map((x) => x.fileId)).toEqual(["03", "02", "01"]);
    expect(h.s.hasMore).toBe(false);
    h.s.loadMore();
    expect(h.list).toHaveBeenCalledTimes(2);
  });

  it("starts over for a new filter or search, passing them to the API", async () => {
    const h = store({ "all||": { files: [f("02", "cat.png")], nextCursor: null }, "audio|ton|": { files: [f("01", "tone.wav", "audio/wav")], nextCursor: null } });
    h.s.reload();
    await tick();
    h.s.setFilter({ type: "audio" });
    h.s.setFilter({ q: "ton" });
    await tick();
    expect(h.list).toHaveBeenLastCalledWith({ limit: 2, cursor: undefined, type: "audio", q: "ton" }, expect.any(AbortSignal));
    expect(h.s.state.files.map((x) => x.fileName)).toEqual(["tone.wav"]);
  });

  it("shows a new upload at once when it matches the filter, and replaces it when it changes", async () => {
    const h = store({ "image||": { files: [f("01", "old.png")], nextCursor: null } });
    h.s.setFilter({ type: "image" });
    await tick();
    h.s.upsert(f("05", "new.png", "image/png", "pending"));
    h.s.upsert(f("06", "song.mp3", "audio/mpeg", "pending")); // not an image: not shown here
    expect(h.s.state.files.map((x) => `${x.fileName}:${x.status}`)).toEqual(["new.png:pending", "old.png:ready"]);
    h.s.upsert(f("05", "new.png", "image/png", "ready"));
    expect(h.s.state.files.map((x) => `${x.fileName}:${x.status}`)).toEqual(["new.png:ready", "old.png:ready"]);
    h.s.remove("05");
    expect(h.s.state.files.map((x) => x.fileName)).toEqual(["old.png"]);
  });

  it("fetches a file again before using URLs older than ten minutes", async () => {
    const h = store({ "all||": { files: [f("01", "a.png")], nextCursor: null } });
    h.s.reload();
    await tick();
    expect((await h.s.fresh("01"))?.fileName).toBe("a.png");
    expect(h.getFile).not.toHaveBeenCalled();
    h.advance(11 * 60_000);
    expect((await h.s.fresh("01"))?.fileName).toBe("fresh-01");
    expect(h.getFile).toHaveBeenCalledWith("01");
  });

  it("keeps a failed page's error for the retry button", async () => {
    const h = store({});
    h.list.mockRejectedValueOnce(new Error("boom"));
    h.s.reload();
    await tick();
    expect(h.s.state.error).toBeInstanceOf(Error);
    h.s.reload();
    await tick();
    expect(h.s.state.error).toBeUndefined();
    expect(h.s.state.loaded).toBe(true);
  });
});
