// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, within } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { MediaFile } from "../api/types";
import { formatDate } from "../format";
import type { FileActions } from "./FileViews";
import { fileFacts, Viewer } from "./Viewer";

afterEach(cleanup);

const actions = (): FileActions => ({ open: vi.fn(), edit: vi.fn(), share: vi.fn(), remove: vi.fn(), download: vi.fn(), stale: vi.fn() });
const photo = (over: Partial<MediaFile> = {}): MediaFile => ({
  fileId: "02",
  fileName: "big.jpg",
  contentType: "image/jpeg",
  size: 20 * 1024 * 1024,
  status: "ready",
  uploadedAt: "2030-01-02T00:00:00Z",
  metadata: { width: 4000, height: 3000, takenAt: "2029-12-31T23:59:00", cameraMake: "Canon", cameraModel: "Canon EOS R6" },
  fileUrl: "http://s/original",
  downloadUrl: "http://s/d",
  ...over,
});
const before = photo({ fileId: "03", fileName: "before.jpg" });
const after = photo({ fileId: "01", fileName: "after.jpg" });

function open(file: MediaFile, more: Partial<Parameters<typeof Viewer>[0]> = {}) {
  const onGo = vi.fn();
  const onClose = vi.fn();
  render(<Viewer file={file} prev={before} next={after} position="2 of 3" onGo={onGo} onClose={onClose} actions={actions()} {...more} />);
  return { onGo, onClose, dialog: screen.getByRole("dialog", { name: file.metadata.title ?? file.fileName }) };
}

describe("<Viewer>", () => {
  it("shows the display-size preview, loads the original only when asked, and says what the file is", () => {
    const { dialog } = open(photo({ previewUrl: "http://s/preview.webp" }));
    const img = () => within(dialog).getByRole("img", { name: "big.jpg" });
    expect(img().getAttribute("src")).toBe("http://s/preview.webp");
    fireEvent.click(within(dialog).getByRole("button", { name: "View the original (20 MiB)" }));
    expect(img().getAttribute("src")).toBe("http://s/original");
    const details = within(dialog).getByRole("region", { name: "Details" });
    expect(details.textContent).toContain(`Taken${formatDate("2029-12-31T23:59:00")}`);
    expect(details.textContent).toContain("Size20 MiB");
    expect(details.textContent).toContain("Dimensions4000 × 3000 (12.0 MP)");
    // The make is not said twice when the model repeats it.
    expect(details.textContent).toContain("CameraCanon EOS R6");
    expect(within(dialog).getByText("2 of 3")).toBeTruthy();
  });

  it("goes to the previous and next file by button, arrow key and swipe", () => {
    const { onGo, dialog } = open(photo());
    fireEvent.click(within(dialog).getByRole("button", { name: "Next file" }));
    fireEvent.click(within(dialog).getByRole("button", { name: "Previous file" }));
    fireEvent.keyDown(dialog, { key: "ArrowRight" });
    fireEvent.keyDown(dialog, { key: "ArrowLeft" });
    const stage = dialog.querySelector(".viewer-stage")!;
    // A swipe to the left shows the next file; a mostly vertical move does nothing.
    fireEvent.pointerDown(stage, { clientX: 300, clientY: 200, pointerId: 1 });
    fireEvent.pointerUp(stage, { clientX: 200, clientY: 210, pointerId: 1 });
    fireEvent.pointerDown(stage, { clientX: 100, clientY: 200, pointerId: 2 });
    fireEvent.pointerUp(stage, { clientX: 160, clientY: 400, pointerId: 2 });
    expect(onGo.mock.calls.map(([f]) => (f as MediaFile).fileId)).toEqual(["01", "03", "01", "03", "01"]);
  });

  it("has no way past either end", () => {
    const { onGo, dialog } = open(photo(), { prev: undefined });
    expect((within(dialog).getByRole("button", { name: "Previous file" }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.keyDown(dialog, { key: "ArrowLeft" });
    expect(onGo).not.toHaveBeenCalled();
  });

  it("plays audio with the stream rendition, and leaves the arrow keys to the player", () => {
    const song = photo({ fileId: "05", fileName: "t.flac", contentType: "audio/flac", streamUrl: "http://s/stream.m4a", metadata: { title: "Tone", artist: "Lab", durationSeconds: 75 } });
    const { onGo, dialog } = open(song);
    const player = dialog.querySelector("audio")!;
    expect(player.getAttribute("src")).toBe("http://s/stream.m4a");
    expect(player.getAttribute("aria-label")).toBe("Play Tone");
    fireEvent.keyDown(player, { key: "ArrowRight" });
    expect(onGo).not.toHaveBeenCalled();
    expect(fileFacts(song)).toContainEqual(["Length", "1:15"]);
  });

  it("closes by its button and by Escape, and offers the file's actions", () => {
    const a = actions();
    const onClose = vi.fn();
    render(<Viewer file={photo()} onGo={vi.fn()} onClose={onClose} actions={a} />);
    const dialog = screen.getByRole("dialog", { name: "big.jpg" });
    fireEvent.click(within(dialog).getByRole("button", { name: "Close the viewer" }));
    fireEvent(dialog, new Event("cancel", { cancelable: true }));
    expect(onClose).toHaveBeenCalledTimes(2);
    fireEvent.click(within(dialog).getByRole("button", { name: "Share" }));
    expect(a.share).toHaveBeenCalled();
  });

  it("says so when a file opened from the address is gone", () => {
    render(<Viewer file={undefined} missing onGo={vi.fn()} onClose={vi.fn()} actions={actions()} />);
    expect(screen.getByRole("dialog", { name: "File not found" }).textContent).toContain("not in your library");
  });
});
