// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { MediaFile } from "../api/types";
import { ImageViewer } from "./Dialogs";
import type { FileActions } from "./FileViews";

afterEach(cleanup);

const actions = (): FileActions => ({ open: vi.fn(), edit: vi.fn(), share: vi.fn(), remove: vi.fn(), download: vi.fn(), stale: vi.fn() });
const photo = (over: Partial<MediaFile>): MediaFile => ({ fileId: "01", fileName: "big.jpg", contentType: "image/jpeg", size: 20_000_000, status: "ready", uploadedAt: "2030-01-01T00:00:00Z", metadata: { width: 4000, height: 3000 }, fileUrl: "http://s/original", downloadUrl: "http://s/d", ...over });

describe("image viewer", () => {
  it("shows the display-size preview and loads the original only when asked", () => {
    render(<ImageViewer file={photo({ previewUrl: "http://s/preview.webp" })} actions={actions()} onClose={vi.fn()} />);
    const img = () => screen.getByRole("img", { name: "big.jpg" });
    expect(img().getAttribute("src")).toBe("http://s/preview.webp");
    fireEvent.click(screen.getByRole("button", { name: /View the original/ }));
    expect(img().getAttribute("src")).toBe("http://s/original");
    expect(screen.queryByRole("button", { name: /View the original/ })).toBeNull();
  });

  it("shows the original when the image needed no preview", () => {
    render(<ImageViewer file={photo({ size: 50_000, metadata: { width: 800, height: 600 } })} actions={actions()} onClose={vi.fn()} />);
    expect(screen.getByRole("img", { name: "big.jpg" }).getAttribute("src")).toBe("http://s/original");
    expect(screen.queryByRole("button", { name: /View the original/ })).toBeNull();
  });
});
