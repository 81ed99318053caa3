import { useEffect, useState } from "preact/hooks";
import type { MediaFile } from "../api/types";
import { displayOrder, groupByDate } from "../library/date-groups";
import type { LibraryState, LibraryStore } from "../library/library-store";
import type { FileActions } from "./FileViews";
import { closeViewer, viewFile } from "./router";
import { Viewer } from "./Viewer";

/** The files the viewer steps through: those ready to show, in the order the library shows them. */
export function viewable(files: readonly MediaFile[], now: number): MediaFile[] {
  return displayOrder(groupByDate(files, now)).filter((f) => f.status === "ready");
}

/**
 * The viewer over the library, on the file named in the address. A file not among the pages loaded (a
 * reload, a kept link) is fetched by id; stepping past the last loaded file asks for the next page.
 */
export function LibraryViewer({ fileId, state, library, actions }: { fileId: string; state: LibraryState; library: LibraryStore; actions: FileActions }) {
  const order = viewable(state.files, Date.now());
  const listed = state.files.find((f) => f.fileId === fileId);
  const [fetched, setFetched] = useState<{ id: string; file?: MediaFile; missing?: boolean }>();

  useEffect(() => {
    if (listed || fetched?.id === fileId) return;
    let live = true;
    library.fresh(fileId).then(
      (file) => live && setFetched(file ? { id: fileId, file } : { id: fileId, missing: true }),
      () => live && setFetched({ id: fileId, missing: true }),
    );
    return () => {
      live = false;
    };
  }, [fileId, listed, fetched, library]);

  const file = listed ?? (fetched?.id === fileId ? fetched.file : undefined);
  const i = order.findIndex((f) => f.fileId === fileId);
  const more = state.nextCursor !== null;
  const next = i >= 0 ? order[i + 1] : undefined;
  useEffect(() => {
    if (i >= 0 && !next && more) library.loadMore();
  }, [i, next, more, library]);

  return (
    <Viewer
      file={file}
      missing={fetched?.id === fileId && fetched.missing === true}
      prev={i > 0 ? order[i - 1] : undefined}
      next={next}
      position={i >= 0 ? `${i + 1} of ${order.length}${more ? "+" : ""}` : undefined}
      onGo={(f) => viewFile(f.fileId)}
      onClose={closeViewer}
      actions={actions}
    />
  );
}
