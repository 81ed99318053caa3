import { useEffect, useId, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { CreatedShare, MediaFile, ShareSummary } from "../api/types";
import { formatDate } from "../format";
import { ErrorMessage } from "./ErrorMessage";
import { Modal } from "./Modal";

/** The share-link routes of the API, as the dialog needs them. */
export interface ShareApi {
  create(fileId: string, expiresInSeconds: number): Promise<CreatedShare>;
  list(fileId: string): Promise<ShareSummary[]>;
  revoke(fileId: string, shareId: string): Promise<void>;
}

/** The lifetimes offered; the API accepts 1 s to 7 days. */
export const SHARE_EXPIRIES: ReadonlyArray<readonly [seconds: number, label: string]> = [
  [3600, "1 hour"],
  [24 * 3600, "1 day"],
  [7 * 24 * 3600, "7 days"],
];
const DEFAULT_EXPIRY = 24 * 3600;

/** The Clipboard API, where the page may use it (secure contexts only). Throws where it can't. */
export async function writeClipboard(text: string): Promise<void> {
  if (typeof navigator === "undefined" || !navigator.clipboard?.writeText) throw new Error("The clipboard is not available here.");
  await navigator.clipboard.writeText(text);
}

/**
 * Share links for one file: make one with a chosen lifetime, see it once (the API keeps only a hash of
 * its token, so it can never be shown again) and copy it; list the links still open and revoke any.
 * Changes are announced through the dialog's own live region: a modal dialog makes the rest of the
 * page inert, the app's toast included.
 */
export function ShareDialog({ file, api, onClose, copy = writeClipboard }: { file: MediaFile; api: ShareApi; onClose: () => void; copy?: (text: string) => Promise<void> }) {
  const [expiry, setExpiry] = useState(DEFAULT_EXPIRY);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedShare>();
  const [copyState, setCopyState] = useState<"idle" | "copied" | "manual">("idle");
  const [shares, setShares] = useState<ShareSummary[]>();
  const [listError, setListError] = useState<unknown>();
  const [error, setError] = useState<unknown>();
  const [confirming, setConfirming] = useState<string>();
  const [revoking, setRevoking] = useState<string>();
  const [status, setStatus] = useState("");
  const linkInput = useRef<HTMLInputElement>(null);
  const createButton = useRef<HTMLButtonElement>(null);
  const list = useRef<HTMLUListElement>(null);
  /** Where focus goes after the next render (a control that the render creates or keeps). */
  const focusNext = useRef<(() => void) | undefined>(undefined);
  const ids = { intro: useId(), expiry: useId(), link: useId(), linkNote: useId(), listHeading: useId() };

  // A layout effect: focus moves in the same frame as the render, before a key pressed next can land elsewhere.
  useLayoutEffect(() => {
    const focus = focusNext.current;
    focusNext.current = undefined;
    focus?.();
  });

  const load = async () => {
    setListError(undefined);
    try {
      setShares(await api.list(file.fileId));
    } catch (err) {
      setListError(err);
    }
  };
  useEffect(() => {
    void load();
    // Listed again for another file only; `load` is a new function each render.
  }, [file.fileId]);

  const create = async (e: Event) => {
    e.preventDefault();
    setCreating(true);
    setError(undefined);
    try {
      const share = await api.create(file.fileId, expiry);
      setCreated(share);
      setCopyState("idle");
      setStatus("Link created. Copy it now: it will not be shown again.");
      focusNext.current = () => {
        linkInput.current?.focus();
        linkInput.current?.select();
      };
      await load();
    } catch (err) {
      setError(err);
    } finally {
      setCreating(false);
    }
  };

  const copyLink = async () => {
    if (!created) return;
    try {
      await copy(created.url);
      setCopyState("copied");
      setStatus("Link copied to the clipboard.");
    } catch {
      // No clipboard (an insecure origin, a refused permission): select the text for the person to copy.
      setCopyState("manual");
      setStatus("The link is selected: press Ctrl+C (⌘C on a Mac) to copy it.");
      linkInput.current?.focus();
      linkInput.current?.select();
    }
  };

  const revoke = async (shareId: string) => {
    setRevoking(shareId);
    setError(undefined);
    try {
      await api.revoke(file.fileId, shareId);
      const index = shares?.findIndex((s) => s.shareId === shareId) ?? -1;
      const rest = (shares ?? []).filter((s) => s.shareId !== shareId);
      setShares(rest);
      setConfirming(undefined);
      if (created?.shareId === shareId) setCreated(undefined);
      setStatus("Link revoked: it no longer opens the file.");
      // Focus stays in the list: the link that took this one's place, the one before it, or else the create button.
      const next = rest[Math.min(index, rest.length - 1)];
      focusNext.current = () => {
        const button = next ? list.current?.querySelector<HTMLElement>(`[data-share-id="${CSS.escape(next.shareId)}"] button`) : null;
        (button ?? createButton.current)?.focus();
      };
    } catch (err) {
      setError(err);
    } finally {
      setRevoking(undefined);
    }
  };

  return (
    <Modal title={`Share ${file.fileName}`} onClose={onClose} describedBy={ids.intro} anchored>
      <p id={ids.intro} class="muted">
        Anyone with a link can view and download this file, without signing in, until the link expires or you revoke it.
      </p>
      <ErrorMessage error={error} />
      <form class="share-create" onSubmit={create}>
        <fieldset class="share-expiry">
          <legend>Link expires after</legend>
          <div class="segmented">
            {SHARE_EXPIRIES.map(([seconds, label]) => (
              <label key={seconds} class={expiry === seconds ? "selected" : ""}>
                <input type="radio" name={ids.expiry} value={seconds} checked={expiry === seconds} onChange={() => setExpiry(seconds)} />
                <span>{label}</span>
              </label>
            ))}
          </div>
        </fieldset>
        <button type="submit" class="button primary" ref={createButton} data-autofocus disabled={creating}>
          {creating ? "Creating…" : "Create link"}
        </button>
      </form>

      {created && (
        <div class="share-created">
          <label for={ids.link}>New link</label>
          <div class="share-link-row">
            <input id={ids.link} ref={linkInput} type="text" readOnly value={created.url} aria-describedby={ids.linkNote} onFocus={(e) => (e.target as HTMLInputElement).select()} />
            <button type="button" class="button share-copy" onClick={copyLink}>
              {copyState === "copied" ? "Copied" : "Copy"}
            </button>
          </div>
          <p class="hint" id={ids.linkNote}>
            {copyState === "manual" ? "Press Ctrl+C (⌘C on a Mac) to copy the selected link. " : ""}
            Copy it now: this link will not be shown again. It expires {formatDate(created.expiresAt)}.
          </p>
        </div>
      )}

      <section class="share-list" aria-labelledby={ids.listHeading} aria-busy={shares === undefined && !listError}>
        <h3 id={ids.listHeading}>Active links</h3>
        {listError ? (
          <ErrorMessage error={listError} onRetry={() => void load()} />
        ) : shares === undefined ? (
          <p class="muted">
            <span class="spinner" aria-hidden="true" /> Loading links…
          </p>
        ) : shares.length === 0 ? (
          <p class="muted">No active links.</p>
        ) : (
          <ul ref={list}>
            {shares.map((s) => (
              <li key={s.shareId} data-share-id={s.shareId} class={confirming === s.shareId ? "confirming" : ""}>
                {confirming === s.shareId ? (
                  <ConfirmRevoke busy={revoking === s.shareId} onKeep={() => {
                    setConfirming(undefined);
                    focusNext.current = () => list.current?.querySelector<HTMLElement>(`[data-share-id="${CSS.escape(s.shareId)}"] button`)?.focus();
                  }} onRevoke={() => void revoke(s.shareId)} />
                ) : (
                  <>
                    <p class="share-dates">
                      <span>
                        Created <time dateTime={s.createdAt}>{formatDate(s.createdAt)}</time>
                      </span>
                      <span>
                        Expires <time dateTime={s.expiresAt}>{formatDate(s.expiresAt)}</time>
                      </span>
                    </p>
                    <button type="button" class="button small danger" aria-label={`Revoke the link created ${formatDate(s.createdAt)}`} onClick={() => {
                      setConfirming(s.shareId);
                      focusNext.current = () => list.current?.querySelector<HTMLElement>(`[data-share-id="${CSS.escape(s.shareId)}"] [data-keep]`)?.focus();
                    }}>
                      Revoke
                    </button>
                  </>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>

      <p class="visually-hidden" role="status" aria-live="polite">
        {status}
      </p>
      <div class="modal-actions">
        <button type="button" class="button" onClick={onClose}>
          Done
        </button>
      </div>
    </Modal>
  );
}

/**
 * The row's own confirmation: the safe choice has focus, as in the delete dialog, and Escape backs out
 * of the confirmation only (a handled keydown does not reach the dialog's own close on Escape).
 */
function ConfirmRevoke({ busy, onKeep, onRevoke }: { busy: boolean; onKeep: () => void; onRevoke: () => void }) {
  const textId = useId();
  return (
    <div
      class="share-confirm"
      role="group"
      aria-labelledby={textId}
      onKeyDown={(e) => {
        if (e.key !== "Escape") return;
        e.preventDefault();
        e.stopPropagation();
        onKeep();
      }}
    >
      <p id={textId}>Revoke this link? Whoever has it can no longer open the file.</p>
      <div class="share-confirm-actions">
        <button type="button" class="button small" data-keep onClick={onKeep}>
          Keep
        </button>
        <button type="button" class="button small danger-solid" disabled={busy} onClick={onRevoke}>
          {busy ? "Revoking…" : "Revoke link"}
        </button>
      </div>
    </div>
  );
}
