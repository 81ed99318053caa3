// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { MediaFile } from "../api/types";
import { formatDay } from "../format";
import { AudioRow, ImageCard, type FileActions } from "./FileViews";
import { LONG_PRESS_MS } from "./long-press";

afterEach(cleanup);

const actions = (): FileActions => ({ open: vi.fn(), edit: vi.fn(), share: vi.fn(), remove: vi.fn(), download: vi.fn(), stale: vi.fn() });
const image = (over: Partial<MediaFile>): MediaFile => ({ fileId: "01", fileName: "cat.png", contentType: "image/png", size: 2048, status: "ready", uploadedAt: "2030-01-01T00:00:00Z", metadata: {}, fileUrl: "http://s/f", downloadUrl: "http://s/d", ...over });

describe("file views", () => {
  it("shows a ready image's thumbnail in a button that opens it, with edit, share, download and delete", () => {
    render(<ImageCard file={image({ thumbnailUrl: "http://s/t.webp", metadata: { width: 4, height: 3 } })} actions={actions()} />);
    expect(screen.getByRole("button", { name: "Open cat.png" }).querySelector("img")?.getAttribute("src")).toBe("http://s/t.webp");
    // Every card carries its date; the facts wrap instead of being cut off.
    expect(document.querySelector(".card-meta")!.textContent).toBe(`PNG · 2 KiB · 4×3${formatDay("2030-01-01T00:00:00Z")}`);
    expect(document.querySelector(".card-meta time")!.getAttribute("datetime")).toBe("2030-01-01T00:00:00Z");
    expect(screen.getByRole("link", { name: "Download cat.png" }).getAttribute("href")).toBe("http://s/d");
    expect(screen.getByRole("button", { name: "Edit details of cat.png" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Share cat.png" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Delete cat.png" })).toBeTruthy();
  });

  it("shows a neutral placeholder, never the full image, when there is no thumbnail", () => {
    render(<ImageCard file={image({})} actions={actions()} />);
    const thumb = screen.getByRole("button", { name: "Open cat.png" });
    expect(thumb.querySelector("img")).toBeNull();
    expect(thumb.querySelector(".placeholder")?.textContent).toBe("PNG");
  });

  it("shows a pending file as processing, with only its upload to cancel", () => {
    const a = actions();
    const file = image({ status: "pending", fileUrl: undefined, downloadUrl: undefined });
    render(<ImageCard file={file} actions={a} />);
    expect((screen.getByRole("button", { name: "cat.png (pending)" }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getAllByText("Processing…").length).toBeGreaterThan(0);
    expect(screen.queryByRole("button", { name: /Delete/ })).toBeNull();
    expect(screen.queryByRole("button", { name: /Share/ })).toBeNull();
    // A native button: Enter and Space press it; it asks for confirmation like Delete does.
    const cancel = screen.getByRole("button", { name: "Cancel upload of cat.png" });
    expect(cancel.tagName).toBe("BUTTON");
    fireEvent.click(cancel);
    expect(a.remove).toHaveBeenCalledWith(file);
  });

  it("offers the same cancel on a pending audio row", () => {
    render(<AudioRow file={image({ fileName: "t.mp3", contentType: "audio/mpeg", status: "pending", fileUrl: undefined })} actions={actions()} />);
    expect(screen.getByRole("button", { name: "Cancel upload of t.mp3" })).toBeTruthy();
    expect(screen.queryByLabelText(/Play/)).toBeNull();
  });

  it("shows a rejected file with its reason, and lets it be deleted", () => {
    render(<ImageCard file={image({ status: "rejected", rejectionReason: "stored type text/html differs from the declared image/png" })} actions={actions()} />);
    expect(screen.getByText("Rejected: stored type text/html differs from the declared image/png")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Delete cat.png" })).toBeTruthy();
  });

  it("gives ready audio a labelled player on its presigned URL, with its tags' title and duration", () => {
    render(<AudioRow file={image({ fileName: "t.mp3", contentType: "audio/mpeg", metadata: { title: "Tone", artist: "Lab", durationSeconds: 75 } })} actions={actions()} />);
    const player = screen.getByLabelText("Play Tone") as HTMLAudioElement;
    expect(player.getAttribute("src")).toBe("http://s/f");
    expect(player.controls).toBe(true);
    expect(screen.getByText(/Lab · MP3 · 2 KiB · 1:15/)).toBeTruthy();
  });

  it("plays the stream rendition when there is one, draws its waveform, and seeks where the waveform is clicked", async () => {
    const peaks = Array.from({ length: 10 }, (_, i) => i / 10);
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ version: 1, durationSeconds: 10, peaks })));
    vi.stubGlobal("fetch", fetchMock);
    try {
      const file = image({ fileName: "t.flac", contentType: "audio/flac", streamUrl: "http://s/stream.m4a", waveformUrl: "http://s/w.json" });
      const { container } = render(<AudioRow file={file} actions={actions()} />);
      const audio = container.querySelector("audio")!;
      expect(audio.getAttribute("src")).toBe("http://s/stream.m4a");
      const slider = await screen.findByRole("slider", { name: "Seek in t.flac" });
      expect(fetchMock).toHaveBeenCalledWith("http://s/w.json");
      expect(slider.querySelectorAll("rect")).toHaveLength(10);
      Object.defineProperty(audio, "duration", { value: 10, configurable: true });
      slider.getBoundingClientRect = () => ({ left: 0, width: 200, top: 0, height: 36, right: 200, bottom: 36, x: 0, y: 0, toJSON: () => ({}) });
      fireEvent.click(slider, { clientX: 150 });
      expect(audio.currentTime).toBeCloseTo(7.5);
      expect(slider.getAttribute("aria-valuenow")).toBe("75");
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it("plays the original when no rendition was needed", () => {
    const { container } = render(<AudioRow file={image({ fileName: "t.mp3", contentType: "audio/mpeg" })} actions={actions()} />);
    expect(container.querySelector("audio")!.getAttribute("src")).toBe("http://s/f");
    expect(screen.queryByRole("slider")).toBeNull();
  });

  it("chooses a file by its checkbox (shift kept for ranges), and by a tap while choosing", () => {
    const a = { ...actions(), select: vi.fn() };
    const { rerender } = render(<ImageCard file={image({})} actions={a} selection={{ selected: false, selecting: false }} />);
    fireEvent.click(screen.getByRole("checkbox", { name: "Select cat.png" }), { shiftKey: true });
    expect(a.select).toHaveBeenLastCalledWith(expect.objectContaining({ fileId: "01" }), true);
    fireEvent.click(screen.getByRole("button", { name: "Open cat.png" }));
    expect(a.open).toHaveBeenCalledTimes(1);
    rerender(<ImageCard file={image({})} actions={a} selection={{ selected: true, selecting: true }} />);
    expect((screen.getByRole("checkbox", { name: "Select cat.png" }) as HTMLInputElement).checked).toBe(true);
    fireEvent.click(document.querySelector(".thumb")!);
    expect(a.select).toHaveBeenLastCalledWith(expect.objectContaining({ fileId: "01" }), false);
    expect(a.open).toHaveBeenCalledTimes(1);
  });

  it("chooses a file held under a finger, and swallows the click that follows; a mouse press only clicks", () => {
    vi.useFakeTimers();
    try {
      const a = { ...actions(), select: vi.fn() };
      render(<ImageCard file={image({})} actions={a} selection={{ selected: false, selecting: false }} />);
      const thumb = screen.getByRole("button", { name: "Open cat.png" });
      fireEvent.pointerDown(thumb, { pointerType: "touch", clientX: 10, clientY: 10 });
      vi.advanceTimersByTime(LONG_PRESS_MS);
      fireEvent.pointerUp(thumb, { pointerType: "touch" });
      fireEvent.click(thumb);
      expect(a.select).toHaveBeenCalledTimes(1);
      expect(a.open).not.toHaveBeenCalled();

      // A finger that moves is scrolling; a mouse held down is a click.
      fireEvent.pointerDown(thumb, { pointerType: "touch", clientX: 10, clientY: 10 });
      fireEvent.pointerMove(thumb, { pointerType: "touch", clientX: 10, clientY: 40 });
      vi.advanceTimersByTime(LONG_PRESS_MS);
      fireEvent.pointerDown(thumb, { pointerType: "mouse" });
      vi.advanceTimersByTime(LONG_PRESS_MS);
      fireEvent.click(thumb);
      expect(a.select).toHaveBeenCalledTimes(1);
      expect(a.open).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
