import type { RefObject } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";

/**
 * An <audio> player whose source is not swapped under the listener. Setting an element's src reloads
 * it and playback starts again from 0, yet the file's URL changes while it plays: its stream rendition
 * arrives (a live event), and every fetch of the file signs its URLs anew. So a new source is taken
 * only when nothing is lost: the player is stopped at the start, or has played to the end. A URL that
 * differs only in its signature names the same bytes and is not taken at all, unless the one playing
 * failed (it expired): then the file's fresh URL is what it needs.
 */
export function SteadyAudio({ src, player, label, class: className, onStale }: { src: string; player: RefObject<HTMLAudioElement | null>; label: string; class?: string; onStale: () => void }) {
  const [current, setCurrent] = useState(src);
  const failed = useRef(false);
  const wanted = useRef(src);
  wanted.current = src;
  const take = () => {
    failed.current = false;
    setCurrent(wanted.current);
  };

  useEffect(() => {
    const audio = player.current;
    if (src === current || !audio) return;
    if (failed.current || (!sameObject(src, current) && atRest(audio))) take();
    // Otherwise kept for later: the end of this play, or the next time the file is opened.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [src, current]);

  return (
    <audio
      ref={player}
      class={className}
      controls
      preload="metadata"
      src={current}
      aria-label={label}
      onEnded={() => {
        if (!sameObject(wanted.current, current)) take();
      }}
      onError={() => {
        failed.current = true;
        // A newer URL already came while this one played: try it before asking for another.
        if (wanted.current !== current) take();
        else onStale();
      }}
    />
  );
}

/** Stopped at the start or played to the end: a reload there loses nothing the listener did. */
function atRest(audio: HTMLAudioElement): boolean {
  return audio.paused && (audio.currentTime === 0 || audio.ended);
}

/** The same stored object: presigned URLs of one key differ only in their query (signature, expiry). */
export function sameObject(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    return x.origin === y.origin && x.pathname === y.pathname;
  } catch {
    return a === b;
  }
}
