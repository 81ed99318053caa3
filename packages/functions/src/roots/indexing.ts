import type { IndexDeps } from "@media/core/indexing";
import { clock } from "../clock";
import { config, type FunctionsConfig } from "../config";
import { buildMediaAdapters } from "./media";

/**
 * The indexer's adapters, all but its media inspector: indexer-services.ts adds that, so that only the
 * indexer's bundle imports sharp, music-metadata and file-type, while tests and scripts reach these
 * through services() without loading them.
 */
export type IndexingServices = Omit<IndexDeps, "inspector">;

export function buildIndexingServices(cfg: FunctionsConfig): IndexingServices {
  const { repo, storage, events } = buildMediaAdapters(cfg);
  return { repo, storage, events, clock: clock() };
}

let cached: IndexingServices | undefined;

export function indexingServices(): IndexingServices {
  cached ??= buildIndexingServices(config());
  return cached;
}
