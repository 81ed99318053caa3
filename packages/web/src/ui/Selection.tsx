import { useId, useState } from "preact/hooks";
import type { CreatedShare, MediaFile } from "../api/types";
import { formatBytes } from "../format";
import { ErrorMessage } from "./ErrorMessage";
import { Icon } from "./icons";
import { Modal } from "./Modal";
import { SHARE_EXPIRIES, writeClipboard } from "./ShareDialog";

/** What can be done to several files at once; only ready files can be downloaded or shared. */
export function SelectionBar({ files, onDownload, onShare, onDelete, onClear }: { files: MediaFile[]; onDownload: () => void; onShare: () => void; onDelete: () => void; onClear: () => void }) {
  const ready = files.filter((f) => f.status === "ready").length;
  const bytes = files.reduce((sum, f) => sum + f.size, 0);
  return (
    <div class="selection-bar" role="toolbar" aria-label="Selected files">
      <p class="selection-count" aria-live="polite">
        <strong>{files.length} selected</strong> <span class="muted">{formatBytes(bytes)}</span>
      </p>
      <div class="selection-actions">
        <button type="button" class="button small" onClick={onDownload} disabled={ready === 0}>
          <Icon name="download" size={16} /> Download
        </button>
        <button type="button" class="button small" onClick={onShare} disabled={ready === 0}>
          <Icon name="link" size={16} /> Share
        </button>
        <button type="button" class="button small danger" onClick={onDelete}>
          <Icon name="trash" size={16} /> Delete
        </button>
        <button type="button" class="icon-button" onClick={onClear} aria-label="Clear the selection" title="Clear the selection (Esc)">
          <Icon name="close" />
        </button>
      </div>
    </div>
  );
}

/** One request per file (the API deletes one at a time); what failed is said, what worked is gone. */
export function BulkDeleteDialog({ files, remove, onDone, onClose }: { files: MediaFile[]; remove: (file: MediaFile) => Promise<void>; onDone: (deleted: MediaFile[]) => void; onClose: () => void }) {
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<{ file: MediaFile; error: unknown }[]>([]);
  const descId = useId();
  const run = async () => {
    setBusy(true);
    const deleted: MediaFile[] = [];
    const problems: { file: MediaFile; error: unknown }[] = [];
    for (const file of failed.length ? failed.map((f) => f.file) : files) {
      try {
        await remove(file);
        deleted.push(file);
      } catch (error) {
        problems.push({ file, error });
      }
    }
    onDone(deleted);
    setBusy(false);
    if (problems.length === 0) onClose();
    else setFailed(problems);
  };
  const count = failed.length || files.length;
  return (
    <Modal title={`Delete ${count} ${count === 1 ? "file" : "files"}?`} onClose={onClose} describedBy={descId}>
      <p id={descId}>They are removed from your library and storage for good. This can't be undone.</p>
      {failed.length > 0 && (
        <div class="bulk-failures">
          <p>These could not be deleted:</p>
          <ul>
            {failed.map(({ file, error }) => (
              <li key={file.fileId}>
                {file.fileName}: <ErrorMessage error={error} />
              </li>
            ))}
          </ul>
        </div>
      )}
      <div class="modal-actions">
        <button type="button" class="button" data-autofocus onClick={onClose}>
          Keep them
        </button>
        <button type="button" class="button danger-solid" disabled={busy} onClick={run}>
          {busy ? "Deleting…" : failed.length ? "Try again" : "Delete"}
        </button>
      </div>
    </Modal>
  );
}

/**
 * One link per file, all with the same lifetime, listed as "name: link" lines to copy in one go (or hand
 * to the device's share sheet where there is one). Each link is shown only here, as for a single file.
 */
export function BulkShareDialog({ files, create, onClose, copy = writeClipboard }: { files: MediaFile[]; create: (fileId: string, seconds: number) => Promise<CreatedShare>; onClose: () => void; copy?: (text: string) => Promise<void> }) {
  const ready = files.filter((f) => f.status === "ready");
  const [expiry, setExpiry] = useState(24 * 3600);
  const [busy, setBusy] = useState(false);
  const [links, setLinks] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [status, setStatus] = useState("");
  const ids = { expiry: useId(), links: useId() };

  const make = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const lines: string[] = [];
      for (const f of ready) lines.push(`${f.fileName}: ${(await create(f.fileId, expiry)).url}`);
      setLinks(lines.join("\n"));
      setStatus(`${lines.length} ${lines.length === 1 ? "link" : "links"} created. Copy them now: they will not be shown again.`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const canShare = typeof navigator !== "undefined" && typeof navigator.share === "function";

  return (
    <Modal title={`Share ${ready.length} ${ready.length === 1 ? "file" : "files"}`} onClose={onClose} anchored>
      <p class="visually-hidden" role="status">
        {status}
      </p>
      {!links ? (
        <form class="form" onSubmit={make}>
          <ErrorMessage error={error} />
          <fieldset class="share-expiry" aria-describedby={ids.expiry}>
            <legend>Links stop working after</legend>
            {SHARE_EXPIRIES.map(([seconds, label]) => (
              <label key={seconds}>
                <input type="radio" name="bulk-expiry" checked={expiry === seconds} onChange={() => setExpiry(seconds)} /> {label}
              </label>
            ))}
          </fieldset>
          <p class="hint" id={ids.expiry}>
            Anyone with a link can open that file until then.
          </p>
          <div class="modal-actions">
            <button type="button" class="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" class="button primary" disabled={busy}>
              {busy ? "Creating…" : `Create ${ready.length} ${ready.length === 1 ? "link" : "links"}`}
            </button>
          </div>
        </form>
      ) : (
        <div class="form">
          <div class="field">
            <label for={ids.links}>Links</label>
            <textarea id={ids.links} readOnly rows={Math.min(8, ready.length + 1)} value={links} data-autofocus />
          </div>
          <div class="modal-actions">
            {canShare && (
              <button type="button" class="button" onClick={() => void navigator.share({ text: links }).catch(() => undefined)}>
                Share…
              </button>
            )}
            <button
              type="button"
              class="button"
              onClick={() =>
                copy(links).then(
                  () => setStatus("Links copied to the clipboard."),
                  () => setStatus("Copying is not allowed here: select the links and copy them."),
                )
              }
            >
              Copy all
            </button>
            <button type="button" class="button primary" onClick={onClose}>
              Done
            </button>
          </div>
          <p class="hint" aria-hidden="true">
            {status}
          </p>
        </div>
      )}
    </Modal>
  );
}
