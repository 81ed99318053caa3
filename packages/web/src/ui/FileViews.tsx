import type { ComponentChildren } from "preact";
import { useRef } from "preact/hooks";
import type { MediaFile } from "../api/types";
import { formatBytes, formatDay, formatDuration } from "../format";
import { Icon } from "./icons";
import { useLongPress } from "./long-press";
import { SteadyAudio } from "./SteadyAudio";
import { useSteadyUrl } from "./steady-url";
import { Waveform } from "./Waveform";

export interface FileActions {
  open(file: MediaFile): void;
  edit(file: MediaFile): void;
  /** Make and manage the file's share links. */
  share(file: MediaFile): void;
  /** Delete a stored file, or cancel a pending one (DELETE /files/{id} does both); asks first. */
  remove(file: MediaFile): void;
  download(file: MediaFile, event: MouseEvent): void;
  /** The file's URLs failed (they expire after 15 minutes): fetch it again. */
  stale(file: MediaFile): void;
  /** Adds it to the selection or takes it out; `range` (shift-click) takes every file from the last one chosen. */
  select?(file: MediaFile, range: boolean): void;
}

/** Whether a card is chosen, and whether choosing is under way (a tap then chooses instead of opening). */
export interface CardSelection {
  selected: boolean;
  selecting: boolean;
}

function SelectBox({ file, actions, selection }: { file: MediaFile; actions: FileActions; selection: CardSelection | undefined }) {
  if (!actions.select) return null;
  return (
    <label class="select-box">
      <input type="checkbox" checked={selection?.selected ?? false} aria-label={`Select ${file.fileName}`} onClick={(e) => actions.select!(file, e.shiftKey)} />
    </label>
  );
}

export function typeLabel(contentType: string): string {
  const sub = contentType.split("/")[1] ?? contentType;
  return ({ jpeg: "JPEG", mpeg: "MP3", mp4: "M4A", "x-m4a": "M4A" } as Record<string, string>)[sub] ?? sub.toUpperCase();
}

/** Images: a square thumbnail whose space is reserved before it loads, so nothing jumps. */
export function ImageCard({ file, actions, selection }: { file: MediaFile; actions: FileActions; selection?: CardSelection }) {
  const ready = file.status === "ready";
  const press = useLongPress(() => actions.select?.(file, false));
  const selecting = selection?.selecting ?? false;
  return (
    <li class={selection?.selected ? "card selected" : "card"} data-file-id={file.fileId} data-status={file.status}>
      <SelectBox file={file} actions={actions} selection={selection} />
      <button
        type="button"
        class="thumb"
        {...press.handlers}
        onClick={(e) => {
          if (press.consumed()) return;
          if (actions.select && (selecting || e.shiftKey)) actions.select(file, e.shiftKey);
          else actions.open(file);
        }}
        disabled={!ready && !selecting}
        // While choosing, a tap on the picture chooses it too; the checkbox is the control that says so.
        tabIndex={selecting ? -1 : undefined}
        aria-hidden={selecting ? true : undefined}
        aria-label={ready ? `Open ${file.fileName}` : `${file.fileName} (${file.status})`}
      >
        <Thumb file={file} onError={() => actions.stale(file)} />
      </button>
      <div class="card-body">
        <p class="card-name" title={file.fileName}>
          {file.fileName}
        </p>
        <p class="card-meta">
          <StatusOr file={file}>
            <span>{typeLabel(file.contentType)} · {formatBytes(file.size)}</span>
            {file.metadata.width && file.metadata.height ? <span> · {file.metadata.width}×{file.metadata.height}</span> : null}
            <time class="card-date" dateTime={file.uploadedAt}>
              {formatDay(file.uploadedAt)}
            </time>
          </StatusOr>
        </p>
        <Actions file={file} actions={actions} />
      </div>
    </li>
  );
}

