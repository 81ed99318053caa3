import { useRef, useState } from "preact/hooks";
import type { MediaFile } from "../api/types";
import { formatBytes, formatDate, formatDuration } from "../format";
import type { FileActions } from "./FileViews";
import { typeLabel } from "./FileViews";
import { useModalDialog } from "./hooks";
import { Icon } from "./icons";
import { SteadyAudio } from "./SteadyAudio";
import { useSteadyUrl } from "./steady-url";
import { Waveform } from "./Waveform";

/** A horizontal move this long (CSS px), clearly more sideways than up or down, turns the page. */
const SWIPE_PX = 50;

export interface ViewerProps {
  /** Undefined while a file opened from the address (a reload) is fetched. */
  file: MediaFile | undefined;
  /** A file opened from the address that could not be fetched (deleted, or another person's). */
  missing?: boolean;
  prev?: MediaFile | undefined;
  next?: MediaFile | undefined;
  /** "3 of 40", or "3 of 40+" while more pages may come. */
  position?: string | undefined;
  onGo(file: MediaFile): void;
  onClose(): void;
  actions: FileActions;
}

/**
 * One file at a time over the whole screen (on a phone, edge to edge): the image or the player, what is
 * known about it, previous and next by button, arrow key or swipe, and the same actions as its card.
 * A native modal <dialog>: the page behind is inert and Escape closes it.
 */
export function Viewer({ file, missing, prev, next, position, onGo, onClose, actions }: ViewerProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const swipe = useRef<{ x: number; y: number; id: number } | undefined>(undefined);

  useModalDialog(ref, (dialog) => dialog.querySelector<HTMLElement>(".viewer-close"));

  const go = (target: MediaFile | undefined) => {
    if (target) onGo(target);
  };

  const title = file ? (file.contentType.startsWith("audio/") && file.metadata.title) || file.fileName : missing ? "File not found" : "Loading…";
  return (
    <dialog
      ref={ref}
      class="viewer-screen"
      aria-labelledby="viewer-title"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onKeyDown={(e) => {
        // Arrow keys belong to the control that has them (seeking in the player, a text field).
        if ((e.target as HTMLElement).closest("audio, input, textarea, [role=slider]")) return;
        if (e.key === "ArrowLeft") go(prev);
        else if (e.key === "ArrowRight") go(next);
        else return;
        e.preventDefault();
      }}
    >
      <header class="viewer-bar">
        <button type="button" class="icon-button viewer-close" aria-label="Close the viewer" title="Close (Esc)" onClick={onClose}>
          <Icon name="close" />
        </button>
        <h2 id="viewer-title" class="viewer-title">
          {title}
        </h2>
        {position && (
          <p class="viewer-position" aria-live="polite">
            {position}
          </p>
        )}
      </header>
      <div
        class="viewer-stage"
        onPointerDown={(e) => {
          swipe.current = { x: e.clientX, y: e.clientY, id: e.pointerId };
        }}
        onPointerUp={(e) => {
          const start = swipe.current;
          swipe.current = undefined;
          if (!start || start.id !== e.pointerId) return;
          const dx = e.clientX - start.x;
          const dy = e.clientY - start.y;
          if (Math.abs(dx) >= SWIPE_PX && Math.abs(dx) > 1.5 * Math.abs(dy)) go(dx < 0 ? next : prev);
        }}
        onPointerCancel={() => (swipe.current = undefined)}
      >
        <button type="button" class="viewer-nav prev" aria-label="Previous file" title="Previous (←)" disabled={!prev} onClick={() => go(prev)}>
          <span aria-hidden="true">‹</span>
        </button>
        <div class="viewer-media">{file ? <Media key={file.fileId} file={file} actions={actions} /> : missing ? <p>This file is not in your library any more.</p> : <span class="spinner" aria-hidden="true" />}</div>
        <button type="button" class="viewer-nav next" aria-label="Next file" title="Next (→)" disabled={!next} onClick={() => go(next)}>
          <span aria-hidden="true">›</span>
        </button>
      </div>
      {file && <Details file={file} actions={actions} />}
    </dialog>
  );
}

