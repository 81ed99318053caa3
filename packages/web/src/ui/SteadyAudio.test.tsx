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

/** The element's own reload on a new src: the browser starts the new source at 0, paused (happy-dom does not). */
function reloaded(audio: HTMLAudioElement) {
  audio.currentTime = 0;
}

/** The listener pressed play at `seconds` on a player that had loaded: the element fires `play`, whatever then fails. */
function pressedPlayAt(audio: HTMLAudioElement, seconds: number) {
  fireEvent(audio, new Event("loadedmetadata"));
  audio.currentTime = seconds;
  fireEvent.play(audio);
}

/**
 * A play() the browser refuses (autoplay policy), counting the calls and the refusals the player handled.
 * Not a vi.spyOn: a spy attaches its own handler to the promises it returns, so a refusal would never go unhandled.
 */
function refusingPlay(audio: HTMLAudioElement) {
  const seen = { calls: 0, handled: 0 };
  audio.play = () => {
    seen.calls++;
    const refusal = Promise.reject(new DOMException("play() needs a gesture", "NotAllowedError"));
    const then = refusal.then.bind(refusal);
    // catch() goes through then(): a rejection handler given here is the player handling the refusal.
    Object.defineProperty(refusal, "then", {
      value: (ok?: (value: void) => unknown, fail?: (reason: unknown) => unknown) => {
        if (fail) seen.handled++;
        return then(ok, fail);
      },
    });
    return refusal;
  };
  return seen;
}

describe("the audio player after its URL expired", () => {
  it("resumes where it was when the URL fails as the listener presses play, once the fresh one has loaded", () => {
    const r = row(withStream("s1"));
    pressedPlayAt(r.audio, 83);
    const play = vi.spyOn(r.audio, "play").mockResolvedValue(undefined);
    fireEvent.error(r.audio);
    expect(r.actions.stale).toHaveBeenCalledTimes(1);

    r.show(withStream("s2"));
    expect(r.audio.getAttribute("src")).toBe(signed("renditions/u/01/stream.m4a", "s2"));
    reloaded(r.audio);
    expect(play).not.toHaveBeenCalled();
    fireEvent(r.audio, new Event("loadedmetadata"));
    expect(r.audio.currentTime).toBe(83);
    expect(play).toHaveBeenCalledTimes(1);
  });

  it("puts a player paused mid-way back where it was, without playing, when its URL fails", () => {
    const r = row(withStream("s1"));
    pressedPlayAt(r.audio, 83);
    fireEvent.pause(r.audio);
    const play = vi.spyOn(r.audio, "play").mockResolvedValue(undefined);
    fireEvent.error(r.audio);
    r.show(withStream("s2"));
    reloaded(r.audio);
    fireEvent(r.audio, new Event("loadedmetadata"));
    expect(r.audio.currentTime).toBe(83);
    expect(play).not.toHaveBeenCalled();
  });

  it("neither asks again nor plays when the fresh URL fails too, even once another source loads later", () => {
    const r = row(tone());
    pressedPlayAt(r.audio, 83);
    const play = vi.spyOn(r.audio, "play").mockResolvedValue(undefined);
    fireEvent.error(r.audio);
    r.show(tone({ fileUrl: signed("u/01", "a2") }));
    reloaded(r.audio);
    fireEvent.error(r.audio);
    r.show(tone({ fileUrl: signed("u/01", "a3") }));
    expect(r.audio.getAttribute("src")).toBe(signed("u/01", "a2"));
    expect(r.actions.stale).toHaveBeenCalledTimes(1);

    // The stream rendition arrives minutes later, on a player at rest: taken, but nobody asked it to play.
    r.show(withStream("s1"));
    expect(r.audio.getAttribute("src")).toBe(signed("renditions/u/01/stream.m4a", "s1"));
    fireEvent(r.audio, new Event("loadedmetadata"));
    expect(r.audio.currentTime).toBe(0);
    expect(play).not.toHaveBeenCalled();
  });

  it("resumes on the newer URL it already knew, and takes a refused play() quietly", () => {
    const r = row(withStream("s1"));
    pressedPlayAt(r.audio, 40);
    r.show(withStream("s2"));
    expect(r.audio.getAttribute("src")).toBe(signed("renditions/u/01/stream.m4a", "s1"));
    const play = refusingPlay(r.audio);
    fireEvent.error(r.audio);
    expect(r.audio.getAttribute("src")).toBe(signed("renditions/u/01/stream.m4a", "s2"));
    expect(r.actions.stale).not.toHaveBeenCalled();
    reloaded(r.audio);
    fireEvent(r.audio, new Event("loadedmetadata"));
    expect(r.audio.currentTime).toBe(40);
    expect(play).toEqual({ calls: 1, handled: 1 });
  });

  it("resumes once per failure: a source that played and expires later is asked for and resumed again", () => {
    const r = row(withStream("s1"));
    pressedPlayAt(r.audio, 10);
    const play = vi.spyOn(r.audio, "play").mockResolvedValue(undefined);
    fireEvent.error(r.audio);
    r.show(withStream("s2"));
    reloaded(r.audio);
    fireEvent(r.audio, new Event("loadedmetadata"));
    expect(play).toHaveBeenCalledTimes(1);
    fireEvent.play(r.audio);

    // Its metadata loaded again without a failure between: nothing to resume.
    fireEvent(r.audio, new Event("loadedmetadata"));
    expect(play).toHaveBeenCalledTimes(1);

    r.audio.currentTime = 50;
    fireEvent.error(r.audio);
    expect(r.actions.stale).toHaveBeenCalledTimes(2);
    r.show(withStream("s3"));
    reloaded(r.audio);
    fireEvent(r.audio, new Event("loadedmetadata"));
    expect(r.audio.currentTime).toBe(50);
    expect(play).toHaveBeenCalledTimes(2);
  });
});
