import { useEffect, useState } from "preact/hooks";

/** Subscribes a component to one of the app's stores (each has `subscribe` and a current value). */
export function useStore<T>(subscribe: (fn: (v: T) => void) => () => void, current: () => T): T {
  const [value, setValue] = useState<T>(current);
  useEffect(() => {
    setValue(() => current());
    return subscribe((v) => setValue(() => v));
    // eslint-disable-next-line react-hooks/exhaustive-deps
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
