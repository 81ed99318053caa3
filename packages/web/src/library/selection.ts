/**
 * Several files chosen at once, as file managers do it: a click toggles one and makes it the anchor; a
 * shift-click selects everything from the anchor to it, in the order on screen, and keeps the anchor.
 */
export interface Selection {
  ids: ReadonlySet<string>;
  anchor?: string | undefined;
}

export const NO_SELECTION: Selection = { ids: new Set() };

export function toggleSelection(selection: Selection, order: readonly string[], id: string, range: boolean): Selection {
  const from = selection.anchor === undefined ? -1 : order.indexOf(selection.anchor);
  const to = order.indexOf(id);
  if (range && from >= 0 && to >= 0) {
    const ids = new Set(selection.ids);
    for (const x of order.slice(Math.min(from, to), Math.max(from, to) + 1)) ids.add(x);
    return { ids, anchor: selection.anchor };
  }
  const ids = new Set(selection.ids);
  if (ids.has(id)) ids.delete(id);
  else ids.add(id);
  return { ids, anchor: id };
}

/** Files gone from the library (deleted here or elsewhere) leave the selection too. */
export function keepPresent(selection: Selection, present: readonly string[]): Selection {
  const here = new Set(present);
  const ids = new Set([...selection.ids].filter((id) => here.has(id)));
  if (ids.size === selection.ids.size) return selection;
  return { ids, anchor: selection.anchor !== undefined && here.has(selection.anchor) ? selection.anchor : undefined };
}
