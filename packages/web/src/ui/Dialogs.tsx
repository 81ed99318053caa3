import { useId, useState } from "preact/hooks";
import type { MediaFile } from "../api/types";
import { ErrorMessage } from "./ErrorMessage";
import { Modal } from "./Modal";

/** Rename, describe, tag (PATCH /files/{id}). Tags are typed comma-separated. */
export function EditDialog({ file, onSave, onClose }: { file: MediaFile; onSave: (patch: { fileName?: string; description?: string | null; tags?: string[] | null }) => Promise<void>; onClose: () => void }) {
  const [name, setName] = useState(file.fileName);
  const [description, setDescription] = useState(file.description ?? "");
  const [tags, setTags] = useState((file.tags ?? []).join(", "));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const ids = { name: useId(), description: useId(), tags: useId(), tagsHint: useId() };

  const submit = async (e: Event) => {
    e.preventDefault();
    const patch: { fileName?: string; description?: string | null; tags?: string[] | null } = {};
    if (name.trim() !== file.fileName) patch.fileName = name.trim();
    if (description.trim() !== (file.description ?? "")) patch.description = description.trim() || null;
    const tagList = [...new Set(tags.split(",").map((t) => t.trim()).filter(Boolean))];
    if (tagList.join(",") !== (file.tags ?? []).join(",")) patch.tags = tagList.length ? tagList : null;
    if (Object.keys(patch).length === 0) return onClose();
    setBusy(true);
    setError(undefined);
    try {
      await onSave(patch);
      onClose();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <Modal title="Edit details" onClose={onClose}>
      <form class="form" onSubmit={submit}>
        <ErrorMessage error={error} />
        <div class="field">
          <label for={ids.name}>Name</label>
          <input id={ids.name} data-autofocus value={name} required maxLength={255} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for={ids.description}>Description</label>
          <textarea id={ids.description} rows={3} maxLength={1000} value={description} onInput={(e) => setDescription((e.target as HTMLTextAreaElement).value)} />
        </div>
        <div class="field">
          <label for={ids.tags}>Tags</label>
          <input id={ids.tags} value={tags} aria-describedby={ids.tagsHint} onInput={(e) => setTags((e.target as HTMLInputElement).value)} />
          <p class="hint" id={ids.tagsHint}>
            Separate tags with commas (up to 20).
          </p>
        </div>
        <div class="modal-actions">
          <button type="button" class="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="button primary" disabled={busy}>
            {busy ? "Saving…" : "Save"}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** Confirms a delete, or for a pending file the cancel of its upload (same request, other words). */
export function DeleteDialog({ file, onConfirm, onClose }: { file: MediaFile; onConfirm: () => Promise<void>; onClose: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const descId = useId();
  const words = file.status === "pending" ? CANCEL_WORDS : DELETE_WORDS;
  return (
    <Modal title={words.title(file.fileName)} onClose={onClose} describedBy={descId}>
      <p id={descId}>{words.text}</p>
      <ErrorMessage error={error} />
      <div class="modal-actions">
        <button type="button" class="button" data-autofocus onClick={onClose}>
          {words.keep}
        </button>
        <button
          type="button"
          class="button danger-solid"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            setError(undefined);
            try {
              await onConfirm();
              onClose();
            } catch (err) {
              setError(err);
              setBusy(false);
            }
          }}
        >
          {busy ? words.busy : words.confirm}
        </button>
      </div>
    </Modal>
  );
}

const DELETE_WORDS = {
  title: (name: string) => `Delete ${name}?`,
  text: "The file is removed from your library and storage for good. This can't be undone.",
  keep: "Keep it",
  confirm: "Delete",
  busy: "Deleting…",
};

const CANCEL_WORDS = {
  title: (name: string) => `Cancel upload of ${name}?`,
  text: "The file is removed from your library and the space reserved for it is given back. If its upload still arrives, it is discarded.",
  keep: "Keep waiting",
  confirm: "Cancel upload",
  busy: "Cancelling…",
};
