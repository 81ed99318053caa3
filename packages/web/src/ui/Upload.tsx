import { useEffect, useRef, useState } from "preact/hooks";
import { formatBytes, formatRemaining, formatSpeed } from "../format";
import { ACCEPTED_SUMMARY, PICKER_ACCEPT } from "../upload/media-accept";
import { isFinished, type UploadItem, type UploadQueue } from "../upload/upload-queue";
import type { Limits } from "../usage/usage-store";
import { useCoarsePointer } from "./device";
import { Icon } from "./icons";
import { needsAttention, realTimers, summarize, SUMMARY_LINGER_MS, type BatchSummary, type Timers } from "./upload-summary";
import { useStore } from "./hooks";

/**
 * Drop files anywhere on the page or pick them; each gets a row with its own progress, speed and
 * cancel. Files that can't be accepted are refused here, with the reason, before anything is sent.
 */
export function UploadArea({ queue, limits, onBatchDone, timers }: { queue: UploadQueue; limits: Limits; onBatchDone?: (summary: BatchSummary) => void; timers?: Timers }) {
  const input = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const coarse = useCoarsePointer();

  useEffect(() => {
    let depth = 0;
    const hasFiles = (e: DragEvent) => !!e.dataTransfer && [...e.dataTransfer.types].includes("Files");
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth++;
      setDragging(true);
    };
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault(); // allows the drop
      e.dataTransfer!.dropEffect = "copy";
    };
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setDragging(false);
      const files = [...(e.dataTransfer?.files ?? [])];
      if (files.length) queue.add(files);
    };
    document.addEventListener("dragenter", enter);
    document.addEventListener("dragover", over);
    document.addEventListener("dragleave", leave);
    document.addEventListener("drop", drop);
    return () => {
      document.removeEventListener("dragenter", enter);
      document.removeEventListener("dragover", over);
      document.removeEventListener("dragleave", leave);
      document.removeEventListener("drop", drop);
    };
  }, [queue]);

  const limitText = [
    limits.maxFileBytes !== undefined ? `up to ${formatBytes(limits.maxFileBytes)} each` : undefined,
    limits.remainingBytes !== undefined ? `${formatBytes(limits.remainingBytes)} free` : undefined,
  ]
    .filter(Boolean)
    .join(" · ");

  return (
    <section class="upload" aria-labelledby="upload-heading">
      <h2 id="upload-heading" class="visually-hidden">
        Upload
      </h2>
      <div class={dragging ? "dropzone dragging" : "dropzone"}>
        <Icon name="upload" size={28} />
        <div class="dropzone-text">
          {coarse ? (
            // A touch screen has nothing to drag from: the button is the way in, and says what it takes.
            <p>
              <button type="button" class="button primary small" onClick={() => input.current?.click()}>
                Choose files
              </button>{" "}
              <strong>Add photos or audio</strong>
            </p>
          ) : (
            <p>
              <strong>Drop images or audio here</strong> or{" "}
              <button type="button" class="button primary small" onClick={() => input.current?.click()}>
                Choose files
              </button>
            </p>
          )}
          <p class="muted small-text">
            {ACCEPTED_SUMMARY}
            {limitText && ` · ${limitText}`}
          </p>
        </div>
        <input
          ref={input}
          type="file"
          multiple
          accept={PICKER_ACCEPT}
          class="visually-hidden"
          tabIndex={-1}
          aria-label="Choose files to upload"
          onChange={(e) => {
            const el = e.target as HTMLInputElement;
            const files = [...(el.files ?? [])];
            if (files.length) queue.add(files);
            el.value = ""; // the same file can be chosen again
          }}
        />
      </div>
      {dragging && (
        <div class="drop-overlay" aria-hidden="true">
          <p>Drop to upload</p>
        </div>
      )}
      <UploadList queue={queue} onBatchDone={onBatchDone} timers={timers} />
    </section>
  );
}

/**
 * Uploads in progress and those that need a look each have a row; the ones that went well fold into
 * one line, which goes away a few seconds after the batch is over, so the library stays on the first
 * screen. When a batch is over it is told once (a toast), not once per file.
 */
