import type { RefObject } from "preact";
import { useEffect, useState } from "preact/hooks";

/** Subscribes a component to one of the app's stores (each has `subscribe` and a current value). */
export function useStore<T>(subscribe: (fn: (v: T) => void) => () => void, current: () => T): T {
  const [value, setValue] = useState<T>(current);
  useEffect(() => {
    setValue(() => current());
    return subscribe((v) => setValue(() => v));
    // `current` is read once per subscription: a new function each render must not resubscribe.
  }, [subscribe]);
  return value;
}

/** A value that follows `value` after it has stopped changing for `ms` (search as you type). */
export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

/**
 * Opens a <dialog> modally once mounted (or marks it open where showModal is missing), focuses what
 * `focusTarget` picks inside it, and on unmount closes it and gives focus back to what opened it.
 */
export function useModalDialog(ref: RefObject<HTMLDialogElement | null>, focusTarget: (dialog: HTMLDialogElement) => HTMLElement | null): void {
  useEffect(() => {
    const dialog = ref.current!;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) {
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
    }
    focusTarget(dialog)?.focus();
    return () => {
      if (dialog.open && typeof dialog.close === "function") dialog.close();
      // Nothing focused opened it (a click that does not focus): the screen decides where focus goes.
      if (opener?.isConnected && opener !== document.body) opener.focus();
    };
    // Once per dialog: focus moves in when it opens and back to its opener when it closes, not on re-renders.
  }, []);
}
