import type { RefObject } from "preact";
import { useRef } from "preact/hooks";
import { useSteadyUrl } from "./steady-url";

/** Where the listener was when the source failed, to be restored on the URL that replaces it. */
interface Resume {
  at: number;
  play: boolean;
}

/**
 * An <audio> player whose source is not swapped under the listener. Setting an element's src reloads
 * it and playback starts again from 0, yet the file's URL changes while it plays: its stream rendition
 * arrives (a live event), and every fetch of the file signs its URLs anew. A URL signed anew is never
 * taken unless the one playing failed (useSteadyUrl); a new source (the stream) is taken only when
 * nothing is lost: the player is stopped at the start, or has played to the end.
 *
 * A failed source (most often a URL expired while the player sat paused) is replaced by a fresh URL, which
 * the element loads from 0, paused: once its metadata has loaded, the player goes back to where it was and,
 * if the listener had asked to play, plays. One resume per failure: if the fresh URL fails too, the file
 * is broken (useSteadyUrl asks no more) and nothing is resumed later.
 */
export function SteadyAudio({ src, player, label, class: className, onStale }: { src: string; player: RefObject<HTMLAudioElement | null>; label: string; class?: string; onStale: () => void }) {
  const steady = useSteadyUrl(src, onStale, () => {
    const audio = player.current;
    return audio !== null && !atRest(audio);
  });
  // From the `play` event, not `paused`: a press of play on an expired source fails before it plays.
  const wantsPlay = useRef(false);
  const resume = useRef<Resume | null>(null);

  const failed = () => {
    const audio = player.current;
    // A second failure before the replacement loaded (the newest URL known failed too) keeps the first
    // record: the element is at 0 and paused by then, which is not where the listener was.
    if (audio !== null && resume.current === null) resume.current = { at: audio.currentTime, play: wantsPlay.current || !audio.paused };
    if (!steady.failed()) resume.current = null;
  };

  const loaded = () => {
    steady.loaded();
    const audio = player.current;
    const was = resume.current;
    resume.current = null;
    if (audio === null || was === null) return;
    if (was.at > 0) audio.currentTime = was.at;
    if (!was.play) return;
    // Its `play` event says so again if it starts; a refusal (autoplay policy) leaves it paused at the spot.
    wantsPlay.current = false;
    audio.play().catch(() => undefined);
  };

  return (
    <audio
      ref={player}
      class={className}
      controls
      preload="metadata"
      src={steady.url}
      aria-label={label}
      onLoadedMetadata={loaded}
      onPlay={() => (wantsPlay.current = true)}
      onPause={() => (wantsPlay.current = false)}
      onEnded={steady.takeNewer}
      onError={failed}
    />
  );
}

/** Stopped at the start or played to the end: a reload there loses nothing the listener did. */
function atRest(audio: HTMLAudioElement): boolean {
  return audio.paused && (audio.currentTime === 0 || audio.ended);
}
