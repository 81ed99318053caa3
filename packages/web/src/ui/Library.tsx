import { closeViewer, navigate, useViewedFile, viewFile } from "./router";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { MediaFile, Usage } from "../api/types";
import type { KindFilter } from "../library/library-store";
import type { Services } from "../services";
import { formatBytes } from "../format";
import { DeleteDialog, EditDialog } from "./Dialogs";
import { LibraryViewer, viewable } from "./LibraryViewer";
import type { FileActions } from "./FileViews";
import { Files } from "./LibraryFiles";
import { Icon } from "./icons";
import { useDebounced, useStore } from "./hooks";
import { ShareDialog, type ShareApi } from "./ShareDialog";
import { UploadArea } from "./Upload";
import type { BatchSummary } from "./upload-summary";

type DialogState = { kind: "edit" | "share" | "delete"; fileId: string } | undefined;

export function LibraryScreen({ services }: { services: Services }) {
  const { library, usage, uploads, session, announcer, api } = services;
  const state = useStore((fn) => library.subscribe(fn), () => library.state);
  const me = useStore((fn) => usage.subscribe(fn), () => usage.me);
  // Whether changes arrive live (local runtime) or by polling (a deployed API): shown to tests and tools.
  const live = useStore((fn) => services.live.onStatus(fn), () => services.live.status);
  const [dialog, setDialog] = useState<DialogState>();
  const viewing = useViewedFile();
  const [query, setQuery] = useState(state.filter.q);
  const q = useDebounced(query, 300);

  useEffect(() => {
    document.title = "Your library · Media library";
    library.reload();
  }, [library]);
  useEffect(() => library.setFilter({ q }), [library, q]);

  const loadMore = useCallback(() => library.loadMore(), [library]);
  const tellBatch = useCallback((s: BatchSummary) => announcer.say(`${s.text}.`, s.tone), [announcer]);
  const retry = useCallback(() => library.reload(), [library]);
  const fileOf = (id: string) => state.files.find((f) => f.fileId === id);
  const dialogFile = dialog ? fileOf(dialog.fileId) : undefined;

  // Where focus goes once a dialog has gone: the file's own card when the control that opened the dialog
  // is gone (viewer → edit), or after a delete the card beside it, so the page keeps its place. Done
  // after the dialog has unmounted: closing a modal <dialog> hands focus back on its own.
  const focusAfter = useRef<string | undefined>(undefined);
  const refocus = useRef<string | null>(null);
  const closeDialog = () => {
    refocus.current = focusAfter.current ?? dialog?.fileId ?? "";
    focusAfter.current = undefined;
    setDialog(undefined);
  };
  // The viewer closing (its button, Escape, or back) hands the focus to the card of the file last seen.
  const lastViewed = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (viewing) lastViewed.current = viewing;
    else if (lastViewed.current) {
      refocus.current = focusAfter.current ?? lastViewed.current;
      focusAfter.current = undefined;
      lastViewed.current = undefined;
    }
  }, [viewing]);
  useEffect(() => {
    if (dialog || viewing || refocus.current === null) return;
    const id = refocus.current;
    refocus.current = null;
    if (document.activeElement && document.activeElement !== document.body) return;
    const card = id ? document.querySelector<HTMLElement>(`[data-file-id="${CSS.escape(id)}"]`) : null;
    (card?.querySelector<HTMLElement>("button, a") ?? document.querySelector<HTMLElement>("main h1"))?.focus();
  }, [dialog, viewing]);

  const actions: FileActions = {
    open: (f) => viewFile(f.fileId),
    edit: (f) => setDialog({ kind: "edit", fileId: f.fileId }),
    share: (f) => setDialog({ kind: "share", fileId: f.fileId }),
    remove: (f) => setDialog({ kind: "delete", fileId: f.fileId }),
    download: (f, e) => {
      // The link's URL is presigned and expires; fetch a fresh one first when it is getting old.
      e.preventDefault();
      library
        .fresh(f.fileId)
        .then((fresh) => {
          if (fresh?.downloadUrl) location.assign(fresh.downloadUrl);
        })
        .catch((error: unknown) => announcer.say(`Could not download ${f.fileName}: ${error instanceof Error ? error.message : "try again"}`, "error"));
    },
    stale: (f) => void library.refresh(f.fileId).catch(() => undefined),
  };

  const shareApi: ShareApi = {
    create: (fileId, seconds) => api.shareFile(fileId, seconds),
    list: async (fileId) => (await api.listShares(fileId)).shares,
    revoke: (fileId, shareId) => api.revokeShare(fileId, shareId),
  };

  const signOut = async () => {
    uploads.stopAll();
    await session.signOut();
  };

  return (
    <div class="app" data-live={live}>
      <header class="topbar">
        <div class="topbar-inner">
          <p class="brand">
            <img src="/favicon.svg" alt="" width={28} height={28} /> <span>Media library</span>
          </p>
          <UsageMeter usage={me?.usage} />
          <div class="account">
            <span class="account-email" title={me?.email}>
              {me?.email ?? (session.state.status === "signed-in" ? session.state.email : "")}
            </span>
            <a class="button small" href="/security" onClick={(e) => {
              e.preventDefault();
              navigate("/security");
            }}>
              Security
            </a>
            <button type="button" class="button small" onClick={signOut}>
              <Icon name="logout" size={16} /> Sign out
            </button>
          </div>
        </div>
      </header>
      <main class="content" id="main">
        <h1 tabIndex={-1} class="visually-hidden">
          Your library
        </h1>
        <UploadArea queue={uploads} limits={usage.limits()} onBatchDone={tellBatch} />
        <div class="toolbar" role="search">
          <KindTabs value={state.filter.type} onChange={(type) => library.setFilter({ type })} />
          <div class="search">
            <label for="search" class="visually-hidden">
              Search by name
            </label>
            <Icon name="search" size={18} />
            <input id="search" type="search" placeholder="Search by name" value={query} onInput={(e) => setQuery((e.target as HTMLInputElement).value)} autoComplete="off" />
          </div>
        </div>
        <Files state={state} actions={actions} onMore={loadMore} onRetry={retry} now={Date.now()} />
      </main>
      {viewing && <LibraryViewer fileId={viewing} state={state} library={library} actions={actions} />}
      {dialog?.kind === "edit" && dialogFile && (
        <EditDialog
          file={dialogFile}
          onClose={closeDialog}
          onSave={async (patch) => {
            const updated = await api.updateFile(dialogFile.fileId, patch);
            library.upsert(updated);
            announcer.say(`Saved ${updated.fileName}.`);
          }}
        />
      )}
      {dialog?.kind === "share" && dialogFile && <ShareDialog file={dialogFile} api={shareApi} onClose={closeDialog} />}
      {dialog?.kind === "delete" && dialogFile && (
        <DeleteDialog
          file={dialogFile}
          onClose={closeDialog}
          onConfirm={async () => {
            const pending = dialogFile.status === "pending";
            await api.deleteFile(dialogFile.fileId);
            // A pending file may still be on its way from this tab: stop sending it too.
            if (pending) uploads.forget(dialogFile.fileId);
            focusAfter.current = neighbourOf(dialogFile.fileId);
            if (viewing === dialogFile.fileId) {
              // Deleted from the viewer: it moves on to the file beside, as a photo app does.
              const order = viewable(state.files, Date.now());
              const i = order.findIndex((f) => f.fileId === dialogFile.fileId);
              const beside = order[i + 1] ?? order[i - 1];
              if (beside) viewFile(beside.fileId);
              else closeViewer();
            }
            library.remove(dialogFile.fileId);
            void usage.refresh();
            announcer.say(pending ? `Cancelled the upload of ${dialogFile.fileName}.` : `Deleted ${dialogFile.fileName}.`);
          }}
        />
      )}
      <Toast services={services} />
    </div>
  );
}

