import { describe, expect, it, vi } from "vitest";
import type { FilePage, MediaFile } from "../api/types";
import { LibraryStore, type LibraryDeps } from "./library-store";

const f = (id: string, name: string, type = "image/png", status: MediaFile["status"] = "ready"): MediaFile => ({
  fileId: id,
  fileName: name,
  contentType: type,
  size: 1,
  status,
  uploadedAt: "",
  metadata: {},
  ...(status === "ready" ? { fileUrl: `https://bucket.example/users/u/${id}?X-Amz-Signature=1` } : {}),
});
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

  it("fetches a copy without URLs (an upload still pending) when it is opened, however recent", async () => {
    const h = store({});
    h.s.upsert(f("05", "new.png", "image/png", "pending"));
    expect((await h.s.fresh("05"))?.fileName).toBe("fresh-05");
    expect(h.getFile).toHaveBeenCalledWith("05");
    // The fetched copy has its URLs: used as it is until they age.
    expect((await h.s.fresh("05"))?.fileName).toBe("fresh-05");
    expect(h.getFile).toHaveBeenCalledTimes(1);
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

  describe("answers that arrive out of order", () => {
    /** A request the test answers when it chooses: the interleaving is the test's, not the scheduler's. */
    function later<T>() {
      let answer!: (value: T) => void;
      const promise = new Promise<T>((r) => (answer = r));
      return { promise, answer };
    }
    const ids = (h: ReturnType<typeof store>) => h.s.state.files.map((x) => x.fileId);
    const names = (h: ReturnType<typeof store>) => h.s.state.files.map((x) => x.fileName);

    it("never shows a deleted file again, though a fetch of it started before the delete answers after", async () => {
      const h = store({ "all||": { files: [f("02", "b"), f("01", "a")], nextCursor: null } });
      h.s.reload();
      await tick();
      // A live event (its renditions made) has the store fetch the file again; the person deletes it meanwhile.
      const fetched = later<MediaFile>();
      h.getFile.mockReturnValueOnce(fetched.promise);
      const refreshed = h.s.refresh("02");
      h.s.remove("02");
      fetched.answer(f("02", "b"));
      await refreshed;
      expect(ids(h)).toEqual(["01"]);
      // Nor does asking for it by id (the viewer on a kept link) bring it back.
      h.getFile.mockResolvedValueOnce(f("02", "b"));
      expect(await h.s.fresh("02")).toBeUndefined();
      expect(ids(h)).toEqual(["01"]);
    });

    it("never shows a deleted file again, though a page listed before the delete answers after", async () => {
      const listing = { files: [f("02", "b"), f("01", "a")], nextCursor: null };
      const h = store({ "all||": listing });
      const page = later<FilePage>();
      h.list.mockReturnValueOnce(page.promise);
      h.s.reload();
      h.s.upsert(f("02", "b")); // an upload, accepted while the first page is on its way
      h.s.remove("02");
      page.answer(listing);
      await tick();
      expect(ids(h)).toEqual(["01"]);
      // Nor a page asked for after the delete that still lists it (an index not caught up yet).
      h.s.reload();
      await tick();
      expect(h.list).toHaveBeenCalledTimes(2);
      expect(ids(h)).toEqual(["01"]);
    });

    it("keeps a rename made here over an older answer, and takes answers started after it", async () => {
      const h = store({ "all||": { files: [f("01", "old.png")], nextCursor: null } });
      h.s.reload();
      await tick();
      const before = later<MediaFile>();
      h.getFile.mockReturnValueOnce(before.promise);
      const refreshed = h.s.refresh("01");
      h.s.changed(f("01", "new.png"));
      before.answer(f("01", "old.png"));
      await refreshed;
      expect(names(h)).toEqual(["new.png"]);

      const page = later<FilePage>();
      h.list.mockReturnValueOnce(page.promise);
      h.s.setFilter({ q: "png" }); // a search started after the rename: its answer is newer
      page.answer({ files: [f("01", "new.png", "image/png"), f("00", "z.png")], nextCursor: null });
      await tick();
      expect(names(h)).toEqual(["new.png", "z.png"]);
      h.getFile.mockResolvedValueOnce({ ...f("01", "new.png"), description: "described elsewhere" });
      await h.s.refresh("01");
      expect(h.s.state.files[0]?.description).toBe("described elsewhere");
    });

    it("lets the later of two fetches of a file win, whichever answers first", async () => {
      const h = store({ "all||": { files: [f("01", "a.png")], nextCursor: null } });
      h.s.reload();
      await tick();
      const first = later<MediaFile>();
      const second = later<MediaFile>();
      h.getFile.mockReturnValueOnce(first.promise).mockReturnValueOnce(second.promise);
      const a = h.s.refresh("01");
      const b = h.s.refresh("01");
      second.answer({ ...f("01", "a.png"), streamUrl: "http://s/stream.m4a" });
      await b;
      first.answer(f("01", "a.png"));
      await a;
      expect(h.s.state.files[0]?.streamUrl).toBe("http://s/stream.m4a");
    });

    it("still takes an answer that was on its way when an upload's own copy of the file arrived", async () => {
      const h = store({});
      h.s.reload();
      await tick();
      h.s.upsert(f("01", "tone.wav", "audio/wav", "pending"));
      // Its renditions' event has the store fetch it; the upload's settled copy (read earlier) lands first.
      const fetched = later<MediaFile>();
      h.getFile.mockReturnValueOnce(fetched.promise);
      const refreshed = h.s.refresh("01");
      h.s.upsert(f("01", "tone.wav", "audio/wav", "ready"));
      fetched.answer({ ...f("01", "tone.wav", "audio/wav"), streamUrl: "http://s/stream.m4a" });
      await refreshed;
      expect(h.s.state.files[0]?.streamUrl).toBe("http://s/stream.m4a");
    });
  });
});
