import type { RefObject } from "preact";
import { useSteadyUrl } from "./steady-url";

/**
 * An <audio> player whose source is not swapped under the listener. Setting an element's src reloads
 * it and playback starts again from 0, yet the file's URL changes while it plays: its stream rendition
 * arrives (a live event), and every fetch of the file signs its URLs anew. A URL signed anew is never
 * taken unless the one playing failed (useSteadyUrl); a new source (the stream) is taken only when
 * nothing is lost: the player is stopped at the start, or has played to the end.
 */
export function SteadyAudio({ src, player, label, class: className, onStale }: { src: string; player: RefObject<HTMLAudioElement | null>; label: string; class?: string; onStale: () => void }) {
  const steady = useSteadyUrl(src, onStale, () => {
    const audio = player.current;
    return audio !== null && !atRest(audio);
  });
  return (
    <audio
      ref={player}
      class={className}
      controls
      preload="metadata"
      src={steady.url}
      aria-label={label}
      onLoadedMetadata={steady.loaded}
      onEnded={steady.takeNewer}
      onError={steady.failed}
    />
  );
}

/** Stopped at the start or played to the end: a reload there loses nothing the listener did. */
function atRest(audio: HTMLAudioElement): boolean {
  return audio.paused && (audio.currentTime === 0 || audio.ended);
}