/** The card shown after this one (or before it, for the last), in the order on screen. */
function neighbourOf(fileId: string): string | undefined {
  const cards = [...document.querySelectorAll<HTMLElement>(".library [data-file-id]")];
  const i = cards.findIndex((c) => c.dataset.fileId === fileId);
  if (i < 0) return undefined;
  return (cards[i + 1] ?? cards[i - 1])?.dataset.fileId;
}

function KindTabs({ value, onChange }: { value: KindFilter; onChange: (v: KindFilter) => void }) {
  const options: Array<[KindFilter, string]> = [
    ["all", "All"],
    ["image", "Images"],
    ["audio", "Audio"],
  ];
  // Radio buttons: one tab stop, arrow keys move between the options, the choice is announced.
  return (
    <fieldset class="segmented">
      <legend class="visually-hidden">Show</legend>
      {options.map(([v, label]) => (
        <label key={v} class={value === v ? "selected" : ""}>
          <input type="radio" name="kind" value={v} checked={value === v} onChange={() => onChange(v)} />
          <span>{label}</span>
        </label>
      ))}
    </fieldset>
  );
}

/** Stored bytes, and those reserved for uploads still pending, against the quota (GET /me). */
export function UsageMeter({ usage }: { usage: Usage | undefined }) {
  if (!usage) return <div class="usage" aria-hidden="true" />;
  const reserved = usage.reservedBytes ?? 0;
  const taken = usage.bytes + reserved;
  const pct = usage.quotaBytes > 0 ? Math.min(100, (taken / usage.quotaBytes) * 100) : 0;
  const text = `${formatBytes(usage.bytes)} of ${formatBytes(usage.quotaBytes)} used${reserved > 0 ? `, ${formatBytes(reserved)} reserved for uploads` : ""}`;
  return (
    <div class="usage">
      <div class="usage-bar" role="meter" aria-label="Storage used" aria-valuemin={0} aria-valuemax={usage.quotaBytes} aria-valuenow={Math.min(taken, usage.quotaBytes)} aria-valuetext={text}>
        <span style={{ width: `${Math.max(pct, taken > 0 ? 1 : 0)}%` }} class={pct > 90 ? "full" : ""} />
      </div>
      <p class="usage-text">
        {text} · {usage.files} {usage.files === 1 ? "file" : "files"}
      </p>
    </div>
  );
}

function Toast({ services }: { services: Services }) {
  const current = useStore((fn) => services.announcer.subscribe(fn), () => services.announcer.current);
  return (
    <div class="toast-region" aria-live="polite" role="status">
      {current && (
        <div class={`toast ${current.tone}`} key={current.id}>
          <span>{current.text}</span>
          <button type="button" class="icon-button" aria-label="Dismiss" onClick={() => services.announcer.dismiss()}>
            <Icon name="close" size={16} />
          </button>
        </div>
      )}
    </div>
  );
}

export type { MediaFile };
