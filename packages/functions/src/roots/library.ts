import type { LibraryDeps } from "@media/core/library";
import type { SharingDeps } from "@media/core/sharing";
import type { UploadDeps } from "@media/core/upload";
import { createDynamoShareRepository } from "../adapters/dynamo-share-repository";
import { clock } from "../clock";
import { config, type FunctionsConfig } from "../config";
import { buildMediaAdapters } from "./media";

/**
 * The composition root of the library routes (upload, listing, a file's views, edits and deletion, its
 * share links): DynamoDB, the S3 presigners and deletes, and SNS for media.deleted. No Cognito.
 */
export interface LibraryServices {
  config: FunctionsConfig;
  upload: UploadDeps;
  library: LibraryDeps;
  sharing: SharingDeps;
}

export function buildLibraryServices(cfg: FunctionsConfig): LibraryServices {
  const { documents, repo, storage, events } = buildMediaAdapters(cfg);
  const shares = createDynamoShareRepository({ client: documents.documents, tableName: cfg.tableName });
  const now = clock();
  return {
    config: cfg,
    upload: { repo, storage, clock: now, limits: cfg.limits },
    library: { repo, storage, events, clock: now, limits: cfg.limits, cursorSecret: cfg.cursorSecret, shares },
    sharing: { repo, shares, storage, clock: now, limits: cfg.limits },
  };
}

let cached: LibraryServices | undefined;

/** Built at the first call (the cold start's first request), from the parsed config. */
export function libraryServices(): LibraryServices {
  cached ??= buildLibraryServices(config());
  return cached;
}
