import { useRef } from "preact/hooks";
import { realTimers, type Timers } from "./upload-summary";

/** How long a finger rests on a file before it is selected instead of opened (Android's own long press). */
export const LONG_PRESS_MS = 500;
/** A finger that moves further than this is scrolling, not pressing. */
const SLOP_PX = 10;

/**
 * Long-press on a touch screen: a finger held still on the element calls `onLong`, and the click that the
 * lifted finger then sends is swallowed (`consumed()` says so once). Mice and pens keep their clicks; they
 * have shift-click and the checkbox.
 */
export function useLongPress(onLong: () => void, timers: Timers = realTimers) {
  const press = useRef<{ x: number; y: number; handle: unknown } | undefined>(undefined);
  const fired = useRef(false);
  const cancel = () => {
    if (press.current) timers.clear(press.current.handle);
    press.current = undefined;
  };
  return {
    handlers: {
      onPointerDown: (e: PointerEvent) => {
        fired.current = false;
        if (e.pointerType !== "touch") return;
        cancel();
        press.current = {
          x: e.clientX,
          y: e.clientY,
          handle: timers.set(() => {
            press.current = undefined;
            fired.current = true;
            onLong();
          }, LONG_PRESS_MS),
        };
      },
      onPointerMove: (e: PointerEvent) => {
        const p = press.current;
        if (p && Math.hypot(e.clientX - p.x, e.clientY - p.y) > SLOP_PX) cancel();
      },
      onPointerUp: cancel,
      onPointerCancel: cancel,
      // The browser's own long-press menu (save image…) would cover the selection.
      onContextMenu: (e: MouseEvent) => {
        if (fired.current || press.current) e.preventDefault();
      },
    },
    consumed(): boolean {
      const was = fired.current;
      fired.current = false;
      return was;
    },
  };
}
