// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { errorFromResponse } from "../api/errors";
import type { MediaFile } from "../api/types";
import { BulkDeleteDialog, BulkShareDialog } from "./Selection";

afterEach(cleanup);

const file = (id: string, status: MediaFile["status"] = "ready"): MediaFile => ({ fileId: id, fileName: `${id}.png`, contentType: "image/png", size: 1, status, uploadedAt: "", metadata: {} });

describe("several files at once", () => {
  it("makes one link per ready file with the chosen lifetime, and copies them all as name: link lines", async () => {
    const create = vi.fn(async (id: string, seconds: number) => ({ shareId: `s${id}`, url: `http://x/s/${id}-${seconds}`, expiresAt: "" }));
    const copy = vi.fn(async () => undefined);
    render(<BulkShareDialog files={[file("a"), file("b"), file("c", "pending")]} create={create} onClose={vi.fn()} copy={copy} />);
    const dialog = screen.getByRole("dialog", { name: "Share 2 files" });
    fireEvent.click(within(dialog).getByRole("radio", { name: /1 hour/ }));
    fireEvent.click(within(dialog).getByRole("button", { name: "Create 2 links" }));
    const links = (await within(dialog).findByLabelText("Links")) as HTMLTextAreaElement;
    expect(links.value).toBe("a.png: http://x/s/a-3600\nb.png: http://x/s/b-3600");
    fireEvent.click(within(dialog).getByRole("button", { name: "Copy all" }));
    await waitFor(() => expect(within(dialog).getAllByText("Links copied to the clipboard.").length).toBeGreaterThan(0));
    expect(copy).toHaveBeenCalledWith(links.value);
  });

  it("deletes each file, reports the ones that failed, and offers to try those again", async () => {
    const remove = vi.fn(async (f: MediaFile) => {
      if (f.fileId === "b") throw errorFromResponse(503, "application/json", JSON.stringify({ error: { code: "ServiceUnavailable", message: "Try again." } }));
    });
    const onDone = vi.fn();
    const onClose = vi.fn();
    render(<BulkDeleteDialog files={[file("a"), file("b")]} remove={remove} onDone={onDone} onClose={onClose} />);
    fireEvent.click(within(screen.getByRole("dialog", { name: "Delete 2 files?" })).getByRole("button", { name: "Delete" }));
    const dialog = await screen.findByRole("dialog", { name: "Delete 1 file?" });
    expect(onDone).toHaveBeenCalledWith([expect.objectContaining({ fileId: "a" })]);
    expect(dialog.querySelector(".bulk-failures li")!.textContent).toContain("b.png: ");
    expect(within(dialog).getAllByRole("alert")).toHaveLength(1);
    expect(onClose).not.toHaveBeenCalled();
    remove.mockResolvedValue(undefined);
    fireEvent.click(within(dialog).getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(remove.mock.calls.map(([f]) => f.fileId)).toEqual(["a", "b", "b"]);
  });
});
