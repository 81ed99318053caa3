import { closeViewer, navigate, useViewedFile, viewFile } from "./router";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { MediaFile } from "../api/types";
import type { KindFilter } from "../library/library-store";
import type { Services } from "../services";
import { DeleteDialog, EditDialog } from "./Dialogs";
import { LibraryViewer, viewable } from "./LibraryViewer";
import { displayOrder, groupByDate } from "../library/date-groups";
import { keepPresent, NO_SELECTION, toggleSelection, type Selection } from "../library/selection";
import { BulkDeleteDialog, BulkShareDialog, SelectionBar } from "./Selection";
import type { FileActions } from "./FileViews";
import { Files } from "./LibraryFiles";
import { Icon } from "./icons";
import { useDebounced, useStore } from "./hooks";
import { ShareDialog, type ShareApi } from "./ShareDialog";
import { UploadArea } from "./Upload";
import { UsageMeter } from "./UsageMeter";
export { UsageMeter };
import type { BatchSummary } from "./upload-summary";

/** `file` as it was when the dialog opened: a live event may take it from the library while the dialog is up. */
type DialogState = { kind: "edit" | "share" | "delete" | "bulk-delete" | "bulk-share"; fileId: string; file?: MediaFile } | undefined;

export function LibraryScreen({ services }: { services: Services }) {
  const { library, usage, uploads, session, announcer, api } = services;
  const state = useStore((fn) => library.subscribe(fn), () => library.state);
  const me = useStore((fn) => usage.subscribe(fn), () => usage.me);
  // Whether changes arrive live (local runtime) or by polling (a deployed API): shown to tests and tools.
  const live = useStore((fn) => services.live.onStatus(fn), () => services.live.status);
  const [dialog, setDialog] = useState<DialogState>();
  const viewing = useViewedFile();
  const [selection, setSelection] = useState<Selection>(NO_SELECTION);
  const selectedFiles = state.files.filter((f) => selection.ids.has(f.fileId));
  // A file deleted (here or elsewhere) or filtered away leaves the selection.
  useEffect(() => setSelection((s) => keepPresent(s, state.files.map((f) => f.fileId))), [state.files]);
  useEffect(() => {
    if (selection.ids.size === 0) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && !document.querySelector("dialog[open]")) setSelection(NO_SELECTION);
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [selection.ids.size]);
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
  const dialogFile = dialog ? (fileOf(dialog.fileId) ?? dialog.file) : undefined;

  // Where focus goes once a dialog has gone: the file's own card when the control that opened the dialog
  // is gone (viewer → edit), or after a delete the card beside it, so the page keeps its place. Done
  // after the dialog has unmounted: closing a modal <dialog> hands focus back on its own.
  const focusAfter = useRef<string | undefined>(undefined);
  const bulkBeside = useRef<string | undefined>(undefined);
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
    edit: (f) => setDialog({ kind: "edit", fileId: f.fileId, file: f }),
    share: (f) => setDialog({ kind: "share", fileId: f.fileId, file: f }),
    remove: (f) => setDialog({ kind: "delete", fileId: f.fileId, file: f }),
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
    select: (f, range) => setSelection((s) => toggleSelection(s, displayOrder(groupByDate(state.files, Date.now())).map((x) => x.fileId), f.fileId, range)),
  };

  const downloadSelected = async () => {
    // One saved file per link click; each URL fetched fresh first (they are presigned and expire).
    for (const f of selectedFiles.filter((x) => x.status === "ready")) {
      const fresh = await library.fresh(f.fileId).catch(() => undefined);
      if (!fresh?.downloadUrl) {
        announcer.say(`Could not download ${f.fileName}.`, "error");
        continue;
      }
      const a = document.createElement("a");
      a.href = fresh.downloadUrl;
      a.download = fresh.fileName;
      document.body.append(a);
      a.click();
      a.remove();
    }
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
        <Files state={state} actions={actions} onMore={loadMore} onRetry={retry} now={Date.now()} selected={selection.ids} />
      </main>
      {viewing && <LibraryViewer fileId={viewing} state={state} library={library} actions={actions} />}
      {dialog?.kind === "edit" && dialogFile && (
        <EditDialog
          file={dialogFile}
          onClose={closeDialog}
          onSave={async (patch) => {
            const updated = await api.updateFile(dialogFile.fileId, patch);
            library.changed(updated);
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
            // Found before the request: the live event of the delete may take the card away before it answers.
            const beside = neighbourOf(new Set([dialogFile.fileId]));
            await api.deleteFile(dialogFile.fileId);
            // A pending file may still be on its way from this tab: stop sending it too.
            if (pending) uploads.forget(dialogFile.fileId);
            focusAfter.current = beside;
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
      {selectedFiles.length > 0 && (
        <SelectionBar
          files={selectedFiles}
          onDownload={() => void downloadSelected()}
          onShare={() => setDialog({ kind: "bulk-share", fileId: "" })}
          onDelete={() => {
            bulkBeside.current = neighbourOf(selection.ids);
            setDialog({ kind: "bulk-delete", fileId: "" });
          }}
          onClear={() => setSelection(NO_SELECTION)}
        />
      )}
      {dialog?.kind === "bulk-share" && <BulkShareDialog files={selectedFiles} create={(id, seconds) => api.shareFile(id, seconds)} onClose={closeDialog} />}
      {dialog?.kind === "bulk-delete" && (
        <BulkDeleteDialog
          files={selectedFiles}
          remove={async (f) => {
            await api.deleteFile(f.fileId);
            if (f.status === "pending") uploads.forget(f.fileId);
          }}
          onDone={(deleted) => {
            if (deleted.length === 0) return;
            focusAfter.current = bulkBeside.current;
            for (const f of deleted) library.remove(f.fileId);
            void usage.refresh();
            announcer.say(`Deleted ${deleted.length} ${deleted.length === 1 ? "file" : "files"}.`);
          }}
          onClose={closeDialog}
        />
      )}
      <Toast services={services} />
    </div>
  );
}

/** The card shown after these (or before them, when they are the last), in the order on screen. */
function neighbourOf(going: ReadonlySet<string>): string | undefined {
  const cards = [...document.querySelectorAll<HTMLElement>(".library [data-file-id]")];
  const i = cards.findLastIndex((c) => going.has(c.dataset.fileId!));
  if (i < 0) return undefined;
  const staying = (c: HTMLElement) => !going.has(c.dataset.fileId!);
  return (cards.slice(i + 1).find(staying) ?? cards.slice(0, i).reverse().find(staying))?.dataset.fileId;
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
