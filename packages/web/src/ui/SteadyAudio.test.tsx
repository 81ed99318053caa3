// @vitest-environment happy-dom
import { cleanup, fireEvent, render } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { MediaFile } from "../api/types";
import { AudioRow, type FileActions } from "./FileViews";
import { Viewer } from "./Viewer";

afterEach(cleanup);

const actions = (): FileActions => ({ open: vi.fn(), edit: vi.fn(), share: vi.fn(), remove: vi.fn(), download: vi.fn(), stale: vi.fn() });
/** Presigned as every list and fetch answers them: the same key under a new signature each time. */
const signed = (key: string, signature: string) => `http://s3.test/bucket/${key}?X-Amz-Date=20300101T000000Z&X-Amz-Signature=${signature}`;
const tone = (over: Partial<MediaFile> = {}): MediaFile => ({
  fileId: "01",
  fileName: "tone.flac",
  contentType: "audio/flac",
  size: 2048,
  status: "ready",
  uploadedAt: "2030-01-01T00:00:00Z",
  metadata: {},
  fileUrl: signed("u/01", "a1"),
  downloadUrl: signed("u/01", "d1"),
  ...over,
});
const withStream = (signature = "s1") => tone({ fileUrl: signed("u/01", `a-${signature}`), streamUrl: signed("renditions/u/01/stream.m4a", signature) });

/** The row as the library shows it; `show` renders it again as a later answer about the file has it. */
function row(file: MediaFile, a = actions()) {
  const { container, rerender } = render(<AudioRow file={file} actions={a} />);
  return { audio: container.querySelector("audio")!, show: (next: MediaFile) => rerender(<AudioRow file={next} actions={a} />), actions: a };
}

async function playTo(audio: HTMLAudioElement, seconds: number) {
  await audio.play();
  audio.currentTime = seconds;
}

describe("the audio player while its file's URLs change", () => {
  it("keeps playing the original when the stream rendition arrives mid-play, and takes the stream once it has played to the end", async () => {
    const r = row(tone());
    await playTo(r.audio, 12);
    r.show(withStream());
    expect(r.audio.getAttribute("src")).toBe(signed("u/01", "a1"));
    expect(r.audio.currentTime).toBe(12);
    expect(r.audio.paused).toBe(false);

    r.audio.pause();
    Object.defineProperty(r.audio, "ended", { value: true, configurable: true });
    fireEvent.ended(r.audio);
    expect(r.audio.getAttribute("src")).toBe(signed("renditions/u/01/stream.m4a", "s1"));
  });

  it("keeps a player paused mid-way where it is", async () => {
    const r = row(tone());
    await playTo(r.audio, 30);
    r.audio.pause();
    r.show(withStream());
    expect(r.audio.getAttribute("src")).toBe(signed("u/01", "a1"));
    expect(r.audio.currentTime).toBe(30);
  });

  it("takes the stream at once when the player has not been started", () => {
    const r = row(tone());
    r.show(withStream());
    expect(r.audio.getAttribute("src")).toBe(signed("renditions/u/01/stream.m4a", "s1"));
  });

  it("never reloads for a URL signed anew, playing or not", async () => {
    const r = row(withStream("s1"));
    r.show(withStream("s2"));
    expect(r.audio.getAttribute("src")).toBe(signed("renditions/u/01/stream.m4a", "s1"));
    await playTo(r.audio, 5);
    r.show(withStream("s3"));
    expect(r.audio.getAttribute("src")).toBe(signed("renditions/u/01/stream.m4a", "s1"));
    expect(r.audio.currentTime).toBe(5);
  });

  it("takes the file's fresh URL once the one it has fails (expired), and asks for one only when it has none newer", () => {
    const r = row(withStream("s1"));
    fireEvent.error(r.audio);
    expect(r.actions.stale).toHaveBeenCalledTimes(1);
    r.show(withStream("s2"));
    expect(r.audio.getAttribute("src")).toBe(signed("renditions/u/01/stream.m4a", "s2"));

    // Signed anew while it played (kept then); when that URL fails, the newer one is tried first.
    r.show(withStream("s3"));
    fireEvent.error(r.audio);
    expect(r.audio.getAttribute("src")).toBe(signed("renditions/u/01/stream.m4a", "s3"));
    expect(r.actions.stale).toHaveBeenCalledTimes(1);
  });

  it("does not ask again when the fresh URL fails too, until a URL has played", () => {
    const r = row(withStream("s1"));
    fireEvent.error(r.audio);
    r.show(withStream("s2"));
    fireEvent.error(r.audio);
    r.show(withStream("s3"));
    expect(r.audio.getAttribute("src")).toBe(signed("renditions/u/01/stream.m4a", "s2"));
    expect(r.actions.stale).toHaveBeenCalledTimes(1);

    // A source that loaded and later fails has expired since: that is worth a fresh URL.
    const later = row(withStream("s1"));
    fireEvent(later.audio, new Event("loadedmetadata"));
    fireEvent.error(later.audio);
    later.show(withStream("s2"));
    fireEvent(later.audio, new Event("loadedmetadata"));
    fireEvent.error(later.audio);
    expect(later.actions.stale).toHaveBeenCalledTimes(2);
  });

  it("keeps the viewer's player playing too when the stream arrives", async () => {
    const a = actions();
    const view = (file: MediaFile) => <Viewer file={file} position="1 of 1" onGo={vi.fn()} onClose={vi.fn()} actions={a} />;
    const { container, rerender } = render(view(tone()));
    const audio = container.ownerDocument.querySelector("dialog audio") as HTMLAudioElement;
    await playTo(audio, 8);
    rerender(view(withStream()));
    expect(audio.isConnected).toBe(true);
    expect(audio.getAttribute("src")).toBe(signed("u/01", "a1"));
    expect(audio.currentTime).toBe(8);
  });
});
