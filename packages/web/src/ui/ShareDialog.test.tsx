// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { errorFromResponse, errorFromThrown } from "../api/errors";
import type { MediaFile, ShareSummary } from "../api/types";
import { formatDate } from "../format";
import { ShareDialog, type ShareApi } from "./ShareDialog";

afterEach(cleanup);

const file: MediaFile = { fileId: "01JFILE", fileName: "cat.png", contentType: "image/png", size: 10, status: "ready", uploadedAt: "2030-01-01T00:00:00Z", metadata: {} };
const settle = () => act(() => new Promise((r) => setTimeout(r, 0)));

/** The share routes over an in-memory list, answering as the API does; each call recorded. */
function fakeApi(initial: ShareSummary[] = []) {
  const shares = [...initial];
  let n = 0;
  const now = Date.parse("2030-01-01T12:00:00Z");
  const api = {
    create: vi.fn(async (_fileId: string, seconds: number) => {
      const shareId = `S${++n}`;
      const expiresAt = new Date(now + seconds * 1000).toISOString();
      shares.unshift({ shareId, createdAt: new Date(now).toISOString(), expiresAt });
      return { shareId, url: `http://127.0.0.1:3000/s/token${n}aaaaaaaaaaaaaaaaa`, expiresAt };
    }),
    list: vi.fn(async () => [...shares]),
    revoke: vi.fn(async (_fileId: string, shareId: string) => {
      const i = shares.findIndex((s) => s.shareId === shareId);
      if (i >= 0) shares.splice(i, 1);
    }),
  } satisfies ShareApi;
  return { api, shares };
}

const link = (shareId: string, createdAt: string, expiresAt: string): ShareSummary => ({ shareId, createdAt, expiresAt });
const liveStatus = () => document.querySelector('[role="status"][aria-live="polite"]')?.textContent ?? "";

