// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { FilePage, MediaFile, Me } from "../api/types";
import { createServices, type Services } from "../services";
import { LibraryScreen } from "./Library";

/** An EventSource that never opens: the library falls back to what the API answers. */
class SilentEventSource {
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  addEventListener(): void {}
  close(): void {}
}

/** An EventSource the test feeds: the local runtime's live stream of media events. */
class FeedEventSource {
  static opened: FeedEventSource[] = [];
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  private listeners = new Map<string, (e: MessageEvent<string>) => void>();
  constructor() {
    FeedEventSource.opened.push(this);
  }
  addEventListener(type: string, fn: (e: MessageEvent<string>) => void): void {
    this.listeners.set(type, fn);
  }
  close(): void {}
  emit(type: string, fileId: string): void {
    const event = { type, fileId, userId: "u", key: `u/${fileId}`, contentType: "image/png", size: 10, metadata: {}, at: new Date().toISOString() };
    this.listeners.get(type)?.({ data: JSON.stringify(event) } as MessageEvent<string>);
  }
}

const pendingFile: MediaFile = { fileId: "01PENDING", fileName: "interrupted.png", contentType: "image/png", size: 300, status: "pending", uploadedAt: "2030-01-01T00:00:00Z", metadata: {} };
const me: Me = { userId: "u", email: "u@example.com", usage: { files: 1, bytes: 1024, reservedBytes: 512, quotaBytes: 4096 }, limits: { maxFileBytes: 2048, quotaBytes: 4096 } };

let calls: Array<{ method: string; path: string }>;
let services: Services | undefined;

/** The API as the web app's own client reaches it (global fetch), one answer per route. */
let listed: MediaFile[] | undefined;
/** A GET of this path is answered as the file was when it was asked for, but only once `open` settles. */
let held: { path: string; open: Promise<void> } | undefined;

function answer(method: string, path: string): Response {
  const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  if (method === "GET" && path === "/me") return json(me);
  if (method === "GET" && path === "/retrieve" && listed) return json({ files: listed, nextCursor: null } satisfies FilePage);
  if (method === "PATCH" && path.startsWith("/files/") && listed) {
    listed = listed.map((f) => (`/files/${f.fileId}` === path ? { ...f, fileName: "renamed.png" } : f));
    return json(listed.find((f) => `/files/${f.fileId}` === path));
  }
  if (method === "DELETE" && path.startsWith("/files/") && listed) {
    listed = listed.filter((f) => `/files/${f.fileId}` !== path);
    return new Response(null, { status: 204 });
  }
  if (method === "GET" && path.startsWith("/files/") && listed) {
    const found = listed.find((f) => `/files/${f.fileId}` === path);
    return found ? json(found) : json({ error: { code: "NotFound", message: "No such file." } }, 404);
  }
  if (method === "GET" && path === "/retrieve") return json({ files: calls.some((c) => c.method === "DELETE") ? [] : [pendingFile], nextCursor: null } satisfies FilePage);
  if (method === "DELETE" && path === `/files/${pendingFile.fileId}`) return new Response(null, { status: 204 });
  return json({ error: { code: "NotFound", message: "no route" } }, 404);
}

beforeEach(() => {
  calls = [];
  listed = undefined;
  held = undefined;
  FeedEventSource.opened = [];
  history.replaceState(null, "", "/");
  vi.stubGlobal("EventSource", SilentEventSource);
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: string, init?: RequestInit) => {
      const url = new URL(input);
      const method = init?.method ?? "GET";
      calls.push({ method, path: url.pathname });
      const response = answer(method, url.pathname);
      if (method === "GET" && held?.path === url.pathname) await held.open;
      return response;
    }),
  );
});

afterEach(() => {
  cleanup();
  services?.live.stop();
  services = undefined;
  vi.unstubAllGlobals();
});

function signedIn(): Services {
  services = createServices("http://api.test");
  services.session.signIn({ message: "", token: "t", accessToken: "t", idToken: "i", expiresIn: 3600, tokenType: "Bearer" }, "u@example.com");
  return services;
}

