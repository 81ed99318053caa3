/**
 * Clean-ups still owed (runtimes to stop, temporary directories to remove), so that an interrupted run
 * (Ctrl-C) leaves nothing behind either. `track` returns the clean-up to call on the normal path; it runs once.
 */
const pending = new Set<() => Promise<void>>();

export function track(cleanUp: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  const once = () => {
    pending.delete(once);
    done ??= cleanUp();
    return done;
  };
  pending.add(once);
  return once;
}

export async function cleanUpAll(): Promise<void> {
  await Promise.allSettled([...pending].map((c) => c()));
}
