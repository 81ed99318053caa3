import { useEffect, useState } from "preact/hooks";
import type { RefObject } from "preact";
import { useSteadyUrl } from "./steady-url";

/** The renditions' waveform file (packages/core/src/renditions/waveform.ts). */
interface WaveformData {
  version: 1;
  durationSeconds: number;
  peaks: number[];
}

/**
 * The waveform drawn as bars over the whole track, the part already played in the accent colour; a click
 * (or Left/Right on the focused bar) seeks the player there. The peaks are fetched once per waveform file,
 * not again for its URL signed anew (useSteadyUrl); a 403 (the link expired) asks for a fresh one. If they
 * cannot be had (offline, a fresh link refused too), nothing is drawn and the player alone remains.
 */
export function Waveform({ url, player, label, onStale }: { url: string; player: RefObject<HTMLAudioElement | null>; label: string; onStale: () => void }) {
  const [peaks, setPeaks] = useState<number[] | undefined>();
  const [played, setPlayed] = useState(0);
  const steady = useSteadyUrl(url, onStale);
  const taken = steady.status === "ok" ? steady.url : undefined;

  useEffect(() => {
    if (!taken) return;
    let live = true;
    fetch(taken)
      .then((res) => {
        if (!live) return undefined;
        // S3 answers an expired (or otherwise refused) signature with 403.
        if (res.status === 403) steady.failed();
        return res.ok ? (res.json() as Promise<WaveformData>) : undefined;
      })
      .then((data) => {
        if (live && data && Array.isArray(data.peaks)) {
          steady.loaded();
          setPeaks(data.peaks);
        }
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
    // Fetched again only for another object (useSteadyUrl): a re-signed URL of the same peaks is not a change.
  }, [taken]);

  useEffect(() => {
    const audio = player.current;
    if (!audio) return;
    const update = () => setPlayed(audio.duration > 0 ? audio.currentTime / audio.duration : 0);
    audio.addEventListener("timeupdate", update);
    audio.addEventListener("seeked", update);
    return () => {
      audio.removeEventListener("timeupdate", update);
      audio.removeEventListener("seeked", update);
    };
  }, [player, peaks]);

  if (!peaks || peaks.length === 0) return null;
  const seekTo = (fraction: number) => {
    const audio = player.current;
    if (!audio || !(audio.duration > 0)) return;
    audio.currentTime = Math.min(1, Math.max(0, fraction)) * audio.duration;
    setPlayed(audio.currentTime / audio.duration);
  };
  const width = peaks.length;
  return (
    <svg
      class="waveform"
      role="slider"
      tabIndex={0}
      aria-label={`Seek in ${label}`}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(played * 100)}
      viewBox={`0 0 ${width} 100`}
      preserveAspectRatio="none"
      onClick={(e) => {
        const box = (e.currentTarget as SVGSVGElement).getBoundingClientRect();
        if (box.width > 0) seekTo((e.clientX - box.left) / box.width);
      }}
      onKeyDown={(e) => {
        if (e.key === "ArrowRight") seekTo(played + 0.05);
        else if (e.key === "ArrowLeft") seekTo(played - 0.05);
      }}
    >
      {peaks.map((p, i) => {
        const h = Math.max(1, p * 100);
        return <rect key={i} x={i} y={(100 - h) / 2} width={0.8} height={h} class={i / width < played ? "played" : undefined} />;
      })}
    </svg>
  );
}
