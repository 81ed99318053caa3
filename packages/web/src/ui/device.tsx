import { useEffect, useState } from "preact/hooks";

/** A touch screen is the main way to point: there is nothing to drag files with, and no hover. */
export const COARSE_POINTER = "(pointer: coarse)";

export function useCoarsePointer(): boolean {
  const query = typeof matchMedia === "function" ? matchMedia(COARSE_POINTER) : undefined;
  const [coarse, setCoarse] = useState(query?.matches ?? false);
  useEffect(() => {
    if (!query) return;
    const update = () => setCoarse(query.matches);
    query.addEventListener("change", update);
    return () => query.removeEventListener("change", update);
    // The media query answers the same for the page's life; a new MediaQueryList each render is not a change.
  }, []);
  return coarse;
}

/** Words that fit how the person points: "Choose files" on a phone, "Drop here" with a mouse. */
export function DeviceText({ touch, pointer }: { touch: string; pointer: string }) {
  return <>{useCoarsePointer() ? touch : pointer}</>;
}