describe("<LibraryScreen>", () => {
  it("cancels a file stuck processing: asks first, sends DELETE /files/{id}, and removes its card", async () => {
    render(<LibraryScreen services={signedIn()} />);
    const card = (await screen.findByText("interrupted.png")).closest("li")!;
    expect(within(card).getAllByText("Processing…").length).toBeGreaterThan(0);

    fireEvent.click(within(card).getByRole("button", { name: "Cancel upload of interrupted.png" }));
    const dialog = await screen.findByRole("dialog", { name: "Cancel upload of interrupted.png?" });
    // The same pattern as Delete: nothing is sent until the choice is confirmed.
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
    fireEvent.click(within(dialog).getByRole("button", { name: "Cancel upload" }));

    await waitFor(() => expect(screen.queryByText("interrupted.png")).toBeNull());
    expect(calls).toContainEqual({ method: "DELETE", path: "/files/01PENDING" });
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("keeps the card when the cancel is not confirmed", async () => {
    render(<LibraryScreen services={signedIn()} />);
    const card = (await screen.findByText("interrupted.png")).closest("li")!;
    fireEvent.click(within(card).getByRole("button", { name: "Cancel upload of interrupted.png" }));
    fireEvent.click(await screen.findByRole("button", { name: "Keep waiting" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(screen.getByText("interrupted.png")).toBeTruthy();
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
  });

  it("counts the bytes reserved by pending uploads in the meter and in the space left for uploads", async () => {
    render(<LibraryScreen services={signedIn()} />);
    // 4 KiB − 1 KiB stored − 512 B reserved.
    expect(await screen.findByText(/up to 2 KiB each · 2\.5 KiB free/)).toBeTruthy();
    const meter = screen.getByRole("meter", { name: "Storage used" });
    expect(meter.getAttribute("aria-valuenow")).toBe("1536");
    expect(meter.getAttribute("aria-valuetext")).toBe("1 KiB of 4 KiB used, 512 B reserved for uploads");
  });

  it("groups the library under date headings, and after a delete the card beside it takes the focus", async () => {
    const day = 86_400_000;
    const img = (id: string, ago: number): MediaFile => ({ fileId: id, fileName: `${id}.png`, contentType: "image/png", size: 10, status: "ready", uploadedAt: new Date(Date.now() - ago).toISOString(), metadata: {}, fileUrl: "http://s/f", downloadUrl: "http://s/d" });
    listed = [img("04", 0), img("03", 0), img("02", 2 * day), img("01", 400 * day)];
    render(<LibraryScreen services={signedIn()} />);
    await screen.findByText("04.png");
    const headings = screen.getAllByRole("heading", { level: 2 }).map((h) => h.textContent);
    expect(headings[0]).toBe("Upload");
    expect(headings.slice(1, 3)).toEqual(["Today 2 images", "This week 1 image"]);
    expect(headings).toHaveLength(4);
    const today = screen.getByRole("region", { name: /^Today/ });
    expect(within(today).getAllByRole("listitem").map((li) => li.getAttribute("data-file-id"))).toEqual(["04", "03"]);

    fireEvent.click(screen.getByRole("button", { name: "Delete 03.png" }));
    fireEvent.click(within(await screen.findByRole("dialog", { name: "Delete 03.png?" })).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(screen.queryByText("03.png")).toBeNull());
    // The next card on screen (the first of "This week"), not the top of the page.
    await waitFor(() => expect(document.activeElement?.closest("[data-file-id]")?.getAttribute("data-file-id")).toBe("02"));
  });

  it("opens a file in the viewer with its id in the address: next moves along, back closes, a reload reopens it", async () => {
    const img = (id: string): MediaFile => ({ fileId: id, fileName: `${id}.png`, contentType: "image/png", size: 10, status: "ready", uploadedAt: new Date().toISOString(), metadata: {}, fileUrl: "http://s/f", downloadUrl: "http://s/d" });
    listed = [img("03"), img("02"), img("01")];
    render(<LibraryScreen services={signedIn()} />);
    fireEvent.click(await screen.findByRole("button", { name: "Open 03.png" }));
    const viewer = await screen.findByRole("dialog", { name: "03.png" });
    expect(location.search).toBe("?file=03");
    expect(within(viewer).getByText("1 of 3")).toBeTruthy();
    fireEvent.click(within(viewer).getByRole("button", { name: "Next file" }));
    await screen.findByRole("dialog", { name: "02.png" });
    expect(location.search).toBe("?file=02");

    // Back leaves the viewer in one step (moving along replaced the entry), and the card seen last has the focus.
    history.back();
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(location.search).toBe("");
    await waitFor(() => expect(document.activeElement?.getAttribute("aria-label")).toBe("Open 02.png"));
    cleanup();
    services?.live.stop();

    // A reload on a file's address opens it again.
    history.replaceState(null, "", "/?file=01");
    render(<LibraryScreen services={signedIn()} />);
    expect(await screen.findByRole("dialog", { name: "01.png" })).toBeTruthy();
    // And one that is gone says so.
    cleanup();
    history.replaceState(null, "", "/?file=09");
    render(<LibraryScreen services={signedIn()} />);
    expect(await screen.findByRole("dialog", { name: "File not found" })).toBeTruthy();
  });

  it("selects several files (click, shift-click) and deletes them together after one confirmation", async () => {
    const img = (id: string): MediaFile => ({ fileId: id, fileName: `${id}.png`, contentType: "image/png", size: 1024, status: "ready", uploadedAt: new Date().toISOString(), metadata: {}, fileUrl: "http://s/f", downloadUrl: "http://s/d" });
    listed = [img("05"), img("04"), img("03"), img("02"), img("01")];
    render(<LibraryScreen services={signedIn()} />);
    fireEvent.click(await screen.findByRole("checkbox", { name: "Select 04.png" }));
    fireEvent.click(screen.getByRole("checkbox", { name: "Select 02.png" }), { shiftKey: true });
    const bar = await screen.findByRole("toolbar", { name: "Selected files" });
    expect(bar.textContent).toContain("3 selected");
    expect(bar.textContent).toContain("3 KiB");
    // While choosing, a tap on a picture chooses it instead of opening it.
    fireEvent.click(document.querySelector('[data-file-id="05"] .thumb')!);
    expect(within(bar).getByText("4 selected")).toBeTruthy();
    expect(screen.queryByRole("dialog")).toBeNull();
    fireEvent.click(screen.getByRole("checkbox", { name: "Select 05.png" }));

    fireEvent.click(within(bar).getByRole("button", { name: "Delete" }));
    const dialog = await screen.findByRole("dialog", { name: "Delete 3 files?" });
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
    fireEvent.click(within(dialog).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(calls.filter((c) => c.method === "DELETE").map((c) => c.path)).toEqual(["/files/04", "/files/03", "/files/02"]);
    expect([...document.querySelectorAll("[data-file-id]")].map((e) => e.getAttribute("data-file-id"))).toEqual(["05", "01"]);
    expect(screen.queryByRole("toolbar", { name: "Selected files" })).toBeNull();
    await waitFor(() => expect(document.activeElement?.closest("[data-file-id]")?.getAttribute("data-file-id")).toBe("01"));
  });

  describe("when a fetch started before a change answers after it", () => {
    const img = (id: string): MediaFile => ({ fileId: id, fileName: `${id}.png`, contentType: "image/png", size: 10, status: "ready", uploadedAt: new Date().toISOString(), metadata: {}, fileUrl: "http://s/f", downloadUrl: "http://s/d" });

    /** A live event has the page fetch the file again, and the test holds that fetch's answer; `answer` lets it go and waits until it is applied. */
    async function heldRefresh(s: Services, type: string, fileId: string) {
      let open!: () => void;
      held = { path: `/files/${fileId}`, open: new Promise<void>((r) => (open = r)) };
      const refresh = vi.spyOn(s.library, "refresh");
      await waitFor(() => expect(FeedEventSource.opened).toHaveLength(1));
      FeedEventSource.opened[0]!.emit(type, fileId);
      await waitFor(() => expect(calls).toContainEqual({ method: "GET", path: `/files/${fileId}` }));
      const applied = refresh.mock.results[0]!.value as Promise<unknown>;
      return () => act(async () => {
        open();
        await applied;
      });
    }

    it("does not bring back the card of a file deleted meanwhile", async () => {
      vi.stubGlobal("EventSource", FeedEventSource);
      listed = [img("02"), img("01")];
      const s = signedIn();
      render(<LibraryScreen services={s} />);
      await screen.findByText("02.png");
      const answer = await heldRefresh(s, "media.renditions", "02");

      fireEvent.click(screen.getByRole("button", { name: "Delete 02.png" }));
      fireEvent.click(within(await screen.findByRole("dialog", { name: "Delete 02.png?" })).getByRole("button", { name: "Delete" }));
      await waitFor(() => expect(screen.queryByText("02.png")).toBeNull());
      expect(calls).toContainEqual({ method: "DELETE", path: "/files/02" });

      await answer(); // the file as it was before the delete
      expect(screen.queryByText("02.png")).toBeNull();
      expect([...document.querySelectorAll("[data-file-id]")].map((e) => e.getAttribute("data-file-id"))).toEqual(["01"]);
    });

    it("does not put back the old name of a file renamed meanwhile", async () => {
      vi.stubGlobal("EventSource", FeedEventSource);
      listed = [img("01")];
      const s = signedIn();
      render(<LibraryScreen services={s} />);
      await screen.findByText("01.png");
      const answer = await heldRefresh(s, "media.ready", "01");

      fireEvent.click(screen.getByRole("button", { name: "Edit details of 01.png" }));
      const dialog = await screen.findByRole("dialog", { name: "Edit details" });
      fireEvent.input(within(dialog).getByLabelText("Name"), { target: { value: "renamed.png" } });
      fireEvent.click(within(dialog).getByRole("button", { name: "Save" }));
      await screen.findByText("renamed.png");

      await answer(); // the file as it was before the rename
      expect(screen.getByText("renamed.png")).toBeTruthy();
      expect(screen.queryByText("01.png")).toBeNull();
    });
  });
});