export function UploadList({ queue, onBatchDone, timers = realTimers }: { queue: UploadQueue; onBatchDone?: (summary: BatchSummary) => void; timers?: Timers }) {
  const items = useStore(
    (fn) => queue.subscribe(fn),
    () => queue.items,
  );
  const reported = useRef(new Set<string>());
  const busy = items.some((i) => !isFinished(i.state));
  const folded = items.filter((i) => isFinished(i.state) && !needsAttention(i));
  const rows = items.filter((i) => !isFinished(i.state) || needsAttention(i));

  useEffect(() => {
    if (busy) return;
    const fresh = items.filter((i) => !reported.current.has(i.id));
    reported.current = new Set(items.map((i) => i.id));
    const summary = summarize(fresh);
    if (summary) onBatchDone?.(summary);
  }, [items, busy, onBatchDone]);

  const foldedIds = folded.map((i) => i.id).join(" ");
  useEffect(() => {
    if (busy || !foldedIds) return;
    const handle = timers.set(() => {
      for (const id of foldedIds.split(" ")) queue.dismiss(id);
    }, SUMMARY_LINGER_MS);
    return () => timers.clear(handle);
  }, [busy, foldedIds, queue, timers]);

  if (items.length === 0) return null;
  const line = summarize(folded);
  return (
    <div class="uploads">
      {line && (
        <p class="upload-summary" data-busy={busy}>
          <Icon name="check" size={18} />
          <span>{line.text}</span>
          <button type="button" class="icon-button" onClick={() => folded.forEach((i) => queue.dismiss(i.id))} aria-label="Hide finished uploads" title="Hide">
            <Icon name="close" size={16} />
          </button>
        </p>
      )}
      {rows.length > 0 && (
        <ul class="upload-list" aria-label="Uploads">
          {rows.map((item) => (
            <UploadRow key={item.id} item={item} onCancel={() => queue.cancel(item.id)} onDismiss={() => queue.dismiss(item.id)} />
          ))}
        </ul>
      )}
    </div>
  );
}

export function UploadRow({ item, onCancel, onDismiss }: { item: UploadItem; onCancel: () => void; onDismiss: () => void }) {
  const s = item.state;
  const cancellable = s.kind === "queued" || s.kind === "uploading";
  const tone = s.kind === "ready" ? "ok" : s.kind === "refused" || s.kind === "rejected" || s.kind === "failed" ? "bad" : "neutral";
  return (
    <li class={`upload-row ${tone}`} data-state={s.kind} data-name={item.name}>
      <span class="upload-kind">
        <Icon name={s.kind === "ready" ? "check" : tone === "bad" ? "warning" : item.mediaKind === "audio" ? "audio" : "image"} />
      </span>
      <div class="upload-main">
        <p class="upload-name">
          <span class="name" title={item.name}>
            {item.name}
          </span>
          <span class="muted"> {formatBytes(item.size)}</span>
        </p>
        {s.kind === "uploading" && (
          <progress max={s.total} value={s.loaded} aria-label={`Uploading ${item.name}`} />
        )}
        {s.kind === "processing" && <progress aria-label={`Processing ${item.name}`} />}
        <p class="upload-status" aria-live={tone === "bad" ? "assertive" : undefined}>
          {statusText(item)}
        </p>
      </div>
      {cancellable ? (
        <button type="button" class="button small" onClick={onCancel} aria-label={`Cancel upload of ${item.name}`}>
          Cancel
        </button>
      ) : isFinished(s) ? (
        <button type="button" class="icon-button" onClick={onDismiss} aria-label={`Remove ${item.name} from the list`} title="Remove from the list">
          <Icon name="close" />
        </button>
      ) : (
        <span class="upload-spacer" />
      )}
    </li>
  );
}

export function statusText(item: UploadItem): string {
  const s = item.state;
  switch (s.kind) {
    case "queued":
      return "Waiting…";
    case "uploading": {
      if (s.loaded === 0 && s.bytesPerSecond === undefined) return "Starting…";
      const pct = s.total > 0 ? Math.floor((s.loaded / s.total) * 100) : 0;
      const parts = [`${pct}%`, `${formatBytes(s.loaded)} of ${formatBytes(s.total)}`];
      if (s.bytesPerSecond !== undefined) parts.push(formatSpeed(s.bytesPerSecond));
      const left = formatRemaining(s.secondsLeft);
      if (left) parts.push(left);
      return parts.join(" · ");
    }
    case "processing":
      return "Uploaded. Checking the file…";
    case "ready":
      return "Ready";
    case "rejected":
      return `Rejected: ${s.reason}`;
    case "refused":
      return `Not uploaded: ${s.reason}`;
    case "failed":
      return `Failed: ${s.message}`;
    case "cancelled":
      return "Cancelled";
  }
}
