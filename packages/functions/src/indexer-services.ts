import type { IndexDeps } from "@media/core/indexing";
import { createMediaInspector } from "./media/inspector";
import { services } from "./services";

/**
 * The indexer's dependencies: the shared adapters plus the media inspector. It lives apart from
 * services.ts so that only the indexer's bundle imports sharp (a native module installed into that bundle
 * for the Lambda's platform, see stacks/native-modules.ts), music-metadata and file-type; the API
 * functions, which share services.ts, stay free of them.
 */
let cached: IndexDeps | undefined;

export function indexerDeps(): IndexDeps {
  cached ??= { ...services().indexing, inspector: createMediaInspector() };
  return cached;
}
