// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from "vitest";
import type { MediaFile } from "../api/types";
import { AudioRow, ImageCard, type FileActions } from "./FileViews";
import { sameObject } from "./steady-url";
import { Viewer } from "./Viewer";

afterEach(cleanup);

const actions = (): FileActions => ({ open: vi.fn(), edit: vi.fn(), share: vi.fn(), remove: vi.fn(), download: vi.fn(), stale: vi.fn() });
/** Presigned as every list and fetch answers them: the same key under a new signature each time. */
const signed = (key: string, signature: string) => `http://s3.test/bucket/${key}?X-Amz-Date=20300101T000000Z&X-Amz-Signature=${signature}`;
const thumb = (signature: string) => signed("derived/u/01/thumbnail.webp", signature);
const preview = (signature: string) => signed("derived/u/01/preview.webp", signature);
const original = (signature: string) => signed("users/u/01", signature);
const wave = (signature: string) => signed("derived/u/02/waveform.json", signature);
const photo = (over: Partial<MediaFile> = {}): MediaFile => ({
  fileId: "01",
  fileName: "cat.jpg",
  contentType: "image/jpeg",
  size: 2048,
  status: "ready",
  uploadedAt: "2030-01-01T00:00:00Z",
  metadata: { width: 4, height: 3 },
  fileUrl: original("o1"),
  downloadUrl: original("d1"),
  thumbnailUrl: thumb("t1"),
  ...over,
});
const song = (waveformUrl: string): MediaFile => ({ ...photo({ fileId: "02", fileName: "t.flac", contentType: "audio/flac", thumbnailUrl: undefined, metadata: {} }), waveformUrl });

/** A card as the library shows it; `show` renders it again as a later answer about the file has it. */
function card(file: MediaFile, a = actions()) {
  const { container, rerender } = render(<ImageCard file={file} actions={a} />);
  return { img: () => container.querySelector(".thumb img"), show: (next: MediaFile) => rerender(<ImageCard file={next} actions={a} />), actions: a };
}

function viewer(file: MediaFile, a = actions()) {
  const view = (f: MediaFile) => <Viewer file={f} onGo={vi.fn()} onClose={vi.fn()} actions={a} />;
  const { rerender } = render(view(file));
  const dialog = screen.getByRole("dialog", { name: file.fileName });
  return { dialog, img: () => dialog.querySelector(".viewer-media img"), show: (next: MediaFile) => rerender(view(next)), actions: a };
}

describe("a thumbnail whose URL is signed anew", () => {
  it("keeps the picture it shows (same element, same src) and takes another object at once", () => {
    const c = card(photo());
    const img = c.img();
    expect(img?.getAttribute("src")).toBe(thumb("t1"));
    c.show(photo({ thumbnailUrl: thumb("t2") }));
    c.show(photo({ thumbnailUrl: thumb("t3") }));
    expect(c.img()).toBe(img);
    expect(img?.getAttribute("src")).toBe(thumb("t1"));

    const other = signed("derived/u/01/thumbnail-2.webp", "t4");
    c.show(photo({ thumbnailUrl: other }));
    expect(c.img()?.getAttribute("src")).toBe(other);
  });

  it("shows a thumbnail as soon as one is made", () => {
    const c = card(photo({ thumbnailUrl: undefined }));
    expect(c.img()).toBeNull();
    c.show(photo());
    expect(c.img()?.getAttribute("src")).toBe(thumb("t1"));
  });

  it("when it fails, takes the newest URL known, else asks for a fresh one once and shows it; a fresh one failing too is not asked for again", () => {
    const c = card(photo());
    c.show(photo({ thumbnailUrl: thumb("t2") }));
    fireEvent.error(c.img()!);
    expect(c.img()?.getAttribute("src")).toBe(thumb("t2"));
    expect(c.actions.stale).not.toHaveBeenCalled();

    fireEvent.error(c.img()!);
    expect(c.actions.stale).toHaveBeenCalledTimes(1);
    expect(c.img()).toBeNull(); // the placeholder while the fresh link comes, never a broken picture
    c.show(photo({ thumbnailUrl: thumb("t3") }));
    expect(c.img()?.getAttribute("src")).toBe(thumb("t3"));

    fireEvent.error(c.img()!);
    c.show(photo({ thumbnailUrl: thumb("t4") }));
    expect(c.img()).toBeNull();
    expect(c.actions.stale).toHaveBeenCalledTimes(1);
  });

  it("asks again when a link that loaded expires later", () => {
    const c = card(photo());
    fireEvent.load(c.img()!);
    fireEvent.error(c.img()!);
    c.show(photo({ thumbnailUrl: thumb("t2") }));
    fireEvent.load(c.img()!);
    fireEvent.error(c.img()!);
    expect(c.actions.stale).toHaveBeenCalledTimes(2);
  });
});

