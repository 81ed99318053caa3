/**
 * A value a root needs only on some requests, or late in them, built at its first use: the code behind
 * it is a chunk of the function's bundle (code splitting, stacks/lambda.ts) that a cold start does not
 * load. Calls made while it loads share the one load.
 *
 * A failed load fails the calls that waited on it and is forgotten, so the next call tries again: one
 * request answers 500 rather than every request of that instance until it is recycled.
 */
export function onFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () =>
    (loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    }));
}
