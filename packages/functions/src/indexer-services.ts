import type { IndexDeps } from "@media/core/indexing";
import { createMediaInspector } from "./media/inspector";
import { indexingServices } from "./roots/indexing";

/**
 * The indexer's dependencies: its adapters (roots/indexing.ts) plus the media inspector, which only the
 * indexer's bundle imports (sharp, a native module installed into that bundle for the Lambda's platform,
 * see stacks/native-modules.ts; music-metadata and file-type).
 */
let cached: IndexDeps | undefined;

export function indexerDeps(): IndexDeps {
  cached ??= { ...indexingServices(), inspector: createMediaInspector() };
  return cached;
}