describe("the viewer's image while its URLs are signed anew", () => {
  it("keeps the preview it shows, and takes the original at once when asked for it", () => {
    const v = viewer(photo({ previewUrl: preview("p1") }));
    const img = v.img();
    v.show(photo({ previewUrl: preview("p2"), fileUrl: original("o2") }));
    expect(v.img()).toBe(img);
    expect(img?.getAttribute("src")).toBe(preview("p1"));

    fireEvent.click(within(v.dialog).getByRole("button", { name: /View the original/ }));
    expect(v.img()?.getAttribute("src")).toBe(original("o2"));
    v.show(photo({ previewUrl: preview("p3"), fileUrl: original("o3") }));
    expect(v.img()?.getAttribute("src")).toBe(original("o2"));
  });

  it("shows the fresh link once the one shown fails, and gives up when that fails too", () => {
    const v = viewer(photo({ previewUrl: preview("p1") }));
    fireEvent.error(v.img()!);
    expect(v.actions.stale).toHaveBeenCalledTimes(1);
    expect(v.dialog.textContent).toContain("could not be shown");
    v.show(photo({ previewUrl: preview("p2") }));
    expect(v.img()?.getAttribute("src")).toBe(preview("p2"));

    fireEvent.error(v.img()!);
    v.show(photo({ previewUrl: preview("p3") }));
    expect(v.img()).toBeNull();
    expect(v.dialog.textContent).toContain("could not be shown");
    expect(v.actions.stale).toHaveBeenCalledTimes(1);
  });
});

describe("the waveform while its URL is signed anew", () => {
  let fetchMock: Mock<(url: string) => Promise<Response>>;
  /** The answer to the i-th fetch, once the waveform has read it (its handler was attached first). */
  const answered = (i: number) => fetchMock.mock.results[i]!.value as Promise<Response>;
  const peaks = (n: number) => new Response(JSON.stringify({ version: 1, durationSeconds: 10, peaks: Array.from({ length: n }, () => 0.5) }));
  const refused = () => new Response("<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>", { status: 403 });
  beforeEach(() => {
    fetchMock = vi.fn(async (url: string) => (url.includes("Signature=expired") ? refused() : peaks(url.includes("waveform-2") ? 4 : 8)));
    vi.stubGlobal("fetch", fetchMock);
  });
  afterEach(() => vi.unstubAllGlobals());

  function row(file: MediaFile, a = actions()) {
    const { rerender } = render(<AudioRow file={file} actions={a} />);
    return { show: (next: MediaFile) => rerender(<AudioRow file={next} actions={a} />), actions: a };
  }

  it("fetches its peaks once, not again for the same file signed anew, and at once for another file", async () => {
    const r = row(song(wave("w1")));
    expect((await screen.findByRole("slider")).querySelectorAll("rect")).toHaveLength(8);
    r.show(song(wave("w2")));
    r.show(song(wave("w3")));
    expect(fetchMock.mock.calls.map(([url]) => url)).toEqual([wave("w1")]);

    const other = signed("derived/u/02/waveform-2.json", "w4");
    r.show(song(other));
    expect(fetchMock.mock.calls.map(([url]) => url)).toEqual([wave("w1"), other]);
    await waitFor(() => expect(screen.getByRole("slider").querySelectorAll("rect")).toHaveLength(4));
  });

  it("asks for a fresh link once on a 403 and draws from it; a fresh link refused too is not asked for or fetched again", async () => {
    const r = row(song(wave("expired")));
    await answered(0);
    expect(r.actions.stale).toHaveBeenCalledTimes(1);
    r.show(song(wave("w2")));
    expect(await screen.findByRole("slider")).toBeTruthy();
    expect(fetchMock.mock.calls.map(([url]) => url)).toEqual([wave("expired"), wave("w2")]);

    cleanup();
    fetchMock.mockClear();
    const again = row(song(wave("expired")));
    await answered(0);
    again.show(song(signed("derived/u/02/waveform.json", "expired&again")));
    await answered(1);
    again.show(song(wave("w3")));
    expect(fetchMock).toHaveBeenCalledTimes(2);
    expect(again.actions.stale).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole("slider")).toBeNull();
  });
});

describe("sameObject", () => {
  it("tells the same stored object by its address without the query", () => {
    expect(sameObject(signed("u/01", "a"), signed("u/01", "b"))).toBe(true);
    expect(sameObject(signed("u/01", "a"), signed("renditions/u/01/stream.m4a", "a"))).toBe(false);
    expect(sameObject("http://a.test/k?x=1", "http://b.test/k?x=1")).toBe(false);
    expect(sameObject("not a url", "not a url")).toBe(true);
    expect(sameObject(undefined, signed("u/01", "a"))).toBe(false);
  });
});