describe("<ShareDialog>", () => {
  it("lists the file's active links with their dates, and says so when there are none", async () => {
    const { api } = fakeApi([link("A", "2030-01-01T10:00:00Z", "2030-01-02T10:00:00Z")]);
    render(<ShareDialog file={file} api={api} onClose={() => undefined} />);
    expect(screen.getByRole("dialog", { name: "Share cat.png" })).toBeTruthy();
    await settle();
    expect(api.list).toHaveBeenCalledWith("01JFILE");
    const rows = within(screen.getByRole("region", { name: "Active links" })).getAllByRole("listitem");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.textContent).toContain(`Created ${formatDate("2030-01-01T10:00:00Z")}`);
    expect(rows[0]!.textContent).toContain(`Expires ${formatDate("2030-01-02T10:00:00Z")}`);
    expect(rows[0]!.querySelector("time")?.getAttribute("datetime")).toBe("2030-01-01T10:00:00Z");
    cleanup();
    render(<ShareDialog file={file} api={fakeApi().api} onClose={() => undefined} />);
    await settle();
    expect(screen.getByText("No active links.")).toBeTruthy();
  });

  it("creates a link with the chosen lifetime, shows it once with a warning, focuses it and lists it", async () => {
    const { api } = fakeApi();
    render(<ShareDialog file={file} api={api} onClose={() => undefined} />);
    await settle();
    // The primary action has focus, and the lifetime is a labelled radio group defaulting to a day.
    const create = screen.getByRole("button", { name: "Create link" });
    expect(document.activeElement).toBe(create);
    const group = screen.getByRole("group", { name: "Link expires after" });
    expect((within(group).getByRole("radio", { name: "1 day" }) as HTMLInputElement).checked).toBe(true);
    fireEvent.click(within(group).getByRole("radio", { name: "7 days" }));
    fireEvent.click(create);
    await settle();
    expect(api.create).toHaveBeenCalledWith("01JFILE", 7 * 24 * 3600);

    const input = screen.getByLabelText("New link") as HTMLInputElement;
    expect(input.value).toBe("http://127.0.0.1:3000/s/token1aaaaaaaaaaaaaaaaa");
    expect(input.readOnly).toBe(true);
    expect(document.activeElement).toBe(input);
    const note = document.getElementById(input.getAttribute("aria-describedby")!)!;
    expect(note.textContent).toContain("this link will not be shown again");
    expect(note.textContent).toContain(`It expires ${formatDate("2030-01-08T12:00:00.000Z")}`);
    expect(liveStatus()).toBe("Link created. Copy it now: it will not be shown again.");
    // The list is read again from the API, and now holds the new link.
    expect(api.list).toHaveBeenCalledTimes(2);
    expect(within(screen.getByRole("region", { name: "Active links" })).getAllByRole("listitem")).toHaveLength(1);
  });

  it("copies the link with the clipboard, and selects it for the keyboard when there is no clipboard", async () => {
    const copy = vi.fn(async () => undefined);
    render(<ShareDialog file={file} api={fakeApi().api} onClose={() => undefined} copy={copy} />);
    fireEvent.click(screen.getByRole("button", { name: "Create link" }));
    await settle();
    fireEvent.click(screen.getByRole("button", { name: "Copy" }));
    await settle();
    expect(copy).toHaveBeenCalledWith("http://127.0.0.1:3000/s/token1aaaaaaaaaaaaaaaaa");
    expect(screen.getByRole("button", { name: "Copied" })).toBeTruthy();
    expect(liveStatus()).toBe("Link copied to the clipboard.");
    cleanup();

    const refused = vi.fn(async () => {
      throw new DOMException("Write permission denied.", "NotAllowedError");
    });
    render(<ShareDialog file={file} api={fakeApi().api} onClose={() => undefined} copy={refused} />);
    fireEvent.click(screen.getByRole("button", { name: "Create link" }));
    await settle();
    const input = screen.getByLabelText("New link") as HTMLInputElement;
    (screen.getByRole("button", { name: "Create link" }) as HTMLElement).focus();
    fireEvent.click(screen.getByRole("button", { name: "Copy" }));
    await settle();
    expect(refused).toHaveBeenCalledOnce();
    expect(document.activeElement).toBe(input);
    expect([input.selectionStart, input.selectionEnd]).toEqual([0, input.value.length]);
    expect(liveStatus()).toBe("The link is selected: press Ctrl+C (⌘C on a Mac) to copy it.");
    expect(screen.getByText(/Press Ctrl\+C \(⌘C on a Mac\) to copy the selected link/)).toBeTruthy();
  });

  it("revokes a link after confirming in its row, and moves focus to the next link", async () => {
    const { api } = fakeApi([link("A", "2030-01-01T10:00:00Z", "2030-01-02T10:00:00Z"), link("B", "2030-01-01T09:00:00Z", "2030-01-02T09:00:00Z")]);
    render(<ShareDialog file={file} api={api} onClose={() => undefined} />);
    await settle();
    const region = screen.getByRole("region", { name: "Active links" });
    const revokeA = within(region).getByRole("button", { name: `Revoke the link created ${formatDate("2030-01-01T10:00:00Z")}` });
    expect(revokeA.textContent?.trim()).toBe("Revoke");

    // Keep: nothing revoked, focus back on the row's Revoke button.
    fireEvent.click(revokeA);
    await settle();
    const confirm = within(region).getByRole("group", { name: "Revoke this link? Whoever has it can no longer open the file." });
    expect(document.activeElement).toBe(within(confirm).getByRole("button", { name: "Keep" }));
    fireEvent.click(within(confirm).getByRole("button", { name: "Keep" }));
    await settle();
    expect(api.revoke).not.toHaveBeenCalled();
    expect(document.activeElement?.textContent?.trim()).toBe("Revoke");
    // Escape backs out of the confirmation the same way, and leaves the dialog open.
    fireEvent.click(document.activeElement!);
    await settle();
    const escape = fireEvent.keyDown(document.activeElement!, { key: "Escape" });
    await settle();
    expect(escape).toBe(false); // handled: the dialog's own Escape (close) does not happen
    expect(within(region).queryByRole("group")).toBeNull();
    expect(document.activeElement?.textContent?.trim()).toBe("Revoke");

    fireEvent.click(within(region).getAllByRole("button", { name: /^Revoke the link/ })[0]!);
    await settle();
    fireEvent.click(within(region).getByRole("button", { name: "Revoke link" }));
    await settle();
    expect(api.revoke).toHaveBeenCalledWith("01JFILE", "A");
    const rows = within(region).getAllByRole("listitem");
    expect(rows.map((r) => r.getAttribute("data-share-id"))).toEqual(["B"]);
    expect(document.activeElement).toBe(within(rows[0]!).getByRole("button"));
    expect(liveStatus()).toBe("Link revoked: it no longer opens the file.");

    // The last one: the list says so, and focus goes back to the create button.
    fireEvent.click(within(rows[0]!).getByRole("button"));
    await settle();
    fireEvent.click(within(region).getByRole("button", { name: "Revoke link" }));
    await settle();
    expect(screen.getByText("No active links.")).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Create link" }));
  });

  it("hides the new link once it is revoked: it no longer opens anything", async () => {
    const { api } = fakeApi();
    render(<ShareDialog file={file} api={api} onClose={() => undefined} />);
    fireEvent.click(screen.getByRole("button", { name: "Create link" }));
    await settle();
    expect(screen.getByLabelText("New link")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: /^Revoke the link/ }));
    await settle();
    fireEvent.click(screen.getByRole("button", { name: "Revoke link" }));
    await settle();
    expect(screen.queryByLabelText("New link")).toBeNull();
  });

  it("shows the API's errors with the app's error display, and keeps what was there", async () => {
    const { api } = fakeApi([link("A", "2030-01-01T10:00:00Z", "2030-01-02T10:00:00Z")]);
    const notFound = errorFromResponse(404, "application/json", JSON.stringify({ error: { code: "NotFound", message: "No such file." } }));
    api.create.mockRejectedValueOnce(notFound);
    api.revoke.mockRejectedValueOnce(errorFromResponse(503, "application/json", JSON.stringify({ error: { code: "ServiceUnavailable", message: "dynamo down" } })));
    render(<ShareDialog file={file} api={api} onClose={() => undefined} />);
    await settle();

    fireEvent.click(screen.getByRole("button", { name: "Create link" }));
    await settle();
    let alert = screen.getByRole("alert");
    expect(alert.textContent).toContain("No such file.");
    expect(alert.textContent).toContain("Error code: NotFound");
    expect(screen.queryByLabelText("New link")).toBeNull();
    expect((screen.getByRole("button", { name: "Create link" }) as HTMLButtonElement).disabled).toBe(false);

    fireEvent.click(screen.getByRole("button", { name: /^Revoke the link/ }));
    await settle();
    fireEvent.click(screen.getByRole("button", { name: "Revoke link" }));
    await settle();
    alert = screen.getByRole("alert");
    expect(alert.textContent).toContain("Something went wrong on our side. Try again in a moment.");
    expect(alert.textContent).not.toContain("dynamo");
    // The link is still listed, its confirmation still open to try again.
    expect(screen.getByRole("button", { name: "Revoke link" })).toBeTruthy();
  });

  it("offers to try again when the list can't be loaded", async () => {
    const { api } = fakeApi([link("A", "2030-01-01T10:00:00Z", "2030-01-02T10:00:00Z")]);
    api.list.mockRejectedValueOnce(errorFromThrown(new TypeError("Failed to fetch")));
    render(<ShareDialog file={file} api={api} onClose={() => undefined} />);
    await settle();
    const region = screen.getByRole("region", { name: "Active links" });
    expect(within(region).getByRole("alert").textContent).toContain("Can't reach the server.");
    fireEvent.click(within(region).getByRole("button", { name: "Try again" }));
    await settle();
    expect(within(region).queryByRole("alert")).toBeNull();
    expect(within(region).getAllByRole("listitem")).toHaveLength(1);
  });

  it("closes with Done", async () => {
    const onClose = vi.fn();
    render(<ShareDialog file={file} api={fakeApi().api} onClose={onClose} />);
    await settle();
    fireEvent.click(screen.getByRole("button", { name: "Done" }));
    expect(onClose).toHaveBeenCalledOnce();
  });
});