function Thumb({ file, onError }: { file: MediaFile; onError: () => void }) {
  // Every list signs the thumbnail's URL anew: the one shown is kept, so the picture is not fetched again.
  const thumb = useSteadyUrl(file.thumbnailUrl, onError);
  if (file.status === "pending") {
    return (
      <span class="placeholder">
        <span class="spinner" aria-hidden="true" />
        <span>Processing…</span>
      </span>
    );
  }
  if (file.status === "rejected") {
    return (
      <span class="placeholder bad">
        <Icon name="warning" size={32} />
        <span>Rejected</span>
      </span>
    );
  }
  if (!thumb.url || thumb.status !== "ok") {
    // No thumbnail yet (they are made by a separate step), or a fresh link to it is awaited: a neutral
    // placeholder, never the full image.
    return (
      <span class="placeholder">
        <Icon name="image" size={36} />
        <span>{typeLabel(file.contentType)}</span>
      </span>
    );
  }
  return <img src={thumb.url} alt="" loading="lazy" decoding="async" onLoad={thumb.loaded} onError={thumb.failed} />;
}

/** Audio: a row with the player; the presigned URL supports Range requests, so seeking works. */
export function AudioRow({ file, actions, selection }: { file: MediaFile; actions: FileActions; selection?: CardSelection }) {
  const m = file.metadata;
  const title = m.title || file.fileName;
  const sub = [m.artist, m.album].filter(Boolean).join(" — ");
  const player = useRef<HTMLAudioElement>(null);
  const press = useLongPress(() => actions.select?.(file, false));
  return (
    <li class={selection?.selected ? "audio-row selected" : "audio-row"} data-file-id={file.fileId} data-status={file.status}>
      <span class="audio-icon" aria-hidden="true">
        <Icon name="audio" size={24} />
      </span>
      <SelectBox file={file} actions={actions} selection={selection} />
      <div
        class="audio-main"
        {...press.handlers}
        onClick={(e) => {
          if (press.consumed()) return;
          if (actions.select && (selection?.selecting || e.shiftKey)) actions.select(file, e.shiftKey);
        }}
      >
        <p class="card-name" title={file.fileName}>
          {title}
        </p>
        <p class="card-meta">
          <StatusOr file={file}>
            {sub && `${sub} · `}
            {typeLabel(file.contentType)} · {formatBytes(file.size)}
            {m.durationSeconds ? ` · ${formatDuration(m.durationSeconds)}` : ""} · <time dateTime={file.uploadedAt}>{formatDay(file.uploadedAt)}</time>
          </StatusOr>
        </p>
      </div>
      {file.status === "ready" && file.fileUrl && (
        <div class="audio-play">
          {/* The stream rendition when there is one (AAC in MP4 plays everywhere), else the original. */}
          <SteadyAudio player={player} class="audio-player" src={file.streamUrl ?? file.fileUrl} label={`Play ${title}`} onStale={() => actions.stale(file)} />
          {file.waveformUrl && <Waveform url={file.waveformUrl} player={player} label={title} onStale={() => actions.stale(file)} />}
        </div>
      )}
      <Actions file={file} actions={actions} />
    </li>
  );
}

function StatusOr({ file, children }: { file: MediaFile; children: ComponentChildren }) {
  if (file.status === "pending") return <span class="badge">Processing…</span>;
  if (file.status === "rejected") return <span class="badge bad">Rejected{file.rejectionReason ? `: ${file.rejectionReason}` : ""}</span>;
  return <>{children}</>;
}

function Actions({ file, actions }: { file: MediaFile; actions: FileActions }) {
  const ready = file.status === "ready";
  return (
    <div class="card-actions">
      {ready && (
        <>
          <button type="button" class="icon-button" onClick={() => actions.edit(file)} aria-label={`Edit details of ${file.fileName}`} title="Rename, describe, tag">
            <Icon name="edit" />
          </button>
          <button type="button" class="icon-button" onClick={() => actions.share(file)} aria-label={`Share ${file.fileName}`} title="Share a link">
            <Icon name="link" />
          </button>
          <a class="icon-button" href={file.downloadUrl} download={file.fileName} onClick={(e) => actions.download(file, e)} aria-label={`Download ${file.fileName}`} title="Download">
            <Icon name="download" />
          </a>
        </>
      )}
      {file.status === "pending" ? (
        // An upload interrupted (a reload, a closed tab) leaves a pending record: it can be cancelled.
        <button type="button" class="icon-button danger" onClick={() => actions.remove(file)} aria-label={`Cancel upload of ${file.fileName}`} title="Cancel upload">
          <Icon name="close" />
        </button>
      ) : (
        <button type="button" class="icon-button danger" onClick={() => actions.remove(file)} aria-label={`Delete ${file.fileName}`} title="Delete">
          <Icon name="trash" />
        </button>
      )}
    </div>
  );
}
