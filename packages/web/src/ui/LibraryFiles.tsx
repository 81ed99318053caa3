import { useEffect, useRef } from "preact/hooks";
import type { KindFilter, LibraryState } from "../library/library-store";
import { groupByDate } from "../library/date-groups";
import { DeviceText } from "./device";
import { ErrorMessage } from "./ErrorMessage";
import { AudioRow, ImageCard, type FileActions } from "./FileViews";
import { Icon } from "./icons";

/**
 * The library itself: files under date headings (today, this week, then months), images as a grid and
 * audio as rows within each, the next page loaded as the end comes near.
 */
export function Files({ state, actions, onMore, onRetry, now, selected }: { state: LibraryState; actions: FileActions; onMore: () => void; onRetry: () => void; now: number; selected: ReadonlySet<string> }) {
  const selecting = selected.size > 0;
  const sel = (id: string) => ({ selected: selected.has(id), selecting });
  const { type, q } = state.filter;
  const more = !state.loaded || state.nextCursor !== null;

  if (!state.loaded && !state.error) return <Skeleton type={type} />;
  if (state.loaded && state.files.length === 0 && !more) {
    return (
      <div class="empty">
        <Icon name={type === "audio" ? "audio" : "image"} size={40} />
        {q.trim() ? (
          <p>No {type === "all" ? "files" : type === "image" ? "images" : "audio files"} match “{q.trim()}”.</p>
        ) : (
          <p>No {type === "all" ? "files" : type === "image" ? "images" : "audio files"} yet. <DeviceText touch="Choose some above." pointer="Drop some here, or choose files above." /></p>
        )}
      </div>
    );
  }
  return (
    <div class={selecting ? "library selecting" : "library"} aria-busy={state.loading}>
      {groupByDate(state.files, now).map((group) => {
        const images = group.files.filter((f) => f.contentType.startsWith("image/"));
        const audio = group.files.filter((f) => f.contentType.startsWith("audio/"));
        return (
          <section key={group.key} aria-labelledby={`group-${group.key}`} class="date-group">
            <h2 id={`group-${group.key}`} class="section-title">
              {group.label} <span class="count">{countText(images.length, audio.length)}</span>
            </h2>
            {images.length > 0 && (
              <ul class="grid" aria-label={`Images, ${group.label.toLowerCase()}`}>
                {images.map((f) => (
                  <ImageCard key={f.fileId} file={f} actions={actions} selection={sel(f.fileId)} />
                ))}
              </ul>
            )}
            {audio.length > 0 && (
              <ul class="audio-list" aria-label={`Audio, ${group.label.toLowerCase()}`}>
                {audio.map((f) => (
                  <AudioRow key={f.fileId} file={f} actions={actions} selection={sel(f.fileId)} />
                ))}
              </ul>
            )}
          </section>
        );
      })}
      {state.error ? <ErrorMessage error={state.error} onRetry={state.loaded ? onMore : onRetry} /> : more && <Sentinel loading={state.loading} onMore={onMore} />}
    </div>
  );
}

function countText(images: number, audio: number): string {
  const parts = [];
  if (images) parts.push(`${images} ${images === 1 ? "image" : "images"}`);
  if (audio) parts.push(`${audio} audio`);
  return parts.join(", ");
}

/**
 * Infinite scroll: when this comes within a screen of the viewport the next page loads. The button
 * is there for keyboards and for browsers without IntersectionObserver; after a page arrives, a
 * sentinel still in view asks again (a short page does not move it out of sight).
 */
function Sentinel({ loading, onMore }: { loading: boolean; onMore: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  const visible = useRef(false);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof IntersectionObserver === "undefined") return;
    const io = new IntersectionObserver(
      (entries) => {
        visible.current = entries.some((e) => e.isIntersecting);
        if (visible.current) onMore();
      },
      { rootMargin: "600px 0px" },
    );
    io.observe(el);
    return () => io.disconnect();
  }, [onMore]);
  useEffect(() => {
    if (!loading && visible.current) onMore();
  }, [loading, onMore]);
  return (
    <div class="sentinel" ref={ref}>
      {loading ? (
        <p class="muted" role="status">
          <span class="spinner" aria-hidden="true" /> Loading more…
        </p>
      ) : (
        <button type="button" class="button" onClick={onMore}>
          Load more
        </button>
      )}
    </div>
  );
}

function Skeleton({ type }: { type: KindFilter }) {
  return (
    <div class="library" aria-busy="true">
      <p class="visually-hidden" role="status">
        Loading your library…
      </p>
      {type !== "audio" && (
        <ul class="grid" aria-hidden="true">
          {Array.from({ length: 8 }, (_, i) => (
            <li key={i} class="card skeleton">
              <span class="thumb" />
              <div class="card-body">
                <p class="card-name">&nbsp;</p>
                <p class="card-meta">&nbsp;</p>
              </div>
            </li>
          ))}
        </ul>
      )}
      {type === "audio" && (
        <ul class="audio-list" aria-hidden="true">
          {Array.from({ length: 4 }, (_, i) => (
            <li key={i} class="audio-row skeleton" />
          ))}
        </ul>
      )}
    </div>
  );
}