function Media({ file, actions }: { file: MediaFile; actions: FileActions }) {
  // The display-size preview when there is one; the original (tens of MiB from a camera) only on request.
  const [original, setOriginal] = useState(!file.previewUrl);
  const player = useRef<HTMLAudioElement>(null);
  const m = file.metadata;
  const audio = file.contentType.startsWith("audio/");
  // A fetch of the file signs both anew: the image shown is kept (no second download, no flicker).
  const image = useSteadyUrl(audio ? undefined : original ? file.fileUrl : file.previewUrl, () => actions.stale(file));

  if (audio) {
    const title = m.title || file.fileName;
    return (
      <div class="viewer-audio">
        <Icon name="audio" size={64} />
        <p class="viewer-audio-title">{title}</p>
        {(m.artist || m.album) && <p class="muted">{[m.artist, m.album].filter(Boolean).join(" — ")}</p>}
        {file.fileUrl && (
          <>
            <SteadyAudio player={player} src={file.streamUrl ?? file.fileUrl} label={`Play ${title}`} onStale={() => actions.stale(file)} />
            {file.waveformUrl && <Waveform url={file.waveformUrl} player={player} label={title} onStale={() => actions.stale(file)} />}
          </>
        )}
      </div>
    );
  }
  if (image.status !== "ok") {
    // Shown too while a fresh link is awaited; the image replaces it when that comes.
    return <p class="muted">This image could not be shown{/hei[cf]/.test(file.contentType) ? " (this browser cannot display HEIC/HEIF; download it instead)" : ""}.</p>;
  }
  return (
    <>
      {/* width/height (when known) give the image its box before it loads, so nothing jumps. */}
      <img
        src={image.url}
        alt={file.description || file.fileName}
        width={m.width}
        height={m.height}
        draggable={false}
        onLoad={image.loaded}
        onError={image.failed}
      />
      {!original && (
        <button type="button" class="button small viewer-original" onClick={() => setOriginal(true)}>
          View the original ({formatBytes(file.size)})
        </button>
      )}
    </>
  );
}

/** The facts the indexer read from the file itself, then the person's own words, then the actions. */
export function fileFacts(file: MediaFile): Array<[string, string]> {
  const m = file.metadata;
  const facts: Array<[string, string]> = [];
  if (m.takenAt) facts.push(["Taken", formatDate(m.takenAt)]);
  facts.push(["Uploaded", formatDate(file.uploadedAt)]);
  facts.push(["Size", formatBytes(file.size)]);
  facts.push(["Type", typeLabel(file.contentType)]);
  if (m.width && m.height) {
    const mp = (m.width * m.height) / 1e6;
    facts.push(["Dimensions", `${m.width} × ${m.height}${mp >= 0.1 ? ` (${mp.toFixed(1)} MP)` : ""}`]);
  }
  const camera = cameraName(m.cameraMake, m.cameraModel);
  if (camera) facts.push(["Camera", camera]);
  if (m.durationSeconds) facts.push(["Length", formatDuration(m.durationSeconds)]);
  if (m.artist) facts.push(["Artist", m.artist]);
  if (m.album) facts.push(["Album", m.album]);
  if (m.codec || m.sampleRate) facts.push(["Audio", [m.codec, m.sampleRate ? `${m.sampleRate / 1000} kHz` : "", m.bitrate ? `${Math.round(m.bitrate / 1000)} kbit/s` : ""].filter(Boolean).join(" · ")]);
  return facts;
}

/** "Canon EOS R6", not "Canon Canon EOS R6": many cameras repeat the make in the model. */
function cameraName(make: string | undefined, model: string | undefined): string | undefined {
  if (!make) return model;
  if (!model) return make;
  return model.toLowerCase().startsWith(make.toLowerCase().split(" ")[0]!) ? model : `${make} ${model}`;
}

function Details({ file, actions }: { file: MediaFile; actions: FileActions }) {
  return (
    <section class="viewer-details" aria-label="Details">
      <dl class="facts">
        {fileFacts(file).map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {file.description && <p>{file.description}</p>}
      {file.tags && file.tags.length > 0 && (
        <ul class="tags" aria-label="Tags">
          {file.tags.map((t) => (
            <li key={t}>{t}</li>
          ))}
        </ul>
      )}
      <div class="viewer-actions">
        <button type="button" class="button small" onClick={() => actions.edit(file)}>
          <Icon name="edit" size={16} /> Edit details
        </button>
        <button type="button" class="button small" onClick={() => actions.share(file)}>
          <Icon name="link" size={16} /> Share
        </button>
        <a class="button small" href={file.downloadUrl} download={file.fileName} onClick={(e) => actions.download(file, e)}>
          <Icon name="download" size={16} /> Download
        </a>
        <button type="button" class="button small danger" onClick={() => actions.remove(file)}>
          <Icon name="trash" size={16} /> Delete
        </button>
      </div>
    </section>
  );
}
